#pragma once

// Small POSIX file-system steps for the filesystem registry, each returning a Status whose
// message names the path and says what to do.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "modelpusher/model_registry.h"
#include "modelpusher/status.h"

namespace modelpusher::registry_filesystem::internal {

/// "<doing>: <strerror>" with a code: ENOENT/ENOTDIR -> kNotFound; EACCES/EPERM/EROFS ->
/// kPermissionDenied; ENOSPC/EDQUOT -> kResourceExhausted; EEXIST -> kAlreadyExists;
/// anything else kInternal.
Status ErrnoStatus(int err, const std::string& doing);

/// Makes one folder with `mode` (0777 minus the umask when unset; exactly `mode` when set).
/// An existing folder is fine. Errors: those of ErrnoStatus; kFailedPrecondition when a file
/// stands where the folder should be.
Status MakeFolder(const std::string& path, std::optional<mode_t> mode);

/// Makes `path` and any missing parents, like `mkdir -p`.
Status MakeFolders(const std::string& path, std::optional<mode_t> mode);

/// fsync on a file or folder, so that its content or its entries survive a crash.
Status SyncPath(const std::string& path);

/// Removes a tree, ignoring errors (used on the way out of a failure).
void RemoveTreeQuietly(const std::string& path);

/// 16 random lower-case hex digits.
std::string RandomSuffix();

/// Renames `from` to `to` only if `to` does not exist (renameat2 RENAME_NOREPLACE), so two
/// concurrent publishers of one version cannot both win. Falls back to RenameCheckingFirst
/// on file systems without RENAME_NOREPLACE. Errors: kAlreadyExists when `to` exists.
Status RenameNoReplace(const std::string& from, const std::string& to);

/// The fallback: check that `to` is absent, then rename(2).
/// Limitation: between the check and the rename another process could create `to` as an
/// empty folder, which rename(2) would replace; only file systems without RENAME_NOREPLACE
/// (some network and FUSE file systems) take this path, and a non-empty `to` is still
/// refused by rename(2) itself.
Status RenameCheckingFirst(const std::string& from, const std::string& to);

/// What one folder holds: regular files by '/'-separated relative path, with sizes. Returns
/// false in `plain` when it also holds anything else (a symlink, a special file).
struct FolderListing {
  std::vector<std::pair<std::string, uint64_t>> files;  // Sorted by path.
  bool plain = true;
};
Result<FolderListing> ListFolder(const std::string& folder);

/// True when `folder` holds exactly `files` (same paths, sizes, then sha256). Sizes are
/// compared first so that a differing tree is usually told apart without reading it.
Result<bool> FolderMatches(const std::string& folder, const std::vector<ManifestEntry>& files);

/// Writes `content` to a hidden temporary file in `dir`, fsync'd; Commit renames it to
/// `final_name` (replacing a stale one). Destroyed uncommitted, the temporary is removed.
class PendingFile {
 public:
  static Result<PendingFile> Write(const std::string& dir, const std::string& final_name,
                                   const std::string& content, std::optional<mode_t> mode);
  PendingFile(PendingFile&& other) noexcept;
  PendingFile& operator=(PendingFile&&) = delete;
  PendingFile(const PendingFile&) = delete;
  ~PendingFile();

  Status Commit();

 private:
  PendingFile(std::string temp, std::string final_path)
      : temp_(std::move(temp)), final_(std::move(final_path)) {}
  std::string temp_;  // Empty once committed or moved from.
  std::string final_;
};

}  // namespace modelpusher::registry_filesystem::internal
