#pragma once

// Proxy selection from HTTP_PROXY / HTTPS_PROXY / NO_PROXY.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "modelpusher/status.h"
#include "modelpusher/url.h"

namespace modelpusher::internal {

/// A forward proxy to send a request through.
struct ProxyTarget {
  std::string host;
  uint16_t port = 0;
  std::string username;
  std::string password;
  /// "host:port", for pool keys and logs (never the credentials).
  std::string Label() const;
};

/// The proxy variables, read once (lower-case names win over upper-case ones).
struct ProxySettings {
  std::string http_proxy;
  std::string https_proxy;
  std::vector<std::string> no_proxy;

  static ProxySettings FromEnvironment();

  /// The proxy for `url`, or nullopt for a direct connection: loopback hosts and hosts
  /// matched by NO_PROXY never use one.
  /// Errors: kInvalidArgument when the proxy variable is malformed or not http://.
  Result<std::optional<ProxyTarget>> For(const Url& url) const;
};

/// localhost, 127.0.0.0/8 and ::1.
bool IsLoopbackHost(const std::string& host);

}  // namespace modelpusher::internal
