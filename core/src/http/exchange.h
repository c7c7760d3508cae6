#pragma once

// One exchange on one connection: the request goes out (headers, then the body), the answer's
// headers come back, and its body is left on the wire behind a BodyReader.

#include <cstdint>
#include <memory>
#include <string>

#include "http/body_reader.h"
#include "http/connection.h"
#include "http/connection_pool.h"
#include "http/redirect.h"
#include "modelpusher/http.h"

namespace modelpusher::internal {

/// Request bodies go out, and response bodies are read, in steps of this size.
constexpr size_t kBodyChunk = 1 << 20;

/// The outcome of one attempt: the response (with the rest of its body on the wire, in
/// `body`) or why there is none.
struct Attempt {
  HttpResponse response;
  std::unique_ptr<BodyReader> body;
  bool failed = false;
  StatusCode code = StatusCode::kUnavailable;
  std::string cause;
  std::string hint;
  bool retryable = false;
  // Failed on the wire before any byte of a response, and not by timing out: what a pooled
  // connection the server had already closed looks like.
  bool stale = false;
  uint64_t sent = 0;
};

/// A failed Attempt.
Attempt Failure(StatusCode code, std::string cause, std::string hint, bool retryable);

/// Sends one hop of `request` over `connection` and reads the answer's headers. Never
/// throws: Poco's exceptions become a failed Attempt. The connection goes back to `pool`
/// once the answer's body has been read to its end.
Attempt Exchange(std::unique_ptr<Connection> connection, const HttpRequest& request,
                 const Hop& hop, const std::string& user_agent,
                 const std::shared_ptr<ConnectionPool>& pool);

}  // namespace modelpusher::internal
