// The wire side of a request: Poco writes the request line and parses the status line and
// headers; the body goes out in large writes and comes back through a strict BodyReader.

#include "http/exchange.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <ostream>

#include "http/net_error.h"
#include "modelpusher/log.h"

namespace modelpusher::internal {
namespace {

constexpr size_t kInlineBody = 64 << 10;  // Smaller bodies travel with the headers.

bool MethodCarriesBody(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

bool StartsWithIgnoreCase(const std::string& text, std::string_view prefix) {
  auto same = [](unsigned char a, unsigned char b) { return std::tolower(a) == std::tolower(b); };
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), same);
}

bool IsManagedHeader(const std::string& name) {
  for (std::string_view managed : {"host", "content-length", "transfer-encoding"}) {
    if (name.size() == managed.size() && StartsWithIgnoreCase(name, managed)) return true;
  }
  return false;
}

// Throws the exception Poco recorded for a failed write, so that it is classified like any
// other network failure.
void CheckStream(std::ostream& stream, Poco::Net::HTTPClientSession& session) {
  if (stream.good()) return;
  if (const Poco::Exception* error = session.networkException()) error->rethrow();
  throw Poco::IOException("writing the request failed");
}

BodyFraming FramingOf(const Hop& hop, const Poco::Net::HTTPResponse& response) {
  int status = response.getStatus();
  if (hop.method == "HEAD" || status < 200 || status == 204 || status == 304) {
    return BodyFraming::kEmpty;
  }
  // RFC 9112 6.1: chunked is the last transfer coding whenever it is present.
  // Limitation: other transfer codings (gzip, chunked) are not decoded; we never ask for
  // them and servers do not send them unasked, so the body would come out still encoded.
  std::string coding = Poco::toLower(response.get("Transfer-Encoding", ""));
  if (coding.ends_with("chunked")) return BodyFraming::kChunked;
  if (response.hasContentLength()) return BodyFraming::kLength;
  return BodyFraming::kUntilClose;
}

// A server may reject an upload (413, 401, 400) before reading its body, answer, and close;
// our next write then fails. The answer is usually still in the socket's receive queue:
// read it instead of reporting a broken connection. False when there is none.
// Limitation: "Expect: 100-continue" would save sending the body at all, but Poco's client
// cannot wait for the interim answer; the rejected body is sent until the server hangs up.
bool ReadEarlyAnswer(Connection& connection, const Poco::Exception& write_error,
                     Poco::Net::HTTPResponse* answer) {
  if (DescribeNetException(write_error).timeout) return false;  // Peer may be gone.
  try {
    connection.ClearWriteError();
    // The connection is failing and will not be reused, so its timeout need not be restored.
    connection.session().socket().setReceiveTimeout(Poco::Timespan(2, 0));
    connection.session().receiveResponse(*answer);
    return answer->getStatus() >= 200;
  } catch (const Poco::Exception&) {
    return false;
  }
}

// Headers whose values are credentials whatever the request says: never logged.
bool IsSensitiveHeader(const std::string& name, const std::vector<std::string>& credentials) {
  static const std::vector<std::string> kAlways = {
      "Authorization", "Proxy-Authorization", "Cookie",         "Set-Cookie",
      "X-Api-Key",     "X-Goog-Api-Key",      "X-Amz-Security-Token"};
  return IsCredentialHeader(name, credentials) || IsCredentialHeader(name, kAlways);
}

void LogHeaders(const char* what, const Poco::Net::NameValueCollection& headers,
                const std::vector<std::string>& credentials) {
  if (!log::Enabled(LogLevel::kTrace)) return;
  for (const auto& [name, value] : headers) {
    bool secret = IsSensitiveHeader(name, credentials);
    log::Trace(what, {{"header", name}, {"value", secret ? std::string("***") : value}});
  }
}

void FillRequest(const HttpRequest& request, const Hop& hop, const std::string& user_agent,
                 Poco::Net::HTTPRequest* out) {
  for (const auto& [name, value] : request.headers.entries()) {
    if (IsManagedHeader(name)) continue;
    if (!hop.send_credentials && IsCredentialHeader(name, request.credential_headers)) {
      continue;
    }
    // A redirect that dropped the body drops its description too.
    if (!hop.has_body && StartsWithIgnoreCase(name, "content-")) continue;
    out->add(name, value);
  }
  out->set("Host", hop.url.Authority());
  if (!out->has("User-Agent")) out->set("User-Agent", user_agent);

  if (hop.has_body && request.body_source) {
    out->setContentLength64(static_cast<Poco::Int64>(request.body_size));
  } else if (hop.has_body && (!request.body.empty() || MethodCarriesBody(hop.method))) {
    out->setContentLength64(static_cast<Poco::Int64>(request.body.size()));
  } else if (MethodCarriesBody(hop.method)) {
    out->setContentLength64(0);
  }
}

Status SendBody(Connection& connection, std::ostream& stream, const HttpRequest& request,
                const Hop& hop, uint64_t* sent) {
  Poco::Net::HTTPClientSession& session = connection.session();
  if (!hop.has_body || (!request.body_source && request.body.size() <= kInlineBody)) {
    if (hop.has_body && !request.body_source) {
      stream.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));
    }
    stream.flush();
    CheckStream(stream, session);
    *sent = hop.has_body && !request.body_source ? request.body.size() : 0;
    return Status::Ok();
  }

  // Large bodies bypass Poco's 4 KiB stream buffer: headers first, then 1 MiB writes.
  stream.flush();
  CheckStream(stream, session);
  if (!request.body_source) {
    connection.WriteAll(request.body.data(), request.body.size());
    *sent = request.body.size();
    return Status::Ok();
  }
  MP_ASSIGN_OR_RETURN(std::unique_ptr<ByteReader> reader, request.body_source());
  std::string buffer(kBodyChunk, '\0');
  while (*sent < request.body_size) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(kBodyChunk, request.body_size - *sent));
    MP_ASSIGN_OR_RETURN(size_t n, reader->Read(buffer.data(), want));
    if (n == 0) {
      return DataLossError("the body source ended after " + std::to_string(*sent) + " of " +
                           std::to_string(request.body_size) + " bytes");
    }
    connection.WriteAll(buffer.data(), n);
    *sent += n;
  }
  char extra;
  MP_ASSIGN_OR_RETURN(size_t more, reader->Read(&extra, 1));
  if (more != 0) {
    return InvalidArgumentError("the body source holds more than body_size (" +
                                std::to_string(request.body_size) + ") bytes");
  }
  return Status::Ok();
}

}  // namespace

Attempt Failure(StatusCode code, std::string cause, std::string hint, bool retryable) {
  Attempt attempt;
  attempt.failed = true;
  attempt.code = code;
  attempt.cause = std::move(cause);
  attempt.hint = std::move(hint);
  attempt.retryable = retryable;
  return attempt;
}

Attempt Exchange(std::unique_ptr<Connection> connection, const HttpRequest& request,
                 const Hop& hop, const std::string& user_agent,
                 const std::shared_ptr<ConnectionPool>& pool) {
  Poco::Net::HTTPRequest wire(hop.method, hop.Target(), Poco::Net::HTTPMessage::HTTP_1_1);
  FillRequest(request, hop, user_agent, &wire);
  LogHeaders("http request header", wire, request.credential_headers);

  Poco::Net::HTTPResponse answer;
  uint64_t sent = 0;
  bool answered_early = false;
  try {
    ++connection->requests;
    Poco::Net::HTTPClientSession& session = connection->session();
    std::ostream& stream = session.sendRequest(wire);
    answer.setFieldLimit(256);
    Status body = Status::Ok();
    try {
      body = SendBody(*connection, stream, request, hop, &sent);
    } catch (const Poco::Exception& e) {
      if (!ReadEarlyAnswer(*connection, e, &answer)) throw;
      answered_early = true;
    }
    if (!body.ok()) {
      // The source failed, not the server; a source that lost its own connection may work
      // when reopened on the next attempt.
      Attempt failure = Failure(body.code(), "reading the request body: " + body.message(),
                                "check the source of the upload",
                                body.code() == StatusCode::kUnavailable);
      failure.sent = sent;
      return failure;
    }
    // Interim 1xx answers (103 Early Hints) precede the real one; Poco skips only 100.
    while (!answered_early) {
      session.receiveResponse(answer);
      if (answer.getStatus() <= 101 || answer.getStatus() >= 200) break;
    }
  } catch (const Poco::Exception& e) {
    NetError error = DescribeNetException(e);
    Attempt failure = Failure(StatusCode::kUnavailable, error.cause, error.hint, error.retryable);
    failure.stale = error.retryable && !error.timeout;
    failure.sent = sent;
    return failure;
  } catch (const std::exception& e) {
    return Failure(StatusCode::kInternal, std::string("unexpected error: ") + e.what(),
                   "retry or report it", false);
  }
  LogHeaders("http response header", answer, request.credential_headers);

  Attempt attempt;
  attempt.sent = sent;
  HttpResponse& response = attempt.response;
  response.status = answer.getStatus();
  for (const auto& [name, value] : answer) response.headers.Add(name, value);
  response.final_url = hop.url.ToString();
  BodyFraming framing = FramingOf(hop, answer);
  Poco::Int64 length = 0;
  if (framing == BodyFraming::kLength &&
      (!Poco::NumberParser::tryParse64(answer.get("Content-Length"), length) || length < 0)) {
    return Failure(StatusCode::kUnavailable, "the response has a malformed Content-Length",
                   "check that the URL points at an HTTP server", false);
  }
  // After an early answer the request was cut short: the connection cannot carry another.
  bool reusable = answer.getKeepAlive() && !answered_early;
  attempt.body = std::make_unique<BodyReader>(std::move(connection), framing, uint64_t(length),
                                              reusable, pool, hop.What());
  return attempt;
}

}  // namespace modelpusher::internal
