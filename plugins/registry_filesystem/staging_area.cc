#include "staging_area.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>
#include <signal.h>

#include <cctype>
#include <cerrno>
#include <filesystem>
#include <limits>
#include <vector>

#include "disk_ops.h"
#include "modelpusher/hash.h"
#include "modelpusher/log.h"

namespace modelpusher::registry_filesystem {
namespace {

using internal::ErrnoStatus;

// Large enough that syscalls and hash calls stay cheap, small enough that memory stays flat
// whatever the model's size.
constexpr size_t kCopyBuffer = 1 << 20;

// Closes on every path out; a close error on the success path is reported by Finish.
class OutputFile {
 public:
  OutputFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~OutputFile() {
    if (fd_ >= 0) close(fd_);
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  Status Write(const char* data, size_t size) {
    while (size > 0) {
      ssize_t n = write(fd_, data, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoStatus(errno, "while writing " + path_);
      data += n;
      size -= static_cast<size_t>(n);
    }
    return Status::Ok();
  }

  Status Finish(std::optional<mode_t> mode) {
    // open() applied the umask; a configured mode is meant exactly.
    if (mode.has_value() && fchmod(fd_, *mode) != 0) {
      return ErrnoStatus(errno, "while setting the mode of " + path_);
    }
    if (fsync(fd_) != 0) return ErrnoStatus(errno, "while syncing " + path_ + " to disk");
    int fd = fd_;
    fd_ = -1;
    if (close(fd) != 0) return ErrnoStatus(errno, "while closing " + path_);
    return Status::Ok();
  }

 private:
  int fd_;
  std::string path_;
};

std::string Shown(const ManifestEntry& file) {
  if (file.source_path.empty() || file.source_path == file.path) return "'" + file.path + "'";
  return "'" + file.path + "' (source '" + file.source_path + "')";
}

// "<host>-<pid>" with the host name's '-' kept: the pid is what follows the last '-'.
std::string OwnerTag() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::string name;
  for (const char* c = host; *c != '\0'; ++c) {
    name.push_back(std::isalnum(static_cast<unsigned char>(*c)) ? *c : '_');
  }
  return (name.empty() ? std::string("host") : name) + "-" + std::to_string(getpid());
}

}  // namespace

void StagingArea::RemoveAbandoned(const std::string& root) {
  std::string mine = OwnerTag();
  std::string host_prefix = mine.substr(0, mine.rfind('-') + 1);  // "<host>-"
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(".staging-", 0) != 0) continue;
    // .staging-<version>-<host>-<pid>-<random>: find "-<host>-" and read the pid after it.
    size_t at = name.find("-" + host_prefix);
    if (at == std::string::npos) continue;  // Another host's, or an older naming: leave it.
    size_t pid_start = at + 1 + host_prefix.size();
    size_t pid_end = name.find('-', pid_start);
    if (pid_end == std::string::npos) continue;
    long pid = std::strtol(name.substr(pid_start, pid_end - pid_start).c_str(), nullptr, 10);
    if (pid <= 0 || kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    std::filesystem::remove_all(entry.path(), ec);
    log::Warn("removed a staging folder left by an interrupted push",
              {{"path", entry.path().string()}, {"error", ec ? ec.message() : ""}});
  }
}

Result<StagingArea> StagingArea::Create(const std::string& root, const std::string& version,
                                        const Modes& modes) {
  // The random part keeps concurrent publishers of one version out of each other's way; the
  // leading dot keeps TF Serving (which loads numeric names only) and ListVersions away.
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string path = root + "/.staging-" + version + "-" + OwnerTag() + "-" +
                       internal::RandomSuffix();
    if (mkdir(path.c_str(), modes.folder.value_or(0777)) == 0) {
      StagingArea area(path, modes);
      if (modes.folder.has_value() && chmod(path.c_str(), *modes.folder) != 0) {
        return ErrnoStatus(errno, "while setting the mode of " + path);
      }
      return area;
    }
    if (errno != EEXIST) return ErrnoStatus(errno, "while creating the staging folder " + path);
  }
  return InternalError("could not find a free staging folder name in " + root);
}

StagingArea::StagingArea(StagingArea&& other) noexcept
    : path_(std::move(other.path_)), modes_(other.modes_), folders_(std::move(other.folders_)) {
  other.path_.clear();
}

StagingArea::~StagingArea() {
  if (!path_.empty()) internal::RemoveTreeQuietly(path_);
}

Result<uint64_t> StagingArea::CopyFiles(const PushRequest& request) {
  std::vector<char> buffer(kCopyBuffer);
  uint64_t total = 0;
  for (const auto& file : request.files) {
    MP_ASSIGN_OR_RETURN(uint64_t bytes, CopyOne(request, file, buffer));
    total += bytes;
  }
  // Folder entries must reach the disk too, or a crash after the rename could leave a version
  // folder whose files are missing. Deepest first is not required: each fsync is independent.
  for (const auto& folder : folders_) MP_RETURN_IF_ERROR(internal::SyncPath(path_ + "/" + folder));
  MP_RETURN_IF_ERROR(internal::SyncPath(path_));
  return total;
}

Status StagingArea::MakeParents(const std::string& relative) {
  for (size_t slash = relative.find('/'); slash != std::string::npos;
       slash = relative.find('/', slash + 1)) {
    std::string folder = relative.substr(0, slash);
    if (folders_.count(folder) != 0) continue;
    Status made = internal::MakeFolder(path_ + "/" + folder, modes_.folder);
    if (made.code() == StatusCode::kFailedPrecondition) {
      return FailedPreconditionError("the model has both a file '" + folder +
                                     "' and files below a folder of that name; a folder "
                                     "cannot hold both");
    }
    MP_RETURN_IF_ERROR(made);
    folders_.insert(folder);
  }
  return Status::Ok();
}

Result<uint64_t> StagingArea::CopyOne(const PushRequest& request, const ManifestEntry& file,
                                      std::vector<char>& buffer) {
  MP_RETURN_IF_ERROR(MakeParents(file.path));
  std::string target = path_ + "/" + file.path;
  int fd = open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                modes_.file.value_or(0666));
  if (fd < 0) {
    int err = errno;
    struct stat st {};
    if (stat(target.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      return FailedPreconditionError("the model has both a file '" + file.path +
                                     "' and files below a folder of that name");
    }
    if (err == EEXIST) return InvalidArgumentError("the manifest lists '" + file.path + "' twice");
    return ErrnoStatus(err, "while creating " + target);
  }
  OutputFile out(fd, target);

  auto reader = request.open(file, 0, std::numeric_limits<uint64_t>::max());
  if (!reader.ok()) return reader.status().WithContext("while opening " + Shown(file));
  Hasher sha256(Hasher::Algorithm::kSha256);
  uint64_t written = 0;
  while (true) {
    auto n = (*reader)->Read(buffer.data(), buffer.size());
    if (!n.ok()) return n.status().WithContext("while reading " + Shown(file));
    if (*n == 0) break;
    written += *n;
    if (written > file.size) break;  // Reported below; no point writing past the manifest.
    sha256.Update(buffer.data(), *n);
    MP_RETURN_IF_ERROR(out.Write(buffer.data(), *n));
    if (request.progress != nullptr) request.progress->Advance(file.path, *n);
  }

  if (written != file.size) {
    return DataLossError("read " + std::string(written > file.size ? "more than " : "") +
                         std::to_string(written) + " bytes of " + Shown(file) +
                         " but the manifest says " + std::to_string(file.size) +
                         "; the source changed after it was staged: re-run the push");
  }
  std::string actual = sha256.FinishHex();
  if (actual != file.sha256) {
    return DataLossError("sha256 of " + Shown(file) + " as written is " + actual +
                         " but the manifest says " + file.sha256 +
                         "; the source changed after it was staged: re-run the push");
  }
  MP_RETURN_IF_ERROR(out.Finish(modes_.file));
  log::Debug("wrote", {{"path", file.path}, {"bytes", written}});
  return written;
}

Status StagingArea::CommitAs(const std::string& target) {
  MP_RETURN_IF_ERROR(internal::RenameNoReplace(path_, target));
  path_.clear();
  return Status::Ok();
}

}  // namespace modelpusher::registry_filesystem
