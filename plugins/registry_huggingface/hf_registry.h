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
  /// kAlreadyExists when the version ref is taken.
  Status CheckRefFree(const RefList& refs, const std::string& ref);
  PushResult MakeResult(const PushRequest& request, PushStatus status, const std::string& ref,
                        const std::string& commit) const;

  // hf_assemble.cc: writing the version.
  /// Assembles the version on a staging branch and creates the version ref at the last
  /// commit. Returns that commit id.
  Result<std::string> Assemble(const PushRequest& request, const PublishPlan& plan);
  /// Renders and sends one commit of `ops[group]`. `body_size` receives the body's size.
  Result<std::string> CommitOnce(const std::string& staging, const CommitHeader& header,
                                 const std::vector<CommitOp>& ops,
                                 const std::vector<size_t>& group, const FileOpener& open,
                                 uint64_t* body_size);
  /// After an ambiguous commit answer: the commit `branch` moved to past `parent`, when it
  /// holds the files of `ops[group]`; else "".
  Result<std::string> LandedCommit(const std::string& branch, const std::string& parent,
                                   const std::vector<CommitOp>& ops,
                                   const std::vector<size_t>& group);
  std::string Description(const PushRequest& request) const;

  HfConfig config_;
  std::string ref_template_;
  std::unique_ptr<HttpClient> http_;
  HubApi api_;
};

}  // namespace modelpusher::hf
