#pragma once

// Idle keep-alive connections, per endpoint.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/connection.h"

namespace modelpusher::internal {

/// Thread safe. Shared (shared_ptr) by a client and the response streams it hands out, so a
/// stream may finish after its client is gone.
class ConnectionPool {
 public:
  /// At most `max_idle_per_endpoint` idle connections per endpoint, each idle at most
  /// `max_idle_s` seconds (servers commonly drop idle ones after 20 to 60 s).
  ConnectionPool(size_t max_idle_per_endpoint, double max_idle_s);

  /// The most recently used idle connection for `key` that still looks alive, or nullptr.
  std::unique_ptr<Connection> Take(const std::string& key);

  /// Keeps a connection whose last response was read to the end, for the next request.
  void Give(std::unique_ptr<Connection> connection);

  /// Idle connections held, over all endpoints.
  size_t IdleCount();

 private:
  const size_t max_idle_per_endpoint_;
  const double max_idle_s_;
  std::mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
};

}  // namespace modelpusher::internal
