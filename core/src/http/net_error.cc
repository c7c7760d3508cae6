// Classification of Poco exceptions raised while talking to a server.

#include "http/net_error.h"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>

#include "modelpusher/log.h"

namespace modelpusher::internal {
namespace {

template <typename T>
bool Is(const Poco::Exception& e) {
  return dynamic_cast<const T*>(&e) != nullptr;
}

constexpr const char* kReachHint = "check that the server is reachable";

}  // namespace

NetError DescribeNetException(const Poco::Exception& e) {
  using namespace Poco::Net;
  std::string detail = log::Redact(e.message());
  auto with_detail = [&](std::string cause) {
    return detail.empty() ? cause : cause + " (" + detail + ")";
  };

  if (Is<Poco::TimeoutException>(e)) return {"timed out", kReachHint, true, true};
  if (Is<ConnectionRefusedException>(e)) return {with_detail("connection refused"), kReachHint};
  if (Is<ConnectionResetException>(e)) return {"connection reset by peer", kReachHint};
  if (Is<ConnectionAbortedException>(e)) return {"connection aborted", kReachHint};
  if (Is<NoMessageException>(e)) {
    return {"connection closed before a response arrived", kReachHint};
  }
  if (Is<HostNotFoundException>(e) || Is<NoAddressFoundException>(e)) {
    return {with_detail("host not found"), "check the host name and DNS", false};
  }
  if (Is<DNSException>(e)) return {with_detail("name resolution failed"), kReachHint};
  if (Is<CertificateValidationException>(e) || Is<InvalidCertificateException>(e)) {
    return {with_detail("TLS certificate rejected"),
            "check the server's certificate or add its CA with ca_file", false};
  }
  if (Is<SSLConnectionUnexpectedlyClosedException>(e)) {
    return {"TLS connection closed unexpectedly", kReachHint};
  }
  if (Is<SSLContextException>(e)) {
    return {with_detail("TLS setup failed"), "check ca_file", false};
  }
  if (Is<SSLException>(e)) {
    // Handshake failures land here too, and most of them (unknown CA, protocol mismatch)
    // will not heal by themselves; resets during the handshake come as Net exceptions.
    return {with_detail("TLS error"),
            "check the server's certificate, ca_file and TLS settings", false};
  }
  if (Is<MessageException>(e)) {
    return {with_detail("malformed HTTP message"), "check that the URL points at an HTTP server",
            false};
  }
  if (Is<Poco::IOException>(e)) return {with_detail(log::Redact(e.name())), kReachHint};
  return {with_detail(log::Redact(e.name())), "this is unexpected; retry or report it", false};
}

}  // namespace modelpusher::internal
