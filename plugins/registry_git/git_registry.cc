#include "git_registry.h"

#include <algorithm>
#include <memory>
#include <mutex>

#include "git_error.h"
#include "git_remote.h"
#include "git_version_tree.h"
#include "lfs_store.h"
#include "modelpusher/log.h"
#include "modelpusher/path_map.h"
#include "modelpusher/temp_dir.h"
#include "modelpusher/url.h"
#include "modelpusher/versioning.h"

namespace modelpusher::git {
namespace {

constexpr const char* kBaseRef = "refs/modelpusher/base";
constexpr const char* kNewestRef = "refs/modelpusher/newest";

using CommitPtr = std::unique_ptr<git_commit, decltype(&git_commit_free)>;

// What the remote holds that matters for one publish.
struct RemoteState {
  RemoteRefs refs;
  std::string base_branch;        // empty: the remote is empty, the version is a root commit
  std::optional<VersionInfo> newest;
};

std::string RefPrefix(const GitConfig& config) { return FullRefName(config, ""); }

std::vector<VersionInfo> VersionsOf(const GitConfig& config, const RemoteRefs& refs,
                                    const std::string& base_branch) {
  std::vector<VersionInfo> versions;
  std::string prefix = RefPrefix(config);
  for (const auto& [name, oid] : refs.refs) {
    if (name.rfind(prefix, 0) != 0) continue;
    std::string ref = name.substr(prefix.size());
    // The base branch is where versions start, never a version, even when "{version}"
    // matches any name.
    if (config.ref_type == "branch" && (ref == base_branch || ref == refs.default_branch)) {
      continue;
    }
    std::optional<std::string> version = MatchRefTemplate(config.ref_template, ref);
    if (!version) continue;
    versions.push_back({*version, ref, git_oid_tostr_s(&oid), "", {}});
  }
  std::sort(versions.begin(), versions.end(), [](const VersionInfo& a, const VersionInfo& b) {
    return CompareVersions(a.version, b.version) < 0;
  });
  return versions;
}

Status ValidateRequest(const PushRequest& request) {
  MP_RETURN_IF_ERROR(CheckRefName(request.ref));
  if (request.files.empty()) {
    return InvalidArgumentError("the model has no files: nothing to publish as " + request.ref);
  }
  for (const ManifestEntry& file : request.files) {
    if (file.path.empty() || file.path[0] == '/' || IsGitInternal(file.path) ||
        file.path.find("//") != std::string::npos || file.path.back() == '/') {
      return InvalidArgumentError("cannot publish '" + file.path + "' to git: not a valid path "
                                  "inside a repository");
    }
    if (file.sha256.size() != 64) {
      return InvalidArgumentError("'" + file.path + "' has no sha256 in the manifest");
    }
  }
  if (!request.open) return InvalidArgumentError("the push request has no file opener");
  return Status::Ok();
}

Result<RemoteState> ReadRemote(const GitConfig& config, RemoteSession& session) {
  RemoteState state;
  MP_ASSIGN_OR_RETURN(state.refs, session.ListRefs());
  state.base_branch = config.base.empty() ? state.refs.default_branch : config.base;
  std::vector<VersionInfo> versions = VersionsOf(config, state.refs, state.base_branch);
  // A remote that holds nothing but versions (it started empty) has no base yet: versions
  // are root commits until someone creates the base branch. Elsewhere a missing base is a
  // mistake worth stopping for (a typo would otherwise publish without the base's files).
  size_t branches_and_tags = std::count_if(
      state.refs.refs.begin(), state.refs.refs.end(), [](const auto& ref) {
        return ref.first.rfind("refs/heads/", 0) == 0 || ref.first.rfind("refs/tags/", 0) == 0;
      });
  bool only_versions = branches_and_tags == versions.size();
  if (!config.base.empty() && !state.refs.refs.count("refs/heads/" + config.base) &&
      !only_versions) {
    return FailedPreconditionError("base branch '" + config.base + "' does not exist on " +
                                   RedactUrl(config.url) + "; create it or change `base:`");
  }
  if (!state.base_branch.empty() && !state.refs.refs.count("refs/heads/" + state.base_branch)) {
    state.base_branch.clear();  // HEAD names a branch that does not exist yet
  }
  if (!versions.empty()) state.newest = versions.back();
  return state;
}

Result<CommitPtr> LookupCommit(git_repository* repo, const std::string& ref) {
  git_oid id;
  MP_RETURN_IF_ERROR(GitCheck(git_reference_name_to_id(&id, repo, ref.c_str()),
                              "resolving fetched " + ref));
  git_commit* commit = nullptr;
  MP_RETURN_IF_ERROR(GitCheck(git_commit_lookup(&commit, repo, &id), "reading commit of " + ref));
  return CommitPtr(commit, git_commit_free);
}

// True when laying the model over the newest version's parent gives that version's tree.
Result<bool> SameAsNewest(git_repository* repo, VersionTreeBuilder& builder) {
  MP_ASSIGN_OR_RETURN(CommitPtr newest, LookupCommit(repo, kNewestRef));
  CommitPtr parent(nullptr, git_commit_free);
  if (git_commit_parentcount(newest.get()) > 0) {
    git_commit* raw = nullptr;
    MP_RETURN_IF_ERROR(GitCheck(git_commit_parent(&raw, newest.get(), 0),
                                "reading the newest version's parent"));
    parent.reset(raw);
  }
  MP_ASSIGN_OR_RETURN(VersionTree candidate, builder.Build(parent.get()));
  return git_oid_equal(&candidate.tree, git_commit_tree_id(newest.get()));
}

std::string CommitMessage(const PushRequest& request) {
  std::string message = request.commit_summary.empty()
                            ? "Publish version " + request.version
                            : request.commit_summary;
  if (!request.commit_description.empty()) message += "\n\n" + request.commit_description;
  message += "\n\nModelpusher-Version: " + request.version;
  if (!request.digest.empty()) message += "\nModelpusher-Digest: " + request.digest;
  return message + "\n";
}

Result<git_oid> WriteCommit(git_repository* repo, const GitConfig& config,
                            const PushRequest& request, const git_oid& tree_id,
                            const git_commit* parent) {
  git_signature* signature = nullptr;
  MP_RETURN_IF_ERROR(GitCheck(
      git_signature_now(&signature, config.author_name.c_str(), config.author_email.c_str()),
      "making the author signature (check `author:`)"));
  std::unique_ptr<git_signature, decltype(&git_signature_free)> owned(signature,
                                                                      git_signature_free);
  git_tree* tree = nullptr;
  MP_RETURN_IF_ERROR(GitCheck(git_tree_lookup(&tree, repo, &tree_id), "reading the new tree"));
  std::unique_ptr<git_tree, decltype(&git_tree_free)> owned_tree(tree, git_tree_free);
  const git_commit* parents[] = {parent};
  git_oid id;
  MP_RETURN_IF_ERROR(GitCheck(
      git_commit_create(&id, repo, nullptr, signature, signature, "UTF-8",
                        CommitMessage(request).c_str(), tree, parent ? 1 : 0, parents),
      "writing the version's commit"));
  return id;
}

std::string BrowseUrl(const GitConfig& config, const std::string& ref) {
  std::string url = RedactUrl(config.url);
  if (url.rfind("http", 0) != 0) return url;
  if (url.size() > 4 && url.compare(url.size() - 4, 4, ".git") == 0) url.resize(url.size() - 4);
  return url + "/tree/" + ref;
}

}  // namespace

GitRegistry::GitRegistry(GitConfig config) : config_(std::move(config)) {}

std::string GitRegistry::RepoId() const { return RedactUrl(config_.url); }

Result<std::vector<VersionInfo>> GitRegistry::ListVersions() {
  MP_ASSIGN_OR_RETURN(TempDir scratch, TempDir::Make("modelpusher-git-"));
  MP_ASSIGN_OR_RETURN(auto session, RemoteSession::Open(config_, scratch.path()));
  MP_ASSIGN_OR_RETURN(RemoteState state, ReadRemote(config_, *session));
  return VersionsOf(config_, state.refs, state.base_branch);
}

Result<PushResult> GitRegistry::Publish(const PushRequest& request) {
  MP_RETURN_IF_ERROR(ValidateRequest(request));
  PushResult result;
  result.repo_id = RepoId();
  result.version = request.version;
  result.branch = request.ref;
  result.repo_url = BrowseUrl(config_, request.ref);
  std::string full_ref = FullRefName(config_, request.ref);

  MP_ASSIGN_OR_RETURN(TempDir scratch, TempDir::Make("modelpusher-git-"));
  MP_ASSIGN_OR_RETURN(auto session, RemoteSession::Open(config_, scratch.path()));
  MP_ASSIGN_OR_RETURN(RemoteState state, ReadRemote(config_, *session));

  // Fetch only what the commit and the unchanged check need.
  std::vector<std::string> refspecs;
  if (!state.base_branch.empty()) {
    refspecs.push_back("+refs/heads/" + state.base_branch + ":" + kBaseRef);
  }
  if (state.newest) {
    refspecs.push_back("+" + FullRefName(config_, state.newest->ref) + ":" + kNewestRef);
  }
  MP_RETURN_IF_ERROR(session->Fetch(refspecs));
  git_repository* repo = session->repo();
  VersionTreeBuilder builder(repo, config_, request);

  if (state.newest) {
    MP_ASSIGN_OR_RETURN(bool same, SameAsNewest(repo, builder));
    if (same) {
      log::Info("git: same content as the newest version",
                {{"repo", result.repo_id}, {"ref", state.newest->ref}});
      result.status = PushStatus::kUnchanged;
      result.version = state.newest->version;
      result.branch = state.newest->ref;
      result.commit_id = state.newest->commit_id;
      result.repo_url = BrowseUrl(config_, state.newest->ref);
      return result;
    }
  }
  if (state.refs.refs.count(full_ref)) {
    return AlreadyExistsError(full_ref + " already exists on " + result.repo_id +
                              " with other content: already published; choose another version");
  }

  CommitPtr base(nullptr, git_commit_free);
  if (!state.base_branch.empty()) {
    MP_ASSIGN_OR_RETURN(base, LookupCommit(repo, kBaseRef));
  }
  MP_ASSIGN_OR_RETURN(VersionTree tree, builder.Build(base.get()));
  if (request.dry_run) {
    result.status = PushStatus::kDryRun;
    return result;
  }

  MP_ASSIGN_OR_RETURN(git_oid commit, WriteCommit(repo, config_, request, tree.tree, base.get()));
  git_reference* local = nullptr;
  MP_RETURN_IF_ERROR(GitCheck(git_reference_create(&local, repo, full_ref.c_str(), &commit, 0,
                                                   "modelpusher"),
                              "creating " + full_ref + " in the scratch repository"));
  git_reference_free(local);

  // LFS objects first: a reader who sees the new ref must find every object it points to.
  LfsUploadStats lfs;
  if (!tree.lfs_objects.empty()) {
    MP_ASSIGN_OR_RETURN(auto store, MakeLfsStore(config_));
    MP_ASSIGN_OR_RETURN(lfs, store->Upload(tree.lfs_objects, request.open, full_ref,
                                           request.progress));
  }
  MP_RETURN_IF_ERROR(session->PushNewRef(full_ref, full_ref));

  result.status = PushStatus::kPushed;
  result.commit_id = git_oid_tostr_s(&commit);
  result.files_uploaded = lfs.objects + builder.files_written();
  result.bytes_uploaded = lfs.bytes + builder.bytes_written();
  log::Info("git: version pushed",
            {{"repo", result.repo_id}, {"ref", full_ref}, {"commit", result.commit_id},
             {"lfs_objects", lfs.objects}, {"bytes", result.bytes_uploaded}});
  return result;
}

Result<std::unique_ptr<ModelRegistry>> MakeGitRegistry(const RegistryContext& context) {
  // Never shut down: the host never unloads plugins, and objects may outlive this call.
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
  MP_ASSIGN_OR_RETURN(GitConfig config, ParseGitConfig(context));
  return std::unique_ptr<ModelRegistry>(std::make_unique<GitRegistry>(std::move(config)));
}

}  // namespace modelpusher::git
