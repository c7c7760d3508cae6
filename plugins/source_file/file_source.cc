#include "file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "modelpusher/url.h"
#include "tree_walk.h"

namespace modelpusher::source_file {
namespace {

using internal::ErrnoStatus;

// Streams one byte range of an open file with pread, so the descriptor's offset is never
// shared state. The count is fixed at Open: a file that shrinks underneath is data loss.
class FileReader : public ByteReader {
 public:
  FileReader(int fd, std::string shown, uint64_t offset, uint64_t length)
      : fd_(fd), shown_(std::move(shown)), position_(offset), remaining_(length) {}
  ~FileReader() override { close(fd_); }
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  Result<size_t> Read(char* buffer, size_t size) override {
    size_t want = static_cast<size_t>(std::min<uint64_t>(size, remaining_));
    if (want == 0) return size_t{0};
    ssize_t n;
    do {
      n = pread(fd_, buffer, want, static_cast<off_t>(position_));
    } while (n < 0 && errno == EINTR);
    if (n < 0) return ErrnoStatus(errno, "while reading " + shown_);
    if (n == 0) {
      return DataLossError(shown_ + " ended at byte " + std::to_string(position_) + ", " +
                           std::to_string(remaining_) +
                           " bytes early: it shrank while it was read; re-run the push once "
                           "training has finished writing it");
    }
    position_ += static_cast<uint64_t>(n);
    remaining_ -= static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  }

 private:
  int fd_;
  std::string shown_;
  uint64_t position_;
  uint64_t remaining_;
};

class FileSource : public StorageSource {
 public:
  explicit FileSource(std::string root) : root_(std::move(root)) {}

  std::string Describe() const override { return root_; }

  Result<std::vector<FileEntry>> List() override {
    MP_ASSIGN_OR_RETURN(std::string real_root, internal::ResolveRoot(root_));
    return internal::WalkTree(real_root, root_);
  }

  Result<FileEntry> Stat(const std::string& path) override {
    MP_ASSIGN_OR_RETURN(std::string real_root, internal::ResolveRoot(root_));
    MP_ASSIGN_OR_RETURN(auto file, internal::ResolveFile(real_root, root_, path));
    return FileEntry{path, file.size, "", ""};
  }

  Result<std::unique_ptr<ByteReader>> Open(const std::string& path, uint64_t offset,
                                           uint64_t length) override {
    MP_ASSIGN_OR_RETURN(std::string real_root, internal::ResolveRoot(root_));
    MP_ASSIGN_OR_RETURN(auto file, internal::ResolveFile(real_root, root_, path));
    std::string shown = "'" + path + "' in " + root_;
    // Limitation: the path is resolved (symlinks checked) and then opened by name, so a link
    // swapped in between by another process is not caught; model folders are complete before
    // a push starts, and the manifest's sha256 pins the bytes that were read.
    int fd = open(file.real_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, "while opening " + shown);

    // The size is taken again from the open descriptor: the file may have changed since it
    // was resolved, and what counts is what this reader will see.
    struct stat st {};
    if (fstat(fd, &st) != 0) {
      Status status = ErrnoStatus(errno, "while opening " + shown);
      close(fd);
      return status;
    }
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (offset > size) {
      close(fd);
      return InvalidArgumentError("cannot read " + shown + " from byte " +
                                  std::to_string(offset) + ": it holds " +
                                  std::to_string(size) + " bytes");
    }
    // A range past the end is cut at the end, as HTTP ranges are on the remote sources.
    uint64_t count = std::min(length, size - offset);
    return std::unique_ptr<ByteReader>(new FileReader(fd, shown, offset, count));
  }

 private:
  std::string root_;
};

}  // namespace

Result<std::string> RootFromUri(const std::string& uri) {
  std::string path;
  const std::string scheme = "file://";
  if (uri.rfind(scheme, 0) == 0) {
    std::string rest = uri.substr(scheme.size());
    size_t slash = rest.find('/');
    std::string host = rest.substr(0, std::min(slash, rest.size()));
    if (!host.empty() && host != "localhost") {
      return InvalidArgumentError("file URI '" + uri + "' names the host '" + host +
                                  "'; only local files can be read: write file:///abs/path");
    }
    if (slash == std::string::npos || !PercentDecode(rest.substr(slash), &path)) {
      return InvalidArgumentError("file URI '" + uri +
                                  "' is malformed; write file:///abs/path with %XX escapes");
    }
  } else if (uri.find("://") != std::string::npos) {
    return InvalidArgumentError("the file source cannot read '" + uri +
                                "': it reads file:///abs/path or an absolute path");
  } else {
    path = uri;  // A bare path is taken literally: '%' is an ordinary character in it.
  }
  if (path.empty() || path.front() != '/') {
    return InvalidArgumentError("model path '" + uri +
                                "' is not absolute; write an absolute path or file:///abs/path");
  }
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

Result<std::unique_ptr<StorageSource>> MakeFileSource(const SourceContext& context) {
  if (context.options != nullptr && context.options->is_map()) {
    for (const auto& [key, value] : context.options->entries()) {
      if (key != "uri") {
        return value.Error("unknown option '" + key +
                           "' for a file source; it takes only 'uri'");
      }
    }
  }
  MP_ASSIGN_OR_RETURN(std::string root, RootFromUri(context.uri));
  return std::unique_ptr<StorageSource>(new FileSource(std::move(root)));
}

}  // namespace modelpusher::source_file
