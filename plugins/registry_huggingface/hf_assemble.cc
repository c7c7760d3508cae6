// Writing a version: one pinned commit onto a fresh version branch when it fits, else several
// commits on a staging branch and the version ref created at the last one. Either way the
// version ref appears holding the whole version, or not at all.

#include <numeric>

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
                                             const PublishPlan& plan) {
  MP_ASSIGN_OR_RETURN(RefList refs, api_.ListRefs());
  std::string head = refs.BranchHead(branch);
  if (head.empty() || head == parent) return std::string();
  MP_ASSIGN_OR_RETURN(auto tree, api_.ListTree(head));
  return TreeMatches(tree, plan) ? head : std::string();
}

Result<std::string> HfRegistry::CommitDirect(const PushRequest& request, const PublishPlan& plan,
                                             bool reuse_branch, bool* too_large) {
  const std::string& ref = request.ref;
  if (!reuse_branch) {
    Status s = api_.CreateBranch(ref, config_.base);
    if (s.code() == StatusCode::kAlreadyExists) {
      return AlreadyExistsError("branch '" + ref + "' appeared in " + RepoId() +
                                " while pushing: version already published by another run");
    }
    MP_RETURN_IF_ERROR(s);
    log::Info("branch created", {{"repo", RepoId()}, {"branch", ref}, {"from", config_.base}});
  }
  MP_ASSIGN_OR_RETURN(RefList refs, api_.ListRefs());
  const std::string parent = refs.BranchHead(ref);
  if (parent.empty()) return InternalError("branch '" + ref + "' vanished right after creation");

  // Any failure below removes the branch again, but only while it is still at `parent`: a
  // branch that moved holds someone's commit and is left alone.
  auto cleanup = [&](Status why) -> Status {
    auto now = api_.ListRefs();
    if (now.ok() && now->BranchHead(ref) == parent) {
      Status d = api_.DeleteBranch(ref);
      if (!d.ok()) log::Warn("could not remove the empty version branch", {{"why", d.message()}});
    }
    return why;
  };
  CommitHeader header{request.commit_summary, Description(request), parent};
  std::vector<size_t> all(plan.ops.size());
  std::iota(all.begin(), all.end(), 0);
  auto body = RenderCommitBody(header, plan.ops, all, request.open);
  if (!body.ok()) return cleanup(body.status());
  log::Debug("commit", {{"branch", ref}, {"bytes", static_cast<uint64_t>(body->size())}});

  int attempts = 0;
  auto r = api_.PostCommit(ref, std::move(*body), &attempts);
  if (r.ok() && r->status == 200) return CommitOid(*r);
  // A dropped answer, or a 409/412 after a retried send, may hide a commit that landed.
  if (!r.ok() || ((r->status == 409 || r->status == 412) && attempts > 1)) {
    MP_ASSIGN_OR_RETURN(std::string landed, LandedCommit(ref, parent, plan));
    if (!landed.empty()) return landed;
  }
  if (!r.ok()) return cleanup(r.status().WithContext("committing to " + ref));
  if (r->status == 413) {
    *too_large = true;
    log::Warn("commit too large for the server; assembling the version in several commits",
              {{"repo", RepoId()}, {"branch", ref}});
  }
  return cleanup(MapHubError(*r, "committing version " + request.version + " to branch '" +
                                     ref + "'", RepoId()));
}

Result<std::string> HfRegistry::CommitStaged(const PushRequest& request, const PublishPlan& plan,
                                             uint64_t budget) {
  const std::string& ref = request.ref;
  const std::string staging = kStagingPrefix + ref;
  MP_ASSIGN_OR_RETURN(RefList refs, api_.ListRefs());
  if (!refs.BranchHead(staging).empty()) MP_RETURN_IF_ERROR(api_.DeleteBranch(staging));
  MP_RETURN_IF_ERROR(api_.CreateBranch(staging, config_.base));
  auto fail = [&](Status why) -> Status {
    Status d = api_.DeleteBranch(staging);
    if (!d.ok()) log::Warn("could not remove the staging branch", {{"why", d.message()}});
    return why;
  };
  MP_ASSIGN_OR_RETURN(refs, api_.ListRefs());
  std::string parent = refs.BranchHead(staging);

  std::vector<CommitOp> remaining = plan.ops;
  for (int part = 1; !remaining.empty(); ++part) {
    if (part > 100000) return fail(InternalError("staged commit never ends"));
    CommitHeader header{request.commit_summary + " (part " + std::to_string(part) + ")",
                        Description(request), parent};
    std::vector<size_t> group = PlanCommitGroups(remaining, header, budget).front();
    auto body = RenderCommitBody(header, remaining, group, request.open);
    if (!body.ok()) return fail(body.status());
    uint64_t size = body->size();
    int attempts = 0;
    auto r = api_.PostCommit(staging, std::move(*body), &attempts);
    if (!r.ok()) return fail(r.status().WithContext("committing part of " + ref));
    if (r->status == 413 && group.size() > 1) {
      budget = size / 2;  // the server's limit is not advertised: shrink until parts fit
      --part;
      continue;
    }
    if (r->status == 413) {
      return fail(ResourceExhaustedError(
          "payload too large: " + remaining[group.front()].path + " alone (" +
          std::to_string(size) + " bytes of commit) exceeds the server's body limit; lower "
          "lfs_threshold so that it goes through LFS"));
    }
    if (r->status != 200) {
      return fail(MapHubError(*r, "committing part " + std::to_string(part) + " of version " +
                                      request.version, RepoId()));
    }
    MP_ASSIGN_OR_RETURN(parent, CommitOid(*r));
    log::Info("staged commit", {{"repo", RepoId()}, {"branch", staging}, {"part", part},
                                {"files", static_cast<uint64_t>(group.size())},
                                {"commit", parent}});
    for (auto it = group.rbegin(); it != group.rend(); ++it) remaining.erase(remaining.begin() + *it);
  }

  Status made = config_.ref_type == RefType::kTag ? api_.CreateTag(ref, parent)
                                                  : api_.CreateBranch(ref, parent);
  if (made.code() == StatusCode::kAlreadyExists && config_.ref_type == RefType::kBranch) {
    // Our own leftover: a version branch still at the base head, made by an interrupted run.
    MP_ASSIGN_OR_RETURN(refs, api_.ListRefs());
    if (refs.BranchHead(ref) == refs.BranchHead(config_.base)) {
      MP_RETURN_IF_ERROR(api_.DeleteBranch(ref));
      made = api_.CreateBranch(ref, parent);
    }
  }
  if (made.code() == StatusCode::kAlreadyExists) {
    return fail(AlreadyExistsError("'" + ref + "' appeared in " + RepoId() +
                                   " while pushing: version already published by another run"));
  }
  if (!made.ok()) return fail(made);
  log::Info(config_.ref_type == RefType::kTag ? "tag created" : "branch created",
            {{"repo", RepoId()}, {"ref", ref}, {"commit", parent}});
  Status d = api_.DeleteBranch(staging);
  if (!d.ok()) log::Warn("could not remove the staging branch", {{"why", d.message()}});
  return parent;
}

}  // namespace modelpusher::hf
