#include "git_error.h"

#include <git2.h>

#include "modelpusher/log.h"

namespace modelpusher::git {
namespace {

StatusCode CodeFor(int rc, int klass, const std::string& message) {
  if (rc == GIT_EAUTH || message.find("401") != std::string::npos ||
      message.find("authentication required") != std::string::npos) {
    return StatusCode::kUnauthenticated;
  }
  if (message.find("403") != std::string::npos) return StatusCode::kPermissionDenied;
  if (rc == GIT_ENOTFOUND) return StatusCode::kNotFound;
  if (rc == GIT_EEXISTS) return StatusCode::kAlreadyExists;
  if (rc == GIT_EUSER) return StatusCode::kCancelled;
  if (rc == GIT_ECERTIFICATE) return StatusCode::kUnavailable;
  if (klass == GIT_ERROR_NET || klass == GIT_ERROR_HTTP || klass == GIT_ERROR_SSH ||
      klass == GIT_ERROR_SSL) {
    return StatusCode::kUnavailable;
  }
  return StatusCode::kInternal;
}

}  // namespace

Status GitError(int rc, const std::string& doing) {
  const git_error* last = git_error_last();
  std::string cause = last && last->message ? last->message : "libgit2 error " + std::to_string(rc);
  int klass = last ? last->klass : GIT_ERROR_NONE;
  git_error_clear();
  // libgit2 messages may quote the URL it was talking to; never let credentials through.
  return Status(CodeFor(rc, klass, cause), "while " + doing + ": " + log::Redact(cause));
}

}  // namespace modelpusher::git
