#pragma once

// Staging: read every file of the model once, hash it, and build the manifest that
// registries publish.
// Thread safety: every function may be called from any thread; BuildManifest runs its own
// worker threads, and the opener MakeSourceOpener returns may be called from several
// threads at once (StorageSource::Open is thread safe).

#include <cstddef>
#include <string>
#include <vector>

#include "modelpusher/model_registry.h"
#include "modelpusher/storage_source.h"

namespace modelpusher {

/// Streams each file of `files` from `source` once, computing its sha256 (and its git blob id
/// when it is at most kGitBlobIdLimit bytes), on up to `threads` threads. Destination paths
/// are `prefix` joined with the source path (see path_map.h). Checks that the bytes read
/// equal the listed size. Returns the manifest sorted by destination path.
/// Errors: those of StorageSource::Open; kDataLoss when a size differs from the listing;
/// kInvalidArgument when two files map to the same destination path.
Result<std::vector<ManifestEntry>> BuildManifest(StorageSource& source,
                                                 const std::vector<FileEntry>& files,
                                                 const std::string& prefix, size_t threads,
                                                 Progress* progress = nullptr);

/// "sha256:<hex>" over the sorted manifest's "path\0size\0sha256\n" lines.
std::string ManifestDigest(const std::vector<ManifestEntry>& files);

/// A FileOpener that reads manifest entries back from `source` (which must outlive it).
FileOpener MakeSourceOpener(StorageSource& source);

/// The git blob id of `content`: sha1 of "blob <size>\0" + content.
std::string GitBlobId(std::string_view content);

}  // namespace modelpusher
