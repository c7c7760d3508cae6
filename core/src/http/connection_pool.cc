// The keep-alive pool.

#include "http/connection_pool.h"

#include <Poco/Exception.h>

namespace modelpusher::internal {

ConnectionPool::ConnectionPool(size_t max_idle_per_endpoint, double max_idle_s)
    : max_idle_per_endpoint_(max_idle_per_endpoint), max_idle_s_(max_idle_s) {}

std::unique_ptr<Connection> ConnectionPool::Take(const std::string& key) {
  auto now = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<Connection>> expired;  // Closed outside the lock.
  std::unique_ptr<Connection> found;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = idle_.find(key);
    if (it == idle_.end()) return nullptr;
    auto& stack = it->second;
    while (!stack.empty() && !found) {
      std::unique_ptr<Connection> candidate = std::move(stack.back());
      stack.pop_back();
      std::chrono::duration<double> idle = now - candidate->idle_since;
      if (idle.count() > max_idle_s_) {
        expired.push_back(std::move(candidate));
      } else {
        found = std::move(candidate);
      }
    }
  }
  try {
    if (found && found->LooksClosed()) found.reset();
  } catch (const Poco::Exception&) {
    found.reset();  // A socket that cannot even be polled is no use either.
  }
  return found;
}

void ConnectionPool::Give(std::unique_ptr<Connection> connection) {
  connection->idle_since = std::chrono::steady_clock::now();
  std::unique_ptr<Connection> surplus;
  std::lock_guard<std::mutex> lock(mu_);
  auto& stack = idle_[connection->key()];
  stack.push_back(std::move(connection));
  if (stack.size() > max_idle_per_endpoint_) {
    surplus = std::move(stack.front());  // The oldest goes; closed after the lock is freed.
    stack.erase(stack.begin());
  }
}

size_t ConnectionPool::IdleCount() {
  std::lock_guard<std::mutex> lock(mu_);
  size_t count = 0;
  for (const auto& [key, stack] : idle_) count += stack.size();
  return count;
}

}  // namespace modelpusher::internal
