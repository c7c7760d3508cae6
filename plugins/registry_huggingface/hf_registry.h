#pragma once

// HfRegistry: the `huggingface` ModelRegistry. One version = one ref (a branch by default, or
// a tag) holding one commit made through the Hub's HTTP API.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hf_api.h"
#include "hf_config.h"
#include "hf_lfs.h"
#include "hf_plan.h"
#include "modelpusher/http.h"
#include "modelpusher/model_registry.h"

namespace modelpusher::hf {

/// Prefix of the temporary branch a version is assembled on when it needs several commits
/// (or when the version ref is a tag). Never listed as a version.
inline constexpr const char* kStagingPrefix = "modelpusher-staging/";

class HfRegistry : public ModelRegistry {
 public:
  /// `ref_template` as in RegistryContext. `http_options` lets tests shorten timeouts.
  HfRegistry(HfConfig config, std::string ref_template,
             HttpClient::Options http_options = HttpClient::Options());

  std::string RepoId() const override { return config_.RepoId(); }
  Result<std::vector<VersionInfo>> ListVersions() override;
  Result<PushResult> Publish(const PushRequest& request) override;

 private:
  /// Version refs of the configured type with their versions, oldest first.
  std::vector<VersionInfo> VersionRefs(const RefList& refs) const;
  Status CheckWriteAccess();
  /// A kUnchanged result when the newest version holds the same files, else nullopt.
  Result<std::optional<PushResult>> CheckUnchanged(const RefList& refs, const PublishPlan& plan);
  /// Refuses an existing version ref; returns true when the ref is a leftover branch of an
  /// interrupted push (still at the base commit) that may be reused.
  Result<bool> CheckRefFree(const RefList& refs, const std::string& ref);
  PushResult MakeResult(const PushRequest& request, PushStatus status, const std::string& ref,
                        const std::string& commit) const;

  // hf_assemble.cc: writing the version.
  /// One commit onto the new version branch. Sets *too_large when the server refused the
  /// body as too large (then the branch is removed again and nothing was published).
  Result<std::string> CommitDirect(const PushRequest& request, const PublishPlan& plan,
                                   bool reuse_branch, bool* too_large);
  /// Several commits on a staging branch, then the version ref created at the last one.
  Result<std::string> CommitStaged(const PushRequest& request, const PublishPlan& plan,
                                   uint64_t budget);
  /// After an ambiguous commit answer: whether `branch` moved past `parent` to a commit
  /// holding exactly the plan. Returns that commit id, or "".
  Result<std::string> LandedCommit(const std::string& branch, const std::string& parent,
                                   const PublishPlan& plan);
  std::string Description(const PushRequest& request) const;

  HfConfig config_;
  std::string ref_template_;
  std::unique_ptr<HttpClient> http_;
  HubApi api_;
};

}  // namespace modelpusher::hf
