#pragma once

// The tree of one version: the base's tree, the model's files (plain blobs or LFS pointers)
// laid over it, and the merged .gitattributes.

#include <git2.h>

#include <optional>
#include <string>
#include <vector>

#include "git_config.h"
#include "lfs_store.h"
#include "modelpusher/model_registry.h"

namespace modelpusher::git {

struct VersionTree {
  git_oid tree;
  /// Distinct LFS objects the tree points to.
  std::vector<LfsObject> lfs_objects;
  /// Rules this tree added to .gitattributes.
  std::vector<std::string> added_patterns;
};

/// Builds version trees for one request in one scratch repository. Plain files are streamed
/// into the object database once, however many trees are built (the unchanged check builds
/// one on the newest version's parent, the push one on the base). Not thread safe.
class VersionTreeBuilder {
 public:
  /// `repo`, `config` and `request` must outlive the builder.
  VersionTreeBuilder(git_repository* repo, const GitConfig& config, const PushRequest& request)
      : repo_(repo), config_(config), request_(request), plain_blobs_(request.files.size()) {}

  /// The tree of the version built on `base` (null: no base, an empty repository).
  /// Errors: those of the request's opener; kDataLoss (a file changed); kInternal.
  Result<VersionTree> Build(const git_commit* base);

  /// Plain files and bytes streamed into the object database so far (the objects that the
  /// push will send; files the remote already had are not counted).
  uint64_t files_written() const { return files_written_; }
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  Result<std::string> ExistingAttributes(const git_tree* base_tree);
  Result<git_oid> PlainBlob(size_t index);

  git_repository* repo_;
  const GitConfig& config_;
  const PushRequest& request_;
  std::vector<std::optional<git_oid>> plain_blobs_;
  std::optional<std::string> model_attributes_;
  uint64_t files_written_ = 0;
  uint64_t bytes_written_ = 0;
};

}  // namespace modelpusher::git
