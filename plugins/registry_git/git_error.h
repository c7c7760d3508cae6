#pragma once

// libgit2 return codes, converted once into modelpusher Status values.

#include <string>

#include "modelpusher/status.h"

namespace modelpusher::git {

/// Converts a failed libgit2 call (`rc` < 0) into a Status: "while <doing>: <libgit2's
/// message>". The code follows the failure: GIT_EAUTH and HTTP 401 -> kUnauthenticated,
/// HTTP 403 -> kPermissionDenied, GIT_ENOTFOUND -> kNotFound, GIT_EEXISTS -> kAlreadyExists,
/// network/HTTP/SSH classes -> kUnavailable, GIT_EUSER -> kCancelled, else kInternal.
/// Reads (and clears) libgit2's thread-local last error.
Status GitError(int rc, const std::string& doing);

/// Status::Ok() when rc >= 0, else GitError(rc, doing).
inline Status GitCheck(int rc, const std::string& doing) {
  return rc >= 0 ? Status::Ok() : GitError(rc, doing);
}

}  // namespace modelpusher::git
