#include "disk_ops.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>

#include "modelpusher/hash.h"

namespace modelpusher::registry_filesystem::internal {
namespace {

struct DirCloser {
  void operator()(DIR* dir) const { closedir(dir); }
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Status WriteAll(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "while writing " + path);
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status ListInto(const std::string& folder, const std::string& rel, FolderListing* out) {
  std::unique_ptr<DIR, DirCloser> dir(opendir(folder.c_str()));
  if (dir == nullptr) return ErrnoStatus(errno, "while listing " + folder);
  while (dirent* entry = readdir(dir.get())) {
    std::string name(entry->d_name);
    if (name == "." || name == "..") continue;
    std::string path = folder + "/" + name;
    std::string child = rel.empty() ? name : rel + "/" + name;
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) return ErrnoStatus(errno, "while inspecting " + path);
    if (S_ISDIR(st.st_mode)) {
      MP_RETURN_IF_ERROR(ListInto(path, child, out));
    } else if (S_ISREG(st.st_mode)) {
      out->files.emplace_back(child, static_cast<uint64_t>(st.st_size));
    } else {
      out->plain = false;
    }
  }
  return Status::Ok();
}

Result<std::string> Sha256OfFile(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(errno, "while reading " + path);
  Hasher hasher(Hasher::Algorithm::kSha256);
  std::vector<char> buffer(1 << 20);
  while (true) {
    ssize_t n = read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "while reading " + path);
    if (n == 0) break;
    hasher.Update(buffer.data(), static_cast<size_t>(n));
  }
  return hasher.FinishHex();
}

}  // namespace

Status ErrnoStatus(int err, const std::string& doing) {
  return ErrnoToStatus(err, doing, "check that the registry folder is writable");
}

Status MakeFolder(const std::string& path, std::optional<mode_t> mode) {
  if (mkdir(path.c_str(), mode.value_or(0777)) != 0) {
    int err = errno;
    struct stat st {};
    if (err == EEXIST && stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      return Status::Ok();
    }
    if (err == EEXIST) {
      return FailedPreconditionError("cannot create the folder " + path +
                                     ": a file of that name is in the way");
    }
    return ErrnoStatus(err, "while creating the folder " + path);
  }
  // mkdir applies the umask; a configured mode is meant exactly.
  if (mode.has_value() && chmod(path.c_str(), *mode) != 0) {
    return ErrnoStatus(errno, "while setting the mode of " + path);
  }
  return Status::Ok();
}

Status MakeFolders(const std::string& path, std::optional<mode_t> mode) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    MP_RETURN_IF_ERROR(MakeFolder(path.substr(0, slash), std::nullopt));
  }
  return MakeFolder(path, mode);
}

Status SyncPath(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(errno, "while opening " + path + " to sync it");
  if (fsync(fd.get()) != 0) return ErrnoStatus(errno, "while syncing " + path + " to disk");
  return Status::Ok();
}

void RemoveTreeQuietly(const std::string& path) {
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
}

std::string RandomSuffix() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device device;
  std::string out;
  for (int i = 0; i < 16; ++i) out.push_back(kHex[device() % 16]);
  return out;
}

Status RenameNoReplace(const std::string& from, const std::string& to) {
  if (renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
    return Status::Ok();
  }
  int err = errno;
  if (err == EINVAL || err == ENOSYS) return RenameCheckingFirst(from, to);
  return ErrnoStatus(err, "while renaming " + from + " to " + to);
}

Status RenameCheckingFirst(const std::string& from, const std::string& to) {
  struct stat st {};
  if (lstat(to.c_str(), &st) == 0) return AlreadyExistsError(to + " already exists");
  if (rename(from.c_str(), to.c_str()) == 0) return Status::Ok();
  int err = errno;
  if (err == ENOTEMPTY || err == EEXIST) return AlreadyExistsError(to + " already exists");
  return ErrnoStatus(err, "while renaming " + from + " to " + to);
}

Result<FolderListing> ListFolder(const std::string& folder) {
  FolderListing listing;
  MP_RETURN_IF_ERROR(ListInto(folder, "", &listing));
  std::sort(listing.files.begin(), listing.files.end());
  return listing;
}

Result<bool> FolderMatches(const std::string& folder, const std::vector<ManifestEntry>& files) {
  MP_ASSIGN_OR_RETURN(FolderListing listing, ListFolder(folder));
  if (!listing.plain || listing.files.size() != files.size()) return false;
  std::vector<std::pair<std::string, uint64_t>> wanted;
  for (const auto& file : files) wanted.emplace_back(file.path, file.size);
  std::sort(wanted.begin(), wanted.end());
  if (wanted != listing.files) return false;

  for (const auto& file : files) {
    MP_ASSIGN_OR_RETURN(std::string sha256, Sha256OfFile(folder + "/" + file.path));
    if (sha256 != file.sha256) return false;
  }
  return true;
}

Result<PendingFile> PendingFile::Write(const std::string& dir, const std::string& final_name,
                                       const std::string& content,
                                       std::optional<mode_t> mode) {
  std::string temp = dir + "/." + final_name + ".tmp-" + RandomSuffix();
  Fd fd(open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode.value_or(0666)));
  if (fd.get() < 0) return ErrnoStatus(errno, "while creating " + temp);
  PendingFile pending(temp, dir + "/" + final_name);
  MP_RETURN_IF_ERROR(WriteAll(fd.get(), content.data(), content.size(), temp));
  if (fsync(fd.get()) != 0) return ErrnoStatus(errno, "while syncing " + temp + " to disk");
  return pending;
}

PendingFile::PendingFile(PendingFile&& other) noexcept
    : temp_(std::move(other.temp_)), final_(std::move(other.final_)) {
  other.temp_.clear();
}

PendingFile::~PendingFile() {
  if (!temp_.empty()) unlink(temp_.c_str());
}

Status PendingFile::Commit() {
  if (rename(temp_.c_str(), final_.c_str()) != 0) {
    return ErrnoStatus(errno, "while renaming " + temp_ + " to " + final_);
  }
  temp_.clear();
  return Status::Ok();
}

}  // namespace modelpusher::registry_filesystem::internal
