#pragma once

// What a version looks like in the repository: each file's path, whether it travels inline or
// through LFS, and the generated model card. Also the comparison with an existing tree that
// decides `unchanged`.
//
// Boundary rule (documented in README.md): a file strictly larger than `lfs_threshold` goes
// through LFS whatever its name; a file of exactly `lfs_threshold` bytes or less is regular
// unless the Hub's preupload answer says `lfs` (it does for binary samples and .gitattributes
// patterns). Empty files, `.gitattributes`, `.gitignore` and the generated model card are
// always regular.

#include <string>
#include <vector>

#include "hf_api.h"
#include "hf_commit.h"
#include "modelpusher/model_registry.h"

namespace modelpusher::hf {

struct PublishPlan {
  /// Every file of the version, sorted by path; the generated card included.
  std::vector<CommitOp> ops;
  bool generated_card = false;
  uint64_t inline_files = 0;
  uint64_t inline_bytes = 0;
  uint64_t lfs_files = 0;
  uint64_t lfs_bytes = 0;
  /// Manifest entries that go through LFS.
  std::vector<const ManifestEntry*> LfsEntries() const;
};

/// Maps the manifest to repository paths (with `path_in_repo`) and adds the model card.
/// Every file starts as inline; ClassifyFiles decides. Errors: kInvalidArgument for a path
/// the Hub refuses (.git or .cache component, "." or "..").
Result<PublishPlan> MapFiles(const PushRequest& request, const HfConfig& config);

/// Decides inline vs LFS for each op. `ask_rev` is a revision preupload can be asked about,
/// or "" when the repository does not exist yet (then size alone decides).
Status ClassifyFiles(HubApi& api, const PushRequest& request, const std::string& ask_rev,
                     PublishPlan* plan);

/// True when `tree` holds exactly the plan's files with the same content (LFS files by
/// sha256, regular ones by git blob id), ignoring `.gitattributes` and, when the card is
/// generated, README.md.
bool TreeMatches(const std::vector<TreeFile>& tree, const PublishPlan& plan);

/// True when `tree` holds every op of `ops[indexes]` with the same content.
bool TreeHolds(const std::vector<TreeFile>& tree, const std::vector<CommitOp>& ops,
               const std::vector<size_t>& indexes);

}  // namespace modelpusher::hf
