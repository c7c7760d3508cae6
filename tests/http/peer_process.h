#pragma once

// Starts tests/http/peer_server.py on loopback and stops it again.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "modelpusher/io.h"
#include "modelpusher/status.h"

namespace modelpusher::testing {

/// One peer server process. Not thread safe; owned by a test fixture.
class PeerProcess {
 public:
  PeerProcess() = default;
  ~PeerProcess() { Stop(); }
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;

  /// Starts the server (extra arguments such as --cert) and waits up to 20 s for its ports.
  /// Errors: kUnavailable when it does not come up.
  Status Start(const std::vector<std::string>& extra_args = {});
  /// Kills the server and waits for it. Idempotent.
  void Stop();

  std::string Url(const std::string& path) const;       // http://127.0.0.1:port/path
  std::string OtherUrl(const std::string& path) const;  // the second plain port
  std::string Ipv6Url(const std::string& path) const;   // http://[::1]:port/path
  std::string TlsUrl(const std::string& path) const;    // https://127.0.0.1:port/path

  int port = 0;
  int other_port = 0;
  int ipv6_port = 0;
  int tls_port = 0;

 private:
  pid_t pid_ = -1;
  std::string dir_;
};

/// Byte i of every generated body is i % 251 (as in peer_server.py).
class PatternReader : public ByteReader {
 public:
  explicit PatternReader(uint64_t size) : size_(size) {}
  Result<size_t> Read(char* buffer, size_t size) override;

 private:
  uint64_t size_;
  uint64_t offset_ = 0;
};

/// The sha256 (hex) of `size` pattern bytes.
std::string PatternSha256(uint64_t size);

/// A port on 127.0.0.1 that nothing listens on (bound, then closed).
int UnusedPort();

/// Resident memory of this process, in bytes.
uint64_t ResidentBytes();

/// Removes proxy variables and points cloud SDK defaults at nothing, as RULES.md asks.
void IsolateEnvironment();

}  // namespace modelpusher::testing
