#pragma once

// Builds a commit's tree in memory: the base's tree with the model's files laid over it.

#include <git2.h>

#include <string>
#include <vector>

#include "modelpusher/status.h"

namespace modelpusher::git {

/// One blob to place in the tree. `path` is '/'-separated from the repository root.
struct TreeEntrySpec {
  std::string path;
  git_oid blob;
  git_filemode_t mode = GIT_FILEMODE_BLOB;
};

/// Writes the trees for `base` (may be null: an empty repository) with `entries` laid over
/// it and returns the root tree's id. When `replace_folder` is non-empty, that folder of the
/// base is dropped first, so the model owns it entirely; entries outside it still overlay.
/// Only the trees along the entries' paths are rewritten; the rest is shared with the base.
/// Errors: kInvalidArgument (an entry path that is empty or has empty segments),
/// kInternal (libgit2).
Result<git_oid> BuildTree(git_repository* repo, const git_tree* base,
                          const std::string& replace_folder,
                          const std::vector<TreeEntrySpec>& entries);

}  // namespace modelpusher::git
