#pragma once

// Where a request goes on each hop, and how a redirect changes that.

#include <optional>
#include <string>

#include "modelpusher/http.h"
#include "modelpusher/url.h"

namespace modelpusher::internal {

/// One leg of a request: the first one, then one per redirect followed.
struct Hop {
  std::string method;
  Url url;
  /// False once a redirect turned the request into a bodiless GET.
  bool has_body = true;
  /// Credential headers go only to the origin of the request's own URL.
  bool send_credentials = true;

  /// "origin-form" request target: path and query.
  std::string Target() const;
  /// "GET http://host/path", redacted, to open log and error messages with.
  std::string What() const;
};

/// 301, 302, 303, 307, 308.
bool IsRedirectStatus(int status);

/// The hop that follows a `status` redirect to `location` (absolute or relative), or nullopt
/// when the location is not an http(s) URL. 303 turns anything but HEAD into a bodiless GET,
/// and so do 301 and 302 for POST (RFC 9110 15.4: what user agents do); 307 and 308 keep
/// the method and body.
std::optional<Hop> NextHop(const Hop& hop, int status, const std::string& location,
                           const Url& origin);

/// True when `name` is one of `credential_headers` (case-insensitive).
bool IsCredentialHeader(const std::string& name, const std::vector<std::string>& credentials);

}  // namespace modelpusher::internal
