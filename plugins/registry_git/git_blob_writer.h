#pragma once

// Puts file contents into a repository's object database, streaming.

#include <git2.h>

#include <string>

#include "modelpusher/model_registry.h"

namespace modelpusher::git {

/// Streams `file` (opened through `open`) into `odb` as a blob, in 256 KiB pieces: memory
/// stays flat whatever the file's size. When the file's git blob id is known and the object
/// is already there (fetched with the base, or written earlier), nothing is read and
/// `*written` is false. Checks the byte count and, when known, the blob id.
/// Errors: the opener's; kDataLoss (size or content differs from the manifest); kInternal.
Result<git_oid> WriteFileBlob(git_odb* odb, const ManifestEntry& file, const FileOpener& open,
                              Progress* progress, bool* written);

/// Writes a small in-memory blob (pointer files, .gitattributes).
Result<git_oid> WriteSmallBlob(git_repository* repo, const std::string& content);

/// Reads a small blob at `path` of `tree` ("" when absent). Errors: kResourceExhausted
/// above `limit` bytes; kInternal.
Result<std::string> ReadSmallBlob(git_repository* repo, const git_tree* tree,
                                  const std::string& path, size_t limit);

}  // namespace modelpusher::git
