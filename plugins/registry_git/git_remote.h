#pragma once

// One conversation with the remote: list its refs, fetch what a commit needs, push a new ref.

#include <git2.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "git_config.h"
#include "modelpusher/status.h"

namespace modelpusher::git {

/// What the remote advertises.
struct RemoteRefs {
  /// Full ref name ("refs/heads/main") -> commit id (peeled for annotated tags).
  std::map<std::string, git_oid> refs;
  /// The branch HEAD points to ("main"), empty when the remote has none (an empty repo).
  std::string default_branch;
};

/// A scratch bare repository plus an anonymous remote pointing at the configured URL.
/// Not thread safe. The repository lives in `scratch_dir`, which the caller owns and
/// removes.
class RemoteSession {
 public:
  /// Errors: kInternal (cannot create the scratch repository).
  static Result<std::unique_ptr<RemoteSession>> Open(const GitConfig& config,
                                                     const std::string& scratch_dir);
  ~RemoteSession();

  git_repository* repo() const { return repo_; }

  /// Lists the remote's refs. Errors: kUnauthenticated, kPermissionDenied, kNotFound
  /// (no repository at that URL), kUnavailable.
  Result<RemoteRefs> ListRefs();

  /// Fetches `refspecs` ("+refs/heads/main:refs/mp/base") into the scratch repository.
  /// Limitation: libgit2 1.5 cannot fetch shallow; each fetched ref comes with its whole
  /// history, which is what a push on top of it costs on a large repository.
  Status Fetch(const std::vector<std::string>& refspecs);

  /// Pushes local `local_ref` to `remote_ref`, which must not exist on the remote: the
  /// check happens on the push connection itself, against the refs the remote advertised
  /// for this push, and no force flag is ever sent.
  /// Errors: kAlreadyExists (the ref appeared), kFailedPrecondition (the remote refused
  /// the update, with its reason), plus the transport errors of ListRefs.
  Status PushNewRef(const std::string& local_ref, const std::string& remote_ref);

  /// What libgit2's callbacks read and write; libgit2 passes one payload pointer to all.
  struct CallbackState {
    const GitConfig* config = nullptr;
    int credential_attempts = 0;
    bool ref_exists = false;
    std::string refusal;
  };

 private:
  explicit RemoteSession(const GitConfig& config) : config_(config) { state_.config = &config_; }
  git_remote_callbacks Callbacks();

  const GitConfig& config_;
  git_repository* repo_ = nullptr;
  git_remote* remote_ = nullptr;
  CallbackState state_;
};

}  // namespace modelpusher::git
