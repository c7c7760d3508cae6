// Writing a version. The version ref must appear holding the whole version or not at all,
// and the Hub commits only onto existing branches, so every version is assembled on a
// private staging branch (modelpusher-staging/<ref>, made from `base`): one pinned commit
// when the body fits, several when it does not; then the version ref (branch or tag) is
// created at the final commit in one call, and the staging branch is deleted. Readers never
// see a version ref pointing at a partial tree, even while files stream or after a crash.

#include <cstddef>

#include "hf_json.h"
#include "hf_registry.h"
#include "modelpusher/log.h"

namespace modelpusher::hf {
namespace {

Result<std::string> CommitOid(const HttpResponse& r) {
  MP_ASSIGN_OR_RETURN(auto obj, ParseObject(r.body, "commit answer"));
  std::string oid = GetStr(obj, "commitOid");
  if (oid.empty()) return InternalError("the Hub's commit answer has no commitOid");
  return oid;
}

}  // namespace

Result<std::string> HfRegistry::LandedCommit(const std::string& branch, const std::string& parent,
                                             const std::vector<CommitOp>& ops,
                                             const std::vector<size_t>& group) {
  MP_ASSIGN_OR_RETURN(RefList refs, api_.ListRefs());
  std::string head = refs.BranchHead(branch);
  if (head.empty() || head == parent) return std::string();
  MP_ASSIGN_OR_RETURN(auto tree, api_.ListTree(head));
  return TreeHolds(tree, ops, group) ? head : std::string();
}

Result<std::string> HfRegistry::CommitOnce(const std::string& staging, const CommitHeader& header,
                                           const std::vector<CommitOp>& ops,
                                           const std::vector<size_t>& group,
                                           const FileOpener& open, uint64_t* body_size) {
  MP_ASSIGN_OR_RETURN(std::string body, RenderCommitBody(header, ops, group, open));
  *body_size = body.size();
  int attempts = 0;
  auto r = api_.PostCommit(staging, std::move(body), &attempts);
  if (r.ok() && r->status == 200) return CommitOid(*r);
  // A dropped answer, or a conflict after a resent commit, may hide a commit that landed:
  // parentCommit is pinned, so at most one of our sends can have been applied.
  if (!r.ok() || ((r->status == 409 || r->status == 412) && attempts > 1)) {
    MP_ASSIGN_OR_RETURN(std::string landed,
                        LandedCommit(staging, header.parent_commit, ops, group));
    if (!landed.empty()) return landed;
  }
  if (!r.ok()) return r.status().WithContext("committing to " + staging);
  return MapHubError(*r, "committing to " + staging, RepoId());
}

Result<std::string> HfRegistry::Assemble(const PushRequest& request, const PublishPlan& plan) {
  const std::string& ref = request.ref;
  const std::string staging = kStagingPrefix + ref;
  MP_ASSIGN_OR_RETURN(RefList refs, api_.ListRefs());
  if (!refs.BranchHead(staging).empty()) {
    log::Info("removing a staging branch left by an interrupted push", {{"branch", staging}});
    MP_RETURN_IF_ERROR(api_.DeleteBranch(staging));
  }
  MP_RETURN_IF_ERROR(api_.CreateBranch(staging, config_.base));
  auto fail = [&](Status why) -> Status {
    Status d = api_.DeleteBranch(staging);
    if (!d.ok()) log::Warn("could not remove the staging branch", {{"why", d.message()}});
    return why;
  };
  auto listed = api_.ListRefs();
  if (!listed.ok()) return fail(listed.status());
  std::string parent = listed->BranchHead(staging);

  uint64_t budget = config_.max_commit_bytes;
  std::vector<CommitOp> remaining = plan.ops;
  for (int part = 1; !remaining.empty(); ++part) {
    if (part > 100000) return fail(InternalError("assembling the version never ends"));
    CommitHeader header{request.commit_summary, Description(request), parent};
    auto groups = PlanCommitGroups(remaining, header, budget);
    if (groups.size() > 1 || part > 1) header.summary += " (part " + std::to_string(part) + ")";
    const std::vector<size_t>& group = groups.front();
    uint64_t size = 0;
    auto oid = CommitOnce(staging, header, remaining, group, request.open, &size);
    if (!oid.ok() && oid.status().code() == StatusCode::kResourceExhausted && size > 0) {
      if (group.size() == 1) {
        return fail(ResourceExhaustedError(
            "payload too large: " + remaining[group.front()].path + " alone makes a " +
            std::to_string(size) + "-byte commit, above the server's body limit; lower "
            "lfs_threshold so that it goes through LFS"));
      }
      // The server's limit is not advertised: halve the budget until the parts fit.
      budget = size / 2;
      log::Warn("commit too large for the server; splitting the version into more commits",
                {{"repo", RepoId()}, {"bytes", size}, {"budget", budget}});
      --part;
      continue;
    }
    if (!oid.ok()) return fail(oid.status());
    parent = *oid;
    log::Info("commit", {{"repo", RepoId()}, {"branch", staging}, {"part", part},
                         {"files", static_cast<uint64_t>(group.size())}, {"commit", parent}});
    for (auto it = group.rbegin(); it != group.rend(); ++it) {
      remaining.erase(remaining.begin() + static_cast<std::ptrdiff_t>(*it));
    }
  }

  Status made = config_.ref_type == RefType::kTag ? api_.CreateTag(ref, parent)
                                                  : api_.CreateBranch(ref, parent);
  if (made.code() == StatusCode::kAlreadyExists) {
    return fail(AlreadyExistsError("'" + ref + "' appeared in " + RepoId() + " while pushing: "
                                   "version already published by another run"));
  }
  if (!made.ok()) return fail(made);
  log::Info(config_.ref_type == RefType::kTag ? "tag created" : "branch created",
            {{"repo", RepoId()}, {"ref", ref}, {"commit", parent}});
  Status d = api_.DeleteBranch(staging);
  if (!d.ok()) log::Warn("could not remove the staging branch", {{"why", d.message()}});
  return parent;
}

}  // namespace modelpusher::hf
