#pragma once

// Listing and path resolution for the `file` source: where the publishing rules of
// file_source.h are enforced.

#include <cstdint>
#include <string>
#include <vector>

#include "modelpusher/status.h"
#include "modelpusher/storage_source.h"

namespace modelpusher::source_file::internal {

/// A Status for a failed system call: ENOENT/ENOTDIR -> kNotFound, EACCES/EPERM ->
/// kPermissionDenied, ELOOP -> kFailedPrecondition, anything else kInternal. The message is
/// "<doing>: <strerror>".
Status ErrnoStatus(int err, const std::string& doing);

/// The canonical absolute path of the model folder `root` (symlinks in it resolved).
/// Errors: kNotFound (missing, naming the path), kInvalidArgument (a file, not a folder),
/// kPermissionDenied.
Result<std::string> ResolveRoot(const std::string& root);

/// Every publishable file below `real_root` (a ResolveRoot result), sorted by path, with
/// sizes. `shown_root` is the root as the user wrote it, for messages.
/// Errors: kFailedPrecondition (a symlink leaves the root, dangles or loops),
/// kInvalidArgument (a backslash in a name), kPermissionDenied, kInternal.
Result<std::vector<FileEntry>> WalkTree(const std::string& real_root,
                                        const std::string& shown_root);

/// Where the published `path` lives on disk, and its size now.
struct ResolvedFile {
  std::string real_path;
  uint64_t size = 0;
};

/// Resolves a published path below `real_root` under the same rules as WalkTree.
/// Errors: kInvalidArgument (not a clean relative path), kNotFound (absent, a folder, or
/// git-internal), kFailedPrecondition (resolves outside the root, or loops).
Result<ResolvedFile> ResolveFile(const std::string& real_root, const std::string& shown_root,
                                 const std::string& path);

}  // namespace modelpusher::source_file::internal
