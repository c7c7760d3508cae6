#pragma once

// The `git` registry: one commit per version, on its own branch or tag, pushed with libgit2.

#include <memory>

#include "git_config.h"
#include "modelpusher/model_registry.h"
#include "modelpusher/plugin_abi.h"

namespace modelpusher::git {

/// Publishes to one git remote. See ModelRegistry for the contract; specifics:
/// - Each Publish works in a scratch bare repository that fetches only the base branch and
///   the newest version ref, and is removed afterwards.
/// - LFS objects are uploaded before the ref is pushed, so a reader of the new ref always
///   finds them; a failure before the push leaves the remote's refs untouched.
/// - kUnchanged: the model laid over the newest version's parent gives that version's tree.
/// Thread safety: one Publish at a time per object.
class GitRegistry : public ModelRegistry {
 public:
  explicit GitRegistry(GitConfig config);

  std::string RepoId() const override;
  Result<std::vector<VersionInfo>> ListVersions() override;
  Result<PushResult> Publish(const PushRequest& request) override;

 private:
  GitConfig config_;
};

/// The factory behind the plugin descriptor. Errors: those of ParseGitConfig.
Result<std::unique_ptr<ModelRegistry>> MakeGitRegistry(const RegistryContext& context);

}  // namespace modelpusher::git
