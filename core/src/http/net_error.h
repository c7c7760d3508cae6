#pragma once

// Turns Poco's network exceptions into plain words and a retry verdict, so no Poco type or
// exception leaves the HTTP adapter.

#include <string>

namespace Poco {
class Exception;
}

namespace modelpusher::internal {

/// What went wrong on the wire, in words fit for a Status message.
struct NetError {
  /// E.g. "connection reset by peer", "timed out", "TLS certificate rejected: ...".
  std::string cause;
  /// What the user can do about it, e.g. "check that the server is reachable".
  std::string hint;
  /// A transient failure: the same request may succeed later.
  bool retryable = true;
  /// The socket timed out (a stale pooled connection never shows as a timeout).
  bool timeout = false;
};

/// Classifies a Poco exception. Messages pass through log::Redact.
NetError DescribeNetException(const Poco::Exception& error);

}  // namespace modelpusher::internal
