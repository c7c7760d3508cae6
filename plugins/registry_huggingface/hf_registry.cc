#include "hf_registry.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>

#include "hf_json.h"
#include "modelpusher/log.h"
#include "modelpusher/parallel.h"
#include "modelpusher/versioning.h"

namespace modelpusher::hf {
namespace {

// Lines of the commit description that ListVersions reads back.
constexpr const char* kDigestKey = "modelpusher-digest: ";
constexpr const char* kMetricKey = "modelpusher-metric: ";

std::string ShortestNumber(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

// Reads the digest and metric lines of a commit message into `v`.
void ParseDescription(const std::string& message, VersionInfo* v) {
  size_t start = 0;
  while (start < message.size()) {
    size_t end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    std::string line = message.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    start = end + 1;
    if (line.rfind(kDigestKey, 0) == 0) {
      v->digest = line.substr(std::string(kDigestKey).size());
    } else if (line.rfind(kMetricKey, 0) == 0) {
      std::string kv = line.substr(std::string(kMetricKey).size());
      size_t eq = kv.rfind('=');
      if (eq == std::string::npos) continue;
      double value = 0;
      std::string num = kv.substr(eq + 1);
      auto res = std::from_chars(num.data(), num.data() + num.size(), value);
      if (res.ec == std::errc()) v->metrics[kv.substr(0, eq)] = value;
    }
  }
}

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
    ParseDescription(GetStr((*arr)->getObject(0), "message"), &v);
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

Status HfRegistry::CheckRefFree(const RefList& refs, const std::string& ref) {
  bool taken = config_.ref_type == RefType::kTag ? !refs.TagTarget(ref).empty()
                                                 : !refs.BranchHead(ref).empty();
  if (!taken) return Status::Ok();
  return AlreadyExistsError(RefKind(config_) + " '" + ref + "' already exists in " + RepoId() +
                            ": version already published; it is never overwritten, so choose "
                            "a new version (or delete that " + RefKind(config_) + " yourself)");
}

std::string HfRegistry::Description(const PushRequest& request) const {
  std::string d = request.commit_description;
  if (!d.empty()) d += "\n\n";
  d += kDigestKey + request.digest + "\n";
  for (const auto& [name, value] : request.blessing.metrics) {
    if (name.find('\n') != std::string::npos) continue;
    d += kMetricKey + name + "=" + ShortestNumber(value) + "\n";
  }
  return d;
}

Result<PushResult> HfRegistry::Publish(const PushRequest& request) {
  auto start = std::chrono::steady_clock::now();
  const std::string& ref = request.ref;
  MP_RETURN_IF_ERROR(CheckRefName(ref));
  if (request.files.empty()) {
    return InvalidArgumentError("the model at " + request.source_uri + " has no files; nothing "
                                "to publish to " + RepoId());
  }
  if (ref == config_.base || ref.rfind(kStagingPrefix, 0) == 0) {
    return InvalidArgumentError("version ref '" + ref + "' collides with the base branch or "
                                "modelpusher's staging branches; change versioning.ref");
  }
  MP_RETURN_IF_ERROR(CheckWriteAccess());
  MP_ASSIGN_OR_RETURN(PublishPlan plan, MapFiles(request, config_));
  MP_ASSIGN_OR_RETURN(bool exists, api_.RepoExists());

  if (exists) {
    MP_ASSIGN_OR_RETURN(RefList refs, api_.ListRefs());
    MP_ASSIGN_OR_RETURN(auto unchanged, CheckUnchanged(refs, plan));
    if (unchanged) {
      log::Info("content identical to the newest version; nothing pushed",
                {{"repo", RepoId()}, {"ref", unchanged->branch}, {"commit", unchanged->commit_id}});
      return *unchanged;
    }
    MP_RETURN_IF_ERROR(CheckRefFree(refs, ref));
    bool sha = config_.base.size() == 40 &&
               config_.base.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (refs.BranchHead(config_.base).empty() && refs.TagTarget(config_.base).empty() && !sha) {
      return NotFoundError("base '" + config_.base + "' is no branch, tag or commit of " +
                           RepoId() + "; set `base` to an existing revision");
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

  MP_ASSIGN_OR_RETURN(std::string commit, Assemble(request, plan));
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
