// Poco client sessions, plain and TLS, behind one interface.

#include "http/connection.h"

#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/Socket.h>
#include <Poco/Timespan.h>

#include <algorithm>

namespace modelpusher::internal {
namespace {

Poco::Timespan Seconds(double seconds) {
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(seconds * 1e6));
}

// Poco keeps read() and get() protected; deriving from the session is the supported way to
// read the raw bytes that follow the headers.
template <typename Session>
class PocoConnection final : public Connection, private Session {
 public:
  template <typename... Args>
  explicit PocoConnection(std::string key, Args&&... args)
      : Connection(std::move(key)), Session(std::forward<Args>(args)...) {}

  Poco::Net::HTTPClientSession& session() override { return *this; }

  size_t ReadSome(char* buffer, size_t size) override {
    int n = this->read(buffer, static_cast<std::streamsize>(std::min<size_t>(size, 1 << 30)));
    return n > 0 ? static_cast<size_t>(n) : 0;
  }

  int ReadByte() override {
    int c = this->get();
    return c == std::char_traits<char>::eof() ? -1 : (c & 0xff);
  }

  void WriteAll(const char* data, size_t size) override {
    while (size > 0) {
      int n = this->write(data, static_cast<std::streamsize>(std::min<size_t>(size, 1 << 30)));
      if (n <= 0) throw Poco::IOException("the connection accepted no more bytes");
      data += n;
      size -= static_cast<size_t>(n);
    }
  }

  void ClearWriteError() override { this->clearException(); }
};

}  // namespace

Endpoint Endpoint::For(const Url& url, std::optional<ProxyTarget> proxy) {
  return Endpoint{url.scheme, url.host, url.port, std::move(proxy)};
}

std::string Endpoint::Key() const {
  std::string key = scheme + "://" + host + ":" + std::to_string(port);
  if (proxy) key += " via " + proxy->Label();
  return key;
}

bool Connection::LooksClosed() {
  // A readable idle socket means EOF (the server timed the connection out) or stray bytes;
  // either way the next response could not be trusted. For TLS the socket can also hold
  // post-handshake records, so this check is left to the stale-connection retry there.
  if (!session().connected()) return false;  // Not yet connected: Poco will connect.
  if (dynamic_cast<Poco::Net::HTTPSClientSession*>(&session()) != nullptr) return false;
  return session().socket().poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ);
}

// Limitation: Poco resolves the host and connects to one address only (IPv4 first); there is
// no fallback to the next address of a multi-homed host. A failed connect is retried as a
// whole by the retry policy, which resolves again.
std::unique_ptr<Connection> NewConnection(const Endpoint& endpoint,
                                          const ConnectionSettings& settings) {
  std::unique_ptr<Connection> connection;
  if (endpoint.scheme == "https") {
    connection = std::make_unique<PocoConnection<Poco::Net::HTTPSClientSession>>(
        endpoint.Key(), endpoint.host, endpoint.port, settings.tls_context);
  } else {
    connection = std::make_unique<PocoConnection<Poco::Net::HTTPClientSession>>(
        endpoint.Key(), endpoint.host, endpoint.port);
  }
  Poco::Net::HTTPClientSession& session = connection->session();
  session.setTimeout(Seconds(settings.connect_timeout_s), Seconds(settings.io_timeout_s),
                     Seconds(settings.io_timeout_s));
  session.setKeepAlive(true);
  // The pool decides when an idle connection is too old; Poco's own 8 s rule would
  // reconnect silently behind its back.
  session.setKeepAliveTimeout(Poco::Timespan(3600, 0));
  if (endpoint.proxy) {
    session.setProxy(endpoint.proxy->host, endpoint.proxy->port);
    if (!endpoint.proxy->username.empty()) {
      session.setProxyCredentials(endpoint.proxy->username, endpoint.proxy->password);
    }
  }
  return connection;
}

}  // namespace modelpusher::internal
