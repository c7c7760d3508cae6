#pragma once

// StorageSource: where a model's files are read from (local folder, GCS, S3, ...).

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "modelpusher/io.h"
#include "modelpusher/status.h"

namespace modelpusher {

/// One file under a source's root.
struct FileEntry {
  /// Relative to the root, '/'-separated, no leading '/', no "." or ".." segment.
  std::string path;
  uint64_t size = 0;
  /// Checksums the backend already keeps, lower-case hex; empty when unknown.
  std::string md5;
  std::string sha256;
};

/// Reads the files below one root (a folder, or a bucket and prefix).
///
/// A source is made for one root URI and one set of credentials. Thread safety: List and
/// Open may be called from several threads at once; each returned reader is used by one
/// thread at a time.
class StorageSource {
 public:
  static constexpr uint64_t kToEnd = std::numeric_limits<uint64_t>::max();

  virtual ~StorageSource() = default;

  /// The root this source reads, for messages and logs ("gs://bucket/prefix"). No
  /// credentials ever appear in it.
  virtual std::string Describe() const = 0;

  /// Every file below the root, sorted by path, paging hidden inside. Folder markers
  /// (zero-byte keys ending in '/') and empty folders are not files and are not listed.
  /// Errors: kNotFound (the root does not exist), kPermissionDenied, kUnauthenticated,
  /// kUnavailable, kFailedPrecondition (e.g. a symlink leaving the root).
  virtual Result<std::vector<FileEntry>> List() = 0;

  /// Size and checksums of one file. Errors: kNotFound, plus those of List.
  virtual Result<FileEntry> Stat(const std::string& path) = 0;

  /// Streams `length` bytes (kToEnd: to the end) of `path` from `offset`. The reader fails
  /// with kDataLoss if the stream ends before the expected count.
  virtual Result<std::unique_ptr<ByteReader>> Open(const std::string& path, uint64_t offset = 0,
                                                   uint64_t length = kToEnd) = 0;
};

}  // namespace modelpusher
