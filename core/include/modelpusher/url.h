#pragma once

// URL parsing and percent-encoding.
// Thread safety: pure functions and a value type; call them from any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "modelpusher/status.h"

namespace modelpusher {

/// Percent-encodes UTF-8 bytes. Unreserved characters (A-Z a-z 0-9 - . _ ~) are always kept;
/// characters in `keep` are kept too (pass "/" to keep path separators). Hex is upper-case.
std::string PercentEncode(std::string_view text, std::string_view keep = "");

/// Decodes %XX sequences (and nothing else: '+' stays '+'). False on a malformed escape.
bool PercentDecode(std::string_view text, std::string* out);

/// An absolute URL split into parts. `path` and `query` stay encoded, as on the wire.
struct Url {
  std::string scheme;  // lower case: "http", "https"
  std::string host;    // without brackets for IPv6
  uint16_t port = 0;   // explicit or the scheme's default
  std::string path;    // "/..." ("/" when empty)
  std::string query;   // without '?'

  /// Errors: kInvalidArgument for anything that is not scheme://host[:port][/path][?query].
  static Result<Url> Parse(std::string_view text);

  /// "host:port", with brackets for IPv6 and the port omitted when it is the default.
  std::string Authority() const;
  /// "scheme://authority/path?query".
  std::string ToString() const;
  /// Same scheme, host and port: credentials may follow a redirect only when this holds.
  bool SameOrigin(const Url& other) const;
};

/// The URL with its query removed and any user:password@ dropped, for logs and results.
std::string RedactUrl(std::string_view url);

}  // namespace modelpusher
