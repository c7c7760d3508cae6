#include "git_remote.h"

#include "git_error.h"
#include "modelpusher/log.h"
#include "modelpusher/url.h"

namespace modelpusher::git {
namespace {

using CallbackState = RemoteSession::CallbackState;

// libgit2 asks again after a refused credential; two tries are enough, more would loop until
// the server locks the account.
int AcquireCredential(git_credential** out, const char* url, const char* user_from_url,
                      unsigned int allowed, void* payload) {
  auto* state = static_cast<CallbackState*>(payload);
  const GitConfig& config = *state->config;
  if (++state->credential_attempts > 2) {
    git_error_set_str(GIT_ERROR_NET, "the remote refused the configured credentials");
    return GIT_EAUTH;
  }
  bool ssh = allowed & (GIT_CREDENTIAL_SSH_KEY | GIT_CREDENTIAL_USERNAME);
  std::string user = user_from_url && *user_from_url ? user_from_url
                     : !config.username.empty()      ? config.username
                     : ssh                           ? "git"
                                                     : HttpUser(config);
  if (allowed & GIT_CREDENTIAL_USERNAME) return git_credential_username_new(out, user.c_str());
  if ((allowed & GIT_CREDENTIAL_SSH_KEY) && !config.ssh_key.empty()) {
    const char* public_key =
        config.ssh_public_key.empty() ? nullptr : config.ssh_public_key.c_str();
    return git_credential_ssh_key_new(out, user.c_str(), public_key, config.ssh_key.c_str(),
                                      config.ssh_passphrase.Reveal().c_str());
  }
  if (allowed & GIT_CREDENTIAL_SSH_KEY) {
    return git_credential_ssh_key_from_agent(out, user.c_str());  // no key file: ssh-agent
  }
  if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && !config.password.empty()) {
    return git_credential_userpass_plaintext_new(out, user.c_str(),
                                                 config.password.Reveal().c_str());
  }
  git_error_set_str(GIT_ERROR_NET, "the remote asks for credentials; set `token: {env: NAME}` "
                                   "(HTTP) or `ssh_key:` (SSH) in the registry config");
  return GIT_EAUTH;
}

// Runs on the push connection, after the remote advertised its refs and before any object
// is sent: the only race-free place to refuse overwriting an existing version.
int OnPushNegotiation(const git_push_update** updates, size_t len, void* payload) {
  auto* state = static_cast<CallbackState*>(payload);
  for (size_t i = 0; i < len; ++i) {
    if (!git_oid_is_zero(&updates[i]->src)) {  // src: the ref's current target
      state->ref_exists = true;
      git_error_set_str(GIT_ERROR_REFERENCE, "the version ref already exists on the remote");
      return GIT_EEXISTS;
    }
  }
  return 0;
}

int OnPushUpdate(const char* refname, const char* status, void* payload) {
  if (status != nullptr) {
    static_cast<CallbackState*>(payload)->refusal = std::string(refname) + ": " + status;
  }
  return 0;
}

// The pack sent on push is built in memory by libgit2's packbuilder, which looks for deltas
// among nearby objects. Model files hardly ever delta well, and plain blobs may reach 10 MiB
// each, so the window and the delta cache are capped: memory stays bounded however many
// files a version holds. libgit2 1.5 reads its "big file" limit (no deltas above it) from
// pack.deltaCacheSize as well, so 1 MiB there also keeps larger blobs out of delta search.
Status BoundPackMemory(git_repository* repo) {
  git_config* config = nullptr;
  MP_RETURN_IF_ERROR(GitCheck(git_repository_config(&config, repo), "opening scratch config"));
  std::unique_ptr<git_config, decltype(&git_config_free)> owned(config, git_config_free);
  for (auto [key, value] : {std::pair{"pack.windowMemory", int64_t{32} << 20},
                            std::pair{"pack.deltaCacheSize", int64_t{1} << 20}}) {
    MP_RETURN_IF_ERROR(GitCheck(git_config_set_int64(config, key, value),
                                std::string("setting ") + key + " in the scratch repository"));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<RemoteSession>> RemoteSession::Open(const GitConfig& config,
                                                           const std::string& scratch_dir) {
  std::unique_ptr<RemoteSession> session(new RemoteSession(config));
  std::string path = scratch_dir + "/scratch.git";
  MP_RETURN_IF_ERROR(GitCheck(git_repository_init(&session->repo_, path.c_str(), 1),
                              "creating a scratch repository in " + path));
  MP_RETURN_IF_ERROR(BoundPackMemory(session->repo_));
  MP_RETURN_IF_ERROR(GitCheck(
      git_remote_create_anonymous(&session->remote_, session->repo_, config.url.c_str()),
      "setting up the remote " + RedactUrl(config.url)));
  return session;
}

RemoteSession::~RemoteSession() {
  git_remote_free(remote_);
  git_repository_free(repo_);
}

git_remote_callbacks RemoteSession::Callbacks() {
  state_.credential_attempts = 0;
  state_.ref_exists = false;
  state_.refusal.clear();
  git_remote_callbacks callbacks;
  git_remote_init_callbacks(&callbacks, GIT_REMOTE_CALLBACKS_VERSION);
  callbacks.credentials = AcquireCredential;
  callbacks.push_negotiation = OnPushNegotiation;
  callbacks.push_update_reference = OnPushUpdate;
  callbacks.payload = &state_;
  return callbacks;
}

Result<RemoteRefs> RemoteSession::ListRefs() {
  git_remote_callbacks callbacks = Callbacks();
  git_proxy_options proxy;
  git_proxy_options_init(&proxy, GIT_PROXY_OPTIONS_VERSION);
  proxy.type = GIT_PROXY_AUTO;
  std::string where = RedactUrl(config_.url);
  MP_RETURN_IF_ERROR(GitCheck(
      git_remote_connect(remote_, GIT_DIRECTION_FETCH, &callbacks, &proxy, nullptr),
      "connecting to " + where + " (check the url and credentials)"));

  RemoteRefs out;
  const git_remote_head** heads = nullptr;
  size_t count = 0;
  Status status = GitCheck(git_remote_ls(&heads, &count, remote_), "listing refs of " + where);
  for (size_t i = 0; status.ok() && i < count; ++i) {
    std::string name = heads[i]->name;
    if (name.size() > 3 && name.compare(name.size() - 3, 3, "^{}") == 0) {
      out.refs[name.substr(0, name.size() - 3)] = heads[i]->oid;  // peeled annotated tag
    } else if (!out.refs.count(name)) {
      out.refs[name] = heads[i]->oid;
    }
  }
  git_buf head = GIT_BUF_INIT;
  if (status.ok() && git_remote_default_branch(&head, remote_) == 0) {
    std::string branch = head.ptr;
    if (branch.rfind("refs/heads/", 0) == 0) out.default_branch = branch.substr(11);
  }
  git_error_clear();
  git_buf_dispose(&head);
  git_remote_disconnect(remote_);
  if (!status.ok()) return status;
  return out;
}

Status RemoteSession::Fetch(const std::vector<std::string>& refspecs) {
  if (refspecs.empty()) return Status::Ok();
  std::vector<char*> specs;
  for (const std::string& s : refspecs) specs.push_back(const_cast<char*>(s.c_str()));
  git_strarray array{specs.data(), specs.size()};
  git_fetch_options options;
  git_fetch_options_init(&options, GIT_FETCH_OPTIONS_VERSION);
  options.callbacks = Callbacks();
  options.proxy_opts.type = GIT_PROXY_AUTO;
  options.update_fetchhead = 0;
  options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
  return GitCheck(git_remote_fetch(remote_, &array, &options, nullptr),
                  "fetching the base from " + RedactUrl(config_.url));
}

Status RemoteSession::PushNewRef(const std::string& local_ref, const std::string& remote_ref) {
  // No leading '+': libgit2 refuses anything but a fast-forward, and the negotiation hook
  // refuses even that when the ref exists.
  std::string spec = local_ref + ":" + remote_ref;
  char* specs[] = {const_cast<char*>(spec.c_str())};
  git_strarray array{specs, 1};
  git_push_options options;
  git_push_options_init(&options, GIT_PUSH_OPTIONS_VERSION);
  options.callbacks = Callbacks();
  options.proxy_opts.type = GIT_PROXY_AUTO;

  int rc = git_remote_push(remote_, &array, &options);
  if (state_.ref_exists) {
    git_error_clear();
    return AlreadyExistsError(remote_ref + " already exists on " + RedactUrl(config_.url) +
                              ": already published; choose another version");
  }
  MP_RETURN_IF_ERROR(GitCheck(rc, "pushing " + remote_ref + " to " + RedactUrl(config_.url)));
  if (!state_.refusal.empty()) {
    return FailedPreconditionError("the remote refused " + state_.refusal);
  }
  return Status::Ok();
}

}  // namespace modelpusher::git
