#include "tree_walk.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "modelpusher/log.h"
#include "modelpusher/path_map.h"

namespace modelpusher::source_file::internal {
namespace {

// A folder on the current descent, by identity: a symlink that leads back to one of them
// would make the walk endless.
struct FolderId {
  dev_t dev;
  ino_t ino;
  bool operator==(const FolderId& other) const { return dev == other.dev && ino == other.ino; }
};

struct DirCloser {
  void operator()(DIR* dir) const { closedir(dir); }
};

Result<std::string> RealPath(const std::string& path, const std::string& doing) {
  std::unique_ptr<char, decltype(&free)> resolved(realpath(path.c_str(), nullptr), &free);
  if (resolved == nullptr) return ErrnoStatus(errno, doing);
  return std::string(resolved.get());
}

std::string ReadLinkText(const std::string& link) {
  std::string target(PATH_MAX, '\0');
  ssize_t n = readlink(link.c_str(), target.data(), target.size());
  if (n < 0) return "?";
  target.resize(static_cast<size_t>(n));
  return target;
}

bool IsInside(const std::string& real_root, const std::string& real_path) {
  if (real_root == "/") return true;
  return real_path == real_root || real_path.rfind(real_root + "/", 0) == 0;
}

// Follows the symlink at `link_path` (published as `rel`) and checks it stays in the root.
Result<std::string> ResolveLink(const std::string& real_root, const std::string& shown_root,
                                const std::string& link_path, const std::string& rel) {
  std::string target = ReadLinkText(link_path);
  std::string named = "symlink '" + rel + "' -> '" + target + "' in " + shown_root;
  std::unique_ptr<char, decltype(&free)> resolved(realpath(link_path.c_str(), nullptr), &free);
  if (resolved == nullptr) {
    int err = errno;
    if (err == ELOOP) {
      return FailedPreconditionError(named + " is a symlink loop; remove or fix the link");
    }
    if (err == ENOENT || err == ENOTDIR) {
      return FailedPreconditionError(named + " points to nothing (dangling link); remove it "
                                     "or restore its target");
    }
    return ErrnoStatus(err, "while resolving " + named);
  }
  std::string real(resolved.get());
  if (!IsInside(real_root, real)) {
    return FailedPreconditionError(named + " resolves to '" + real +
                                   "', outside the model folder; copy the file into the "
                                   "folder or remove the link (links are followed only "
                                   "inside the model folder)");
  }
  return real;
}

class Walker {
 public:
  Walker(std::string real_root, std::string shown_root)
      : real_root_(std::move(real_root)), shown_root_(std::move(shown_root)) {}

  Result<std::vector<FileEntry>> Run() {
    struct stat st {};
    if (stat(real_root_.c_str(), &st) != 0) {
      return ErrnoStatus(errno, "while reading the model folder " + shown_root_);
    }
    MP_RETURN_IF_ERROR(WalkFolder(real_root_, "", {st.st_dev, st.st_ino}));
    std::sort(files_.begin(), files_.end(),
              [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
    return std::move(files_);
  }

 private:
  Status WalkFolder(const std::string& real_dir, const std::string& rel, FolderId id) {
    chain_.push_back(id);
    MP_ASSIGN_OR_RETURN(std::vector<std::string> names, ReadNames(real_dir, rel));
    for (const auto& name : names) {
      std::string child_rel = rel.empty() ? name : rel + "/" + name;
      // Git metadata, whether a folder or a `.git` file linking a submodule or worktree, is
      // never model content. Checked by name before anything else, even before lstat.
      if (IsGitInternal(child_rel)) {
        log::Debug("skipping git metadata", {{"path", child_rel}});
        continue;
      }
      MP_RETURN_IF_ERROR(VisitEntry(real_dir + "/" + name, child_rel));
    }
    chain_.pop_back();
    return Status::Ok();
  }

  Result<std::vector<std::string>> ReadNames(const std::string& real_dir,
                                             const std::string& rel) {
    std::string shown = rel.empty() ? shown_root_ : "'" + rel + "' in " + shown_root_;
    std::unique_ptr<DIR, DirCloser> dir(opendir(real_dir.c_str()));
    if (dir == nullptr) return ErrnoStatus(errno, "while listing the folder " + shown);
    std::vector<std::string> names;
    errno = 0;
    while (dirent* entry = readdir(dir.get())) {
      std::string name(entry->d_name);
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    if (errno != 0) return ErrnoStatus(errno, "while listing the folder " + shown);
    return names;
  }

  Status VisitEntry(const std::string& path, const std::string& rel) {
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) return Status::Ok();  // Removed while we listed: nothing to send.
      return ErrnoStatus(errno, "while inspecting '" + rel + "' in " + shown_root_);
    }
    std::string real = path;
    if (S_ISLNK(st.st_mode)) {
      MP_ASSIGN_OR_RETURN(real, ResolveLink(real_root_, shown_root_, path, rel));
      if (stat(real.c_str(), &st) != 0) {
        return ErrnoStatus(errno, "while inspecting the target of '" + rel + "'");
      }
    }
    if (S_ISDIR(st.st_mode)) return EnterFolder(real, rel, {st.st_dev, st.st_ino});
    if (S_ISREG(st.st_mode)) return AddFile(rel, static_cast<uint64_t>(st.st_size));
    log::Warn("skipping a special file (socket, FIFO or device)",
              {{"path", rel}, {"root", shown_root_}});
    return Status::Ok();
  }

  Status EnterFolder(const std::string& real, const std::string& rel, FolderId id) {
    if (std::find(chain_.begin(), chain_.end(), id) != chain_.end()) {
      return FailedPreconditionError("symlink '" + rel + "' in " + shown_root_ + " -> '" + real +
                                     "' leads back to a folder that contains it (a loop); "
                                     "remove or fix the link");
    }
    return WalkFolder(real, rel, id);
  }

  Status AddFile(const std::string& rel, uint64_t size) {
    auto published = ToPublishedPath(rel, /*windows_separators=*/false);
    if (!published.ok()) return published.status().WithContext("in " + shown_root_);
    files_.push_back({*published, size, "", ""});
    return Status::Ok();
  }

  std::string real_root_;
  std::string shown_root_;
  std::vector<FolderId> chain_;
  std::vector<FileEntry> files_;
};

Status CheckRelativePath(const std::string& path) {
  bool bad = path.empty() || path.front() == '/' || path.back() == '/' ||
             path.find('\0') != std::string::npos;
  size_t start = 0;
  while (!bad && start <= path.size()) {
    size_t end = std::min(path.find('/', start), path.size());
    std::string segment = path.substr(start, end - start);
    bad = segment.empty() || segment == "." || segment == "..";
    start = end + 1;
  }
  if (bad) {
    return InvalidArgumentError("'" + path + "' is not a relative file path ('/'-separated, "
                                "no empty, '.' or '..' segment)");
  }
  return Status::Ok();
}

}  // namespace

Status ErrnoStatus(int err, const std::string& doing) {
  return ErrnoToStatus(err, doing, "check the permissions of the model folder");
}

Result<std::string> ResolveRoot(const std::string& root) {
  struct stat st {};
  if (stat(root.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return NotFoundError("model folder " + root +
                           " does not exist; check the source path and that training wrote "
                           "the model there");
    }
    return ErrnoStatus(err, "while opening the model folder " + root);
  }
  if (!S_ISDIR(st.st_mode)) {
    return InvalidArgumentError("source " + root +
                                " is a file, not a folder; point the source at the folder "
                                "that holds the model");
  }
  return RealPath(root, "while resolving the model folder " + root);
}

Result<std::vector<FileEntry>> WalkTree(const std::string& real_root,
                                        const std::string& shown_root) {
  return Walker(real_root, shown_root).Run();
}

Result<ResolvedFile> ResolveFile(const std::string& real_root, const std::string& shown_root,
                                 const std::string& path) {
  MP_RETURN_IF_ERROR(CheckRelativePath(path));
  if (IsGitInternal(path)) {
    return NotFoundError("'" + path + "' is git metadata, which the file source never "
                         "publishes");
  }
  MP_RETURN_IF_ERROR(ToPublishedPath(path, /*windows_separators=*/false).status());

  std::string full = real_root + "/" + path;
  std::string shown = "'" + path + "' in " + shown_root;
  MP_ASSIGN_OR_RETURN(std::string real, RealPath(full, "while opening " + shown));
  if (!IsInside(real_root, real)) {
    return FailedPreconditionError(shown + " resolves to '" + real +
                                   "', outside the model folder, through a symlink; copy the "
                                   "file into the folder or remove the link");
  }

  struct stat st {};
  if (stat(real.c_str(), &st) != 0) return ErrnoStatus(errno, "while opening " + shown);
  if (!S_ISREG(st.st_mode)) return NotFoundError(shown + " is not a regular file");
  return ResolvedFile{real, static_cast<uint64_t>(st.st_size)};
}

}  // namespace modelpusher::source_file::internal
