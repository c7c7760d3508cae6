#include "hf_registry.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "hf_json.h"
#include "modelpusher/log.h"
#include "modelpusher/parallel.h"
#include "modelpusher/versioning.h"

namespace modelpusher::hf {
namespace {

constexpr const char* kDigestKey = "modelpusher-digest: ";

std::string RefKind(const HfConfig& c) { return c.ref_type == RefType::kTag ? "tag" : "branch"; }

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

HfRegistry::HfRegistry(HfConfig config, std::string ref_template,
                       HttpClient::Options http_options)
    : config_(std::move(config)),
      ref_template_(std::move(ref_template)),
      http_(std::make_unique<HttpClient>(std::move(http_options))),
      api_(config_, *http_) {}

std::vector<VersionInfo> HfRegistry::VersionRefs(const RefList& refs) const {
  std::vector<VersionInfo> out;
  const auto& list = config_.ref_type == RefType::kTag ? refs.tags : refs.branches;
  for (const auto& r : list) {
    // The base branch and staging branches are never versions, even under "{version}".
    if (r.name == config_.base || r.name.rfind(kStagingPrefix, 0) == 0) continue;
    auto version = MatchRefTemplate(ref_template_, r.name);
    if (!version) continue;
    VersionInfo v;
    v.version = *version;
    v.ref = r.name;
    v.commit_id = r.target_commit;
    out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(), [](const VersionInfo& a, const VersionInfo& b) {
    return CompareVersions(a.version, b.version) < 0;
  });
  return out;
}

Result<std::vector<VersionInfo>> HfRegistry::ListVersions() {
  MP_ASSIGN_OR_RETURN(bool exists, api_.RepoExists());
  if (!exists) return std::vector<VersionInfo>{};
  MP_ASSIGN_OR_RETURN(RefList refs, api_.ListRefs());
  std::vector<VersionInfo> versions = VersionRefs(refs);
  // The digest lives in the description of the commit the ref points at.
  for (auto& v : versions) {
    HttpRequest req = api_.HubRequest(
        "GET", api_.ApiRepoUrl() + "/commits/" + EncodeRevision(v.commit_id) + "?limit=1");
    auto r = http_->Send(req);
    if (!r.ok() || r->status != 200) continue;  // the digest is optional
    auto arr = ParseArray(r->body, "commit listing");
    if (!arr.ok() || (*arr)->size() == 0) continue;
    std::string message = GetStr((*arr)->getObject(0), "message");
    size_t pos = message.find(kDigestKey);
    if (pos != std::string::npos) {
      std::string rest = message.substr(pos + std::string(kDigestKey).size());
      v.digest = rest.substr(0, rest.find_first_of(" \r\n"));
    }
  }
  return versions;
}

Status HfRegistry::CheckWriteAccess() {
  MP_ASSIGN_OR_RETURN(WhoAmIInfo who, api_.WhoAmI());
  if (who.role == "read") {
    return PermissionDeniedError("the token from " + config_.token_origin + " (user " +
                                 who.name + ") is read-only and cannot publish to " + RepoId() +
                                 ": use a token with the write role");
  }
  bool member = who.name == config_.owner ||
                std::find(who.orgs.begin(), who.orgs.end(), config_.owner) != who.orgs.end();
  if (!member) {
    return PermissionDeniedError("user " + who.name + " cannot write to the namespace '" +
                                 config_.owner + "' of " + RepoId() +
                                 ": use your own namespace or an organisation you belong to");
  }
  return Status::Ok();
}

PushResult HfRegistry::MakeResult(const PushRequest& request, PushStatus status,
                                  const std::string& ref, const std::string& commit) const {
  PushResult r;
  r.status = status;
  r.version = request.version;
  r.repo_id = RepoId();
  r.branch = ref;
  r.commit_id = commit;
  r.repo_url = api_.WebRepoUrl() + "/tree/" + EncodeRevision(ref);
  return r;
}

Result<std::optional<PushResult>> HfRegistry::CheckUnchanged(const RefList& refs,
                                                              const PublishPlan& plan) {
  std::vector<VersionInfo> versions = VersionRefs(refs);
  if (versions.empty()) return std::optional<PushResult>();
  const VersionInfo& newest = versions.back();
  MP_ASSIGN_OR_RETURN(auto tree, api_.ListTree(newest.ref));
  if (!TreeMatches(tree, plan)) return std::optional<PushResult>();
  PushResult r;
  r.status = PushStatus::kUnchanged;
  r.version = newest.version;
  r.repo_id = RepoId();
  r.branch = newest.ref;
  r.commit_id = newest.commit_id;
  r.repo_url = api_.WebRepoUrl() + "/tree/" + EncodeRevision(newest.ref);
  return std::optional<PushResult>(std::move(r));
}

Result<bool> HfRegistry::CheckRefFree(const RefList& refs, const std::string& ref) {
  if (config_.ref_type == RefType::kTag) {
    if (refs.TagTarget(ref).empty()) return false;
  } else {
    std::string head = refs.BranchHead(ref);
    if (head.empty()) return false;
    // A branch still at the head of `base` holds none of a version: an interrupted push
    // created it just before committing. Reusing it is safe (the commit pins the parent).
    if (head == refs.BranchHead(config_.base)) {
      log::Warn("version branch exists but holds no version yet; reusing it",
                {{"repo", RepoId()}, {"branch", ref}});
      return true;
    }
  }
  return AlreadyExistsError(RefKind(config_) + " '" + ref + "' already exists in " + RepoId() +
                            ": version already published; it is never overwritten, so choose "
                            "a new version (or delete that " + RefKind(config_) + " yourself)");
}

std::string HfRegistry::Description(const PushRequest& request) const {
  std::string d = request.commit_description;
  if (!d.empty()) d += "\n\n";
  return d + kDigestKey + request.digest + "\n";
}

Result<PushResult> HfRegistry::Publish(const PushRequest& request) {
  auto start = std::chrono::steady_clock::now();
  const std::string& ref = request.ref;
  MP_RETURN_IF_ERROR(CheckRefName(ref));
  if (ref == config_.base || ref.rfind(kStagingPrefix, 0) == 0) {
    return InvalidArgumentError("version ref '" + ref + "' collides with the base branch or "
                                "modelpusher's staging branches; change versioning.ref");
  }
  MP_RETURN_IF_ERROR(CheckWriteAccess());
  MP_ASSIGN_OR_RETURN(PublishPlan plan, MapFiles(request, config_));
  MP_ASSIGN_OR_RETURN(bool exists, api_.RepoExists());

  bool reuse_branch = false;
  if (exists) {
    MP_ASSIGN_OR_RETURN(RefList refs, api_.ListRefs());
    MP_ASSIGN_OR_RETURN(auto unchanged, CheckUnchanged(refs, plan));
    if (unchanged) {
      log::Info("content identical to the newest version; nothing pushed",
                {{"repo", RepoId()}, {"ref", unchanged->branch}, {"commit", unchanged->commit_id}});
      return *unchanged;
    }
    MP_ASSIGN_OR_RETURN(reuse_branch, CheckRefFree(refs, ref));
    if (refs.BranchHead(config_.base).empty()) {
      return NotFoundError("base branch '" + config_.base + "' does not exist in " + RepoId() +
                           "; set `base` to an existing branch");
    }
  }
  MP_RETURN_IF_ERROR(ClassifyFiles(api_, request, exists ? config_.base : "", &plan));

  if (request.dry_run) {
    log::Info("dry run: would publish",
              {{"repo", RepoId()}, {"ref", ref}, {"repo_exists", exists ? "yes" : "no"},
               {"lfs_files", plan.lfs_files}, {"lfs_bytes", plan.lfs_bytes},
               {"inline_files", plan.inline_files}, {"inline_bytes", plan.inline_bytes}});
    return MakeResult(request, PushStatus::kDryRun, ref, "");
  }

  if (!exists) {
    MP_ASSIGN_OR_RETURN(bool created, api_.CreateRepo());
    log::Info(created ? "repo created" : "repo exists",
              {{"repo", RepoId()}, {"private", config_.private_repo ? "true" : "false"}});
    // A repository created just now had no preupload answer: ask now that it exists.
    MP_RETURN_IF_ERROR(ClassifyFiles(api_, request, config_.base, &plan));
  } else {
    log::Info("repo exists", {{"repo", RepoId()}});
  }

  MP_ASSIGN_OR_RETURN(LfsUploadStats lfs,
                      UploadLfsFiles(api_, plan.LfsEntries(), request.open, config_.base,
                                     DefaultTransferThreads(), request.progress));
  log::Info("lfs files uploaded", {{"repo", RepoId()}, {"files", lfs.objects_sent},
                                   {"bytes", lfs.bytes_sent},
                                   {"skipped_already_stored", lfs.objects_skipped}});

  std::string commit;
  CommitHeader header{request.commit_summary, Description(request), std::string(40, '0')};
  bool fits = PlanCommitGroups(plan.ops, header, config_.max_commit_bytes).size() == 1;
  bool too_large = false;
  if (fits && config_.ref_type == RefType::kBranch) {
    auto direct = CommitDirect(request, plan, reuse_branch, &too_large);
    if (!direct.ok() && !too_large) return direct.status();
    if (direct.ok()) commit = *direct;
  }
  if (commit.empty()) {
    uint64_t budget = config_.max_commit_bytes;
    if (too_large) {
      uint64_t body = CommitHeaderSize(header);
      for (const auto& op : plan.ops) body += CommitLineSize(op);
      budget = std::min(budget, body / 2);
    }
    MP_ASSIGN_OR_RETURN(commit, CommitStaged(request, plan, budget));
  }
  log::Info("version published",
            {{"repo", RepoId()}, {"ref", ref}, {"commit", commit},
             {"inline_files", plan.inline_files}, {"lfs_files", plan.lfs_files},
             {"ms", static_cast<int64_t>(SecondsSince(start) * 1000)}});
  PushResult result = MakeResult(request, PushStatus::kPushed, ref, commit);
  result.files_uploaded = lfs.objects_sent + plan.inline_files;
  result.bytes_uploaded = lfs.bytes_sent + plan.inline_bytes;
  return result;
}

}  // namespace modelpusher::hf
