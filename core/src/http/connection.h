#pragma once

// One keep-alive connection to an HTTP(S) endpoint: a Poco client session plus raw access to
// the bytes after the response headers, which Poco's own body streams do not check strictly.

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "http/proxy.h"
#include "modelpusher/status.h"
#include "modelpusher/url.h"

namespace modelpusher::internal {

/// Where a connection goes. Connections with equal keys are interchangeable.
struct Endpoint {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets
  uint16_t port = 0;
  std::optional<ProxyTarget> proxy;

  static Endpoint For(const Url& url, std::optional<ProxyTarget> proxy);
  /// "scheme://host:port" plus " via proxy:port" when proxied.
  std::string Key() const;
};

struct ConnectionSettings {
  double connect_timeout_s = 30;
  double io_timeout_s = 300;
  /// Needed for https endpoints.
  Poco::Net::Context::Ptr tls_context;
};

/// Not thread safe: one request at a time, owned by whoever holds the unique_ptr.
/// Every method may throw Poco exceptions; callers convert them (see net_error.h).
class Connection {
 public:
  virtual ~Connection() = default;

  virtual Poco::Net::HTTPClientSession& session() = 0;
  /// Reads up to `size` bytes following the response headers; 0 at end of stream.
  virtual size_t ReadSome(char* buffer, size_t size) = 0;
  /// One byte following the response headers, or -1 at end of stream.
  virtual int ReadByte() = 0;
  /// Writes all of `data` after the request headers were flushed.
  virtual void WriteAll(const char* data, size_t size) = 0;
  /// Forgets a failed write, so that an answer the server sent before it hung up can still
  /// be read.
  virtual void ClearWriteError() = 0;

  /// True when the server has closed the idle connection (or sent bytes nobody asked for),
  /// so it must not be reused. Cheap; only meaningful between requests.
  bool LooksClosed();

  const std::string& key() const { return key_; }
  /// Requests sent on this connection so far: more than 0 means it was reused.
  int requests = 0;
  std::chrono::steady_clock::time_point idle_since;

 protected:
  explicit Connection(std::string key) : key_(std::move(key)) {}

 private:
  std::string key_;
};

/// A new, not yet connected connection (Poco connects on the first request).
std::unique_ptr<Connection> NewConnection(const Endpoint& endpoint,
                                          const ConnectionSettings& settings);

}  // namespace modelpusher::internal
