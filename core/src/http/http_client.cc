// HttpClient: one request = hops (redirects) x attempts (retries) x exchanges (a stale pooled
// connection is replaced once, silently). Poco does the wire format; framing of response
// bodies, retries, redirects and credentials are decided here.

#include "modelpusher/http.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <ostream>

#include "http/body_reader.h"
#include "http/connection.h"
#include "http/connection_pool.h"
#include "http/net_error.h"
#include "http/proxy.h"
#include "http/redirect.h"
#include "http/retry.h"
#include "http/tls_context.h"
#include "modelpusher/log.h"

namespace modelpusher {
namespace {

using internal::BodyFraming;
using internal::BodyReader;
using internal::Connection;
using internal::Hop;

constexpr size_t kBodyChunk = 1 << 20;        // Streamed request bodies go out in 1 MiB writes.
constexpr size_t kInlineBody = 64 << 10;      // Smaller bodies travel with the headers.
constexpr size_t kErrorBodyLimit = 1 << 20;   // Open keeps this much of a non-2xx body.
constexpr size_t kMaxIdlePerEndpoint = 16;
constexpr double kMaxIdleSeconds = 20;

// The outcome of one attempt: the response (with the rest of its body on the wire) or why
// there is none.
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

Attempt Failure(StatusCode code, std::string cause, std::string hint, bool retryable) {
  Attempt attempt;
  attempt.failed = true;
  attempt.code = code;
  attempt.cause = std::move(cause);
  attempt.hint = std::move(hint);
  attempt.retryable = retryable;
  return attempt;
}

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

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
  if (internal::DescribeNetException(write_error).timeout) return false;  // Peer may be gone.
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

// Reads what is left of a body into `out`. With `truncate`, stops quietly at `limit`.
Status ReadBody(BodyReader& body, size_t limit, bool truncate, std::string* out) {
  // One byte past the limit tells "exactly at the limit" from "over it".
  size_t cap = limit == SIZE_MAX ? limit : limit + 1;
  std::string buffer(std::min(kBodyChunk, cap), '\0');
  while (true) {
    size_t room = std::max<size_t>(1, std::min(buffer.size(), cap - std::min(cap, out->size())));
    MP_ASSIGN_OR_RETURN(size_t n, body.Read(buffer.data(), room));
    if (n == 0) return Status::Ok();
    out->append(buffer.data(), n);
    if (out->size() > limit) {
      if (truncate) {
        out->resize(limit);
        return Status::Ok();
      }
      return ResourceExhaustedError("the response body is larger than " +
                                    std::to_string(limit) + " bytes");
    }
  }
}

void LogHeaders(const char* what, const Poco::Net::NameValueCollection& headers,
                const std::vector<std::string>& credentials) {
  if (!log::Enabled(LogLevel::kTrace)) return;
  for (const auto& [name, value] : headers) {
    bool secret = internal::IsCredentialHeader(name, credentials);
    log::Trace(what, {{"header", name}, {"value", secret ? std::string("***") : value}});
  }
}

}  // namespace

struct HttpClient::Impl {
  explicit Impl(Options opts)
      : options(std::move(opts)),
        pool(std::make_shared<internal::ConnectionPool>(kMaxIdlePerEndpoint, kMaxIdleSeconds)) {
    if (options.user_agent.empty()) {
      options.user_agent = std::string("modelpusher/") + MODELPUSHER_VERSION;
    }
    if (options.use_proxy_env) proxies = internal::ProxySettings::FromEnvironment();
    internal::IgnoreSigpipeOnce();
  }

  Result<HttpResponse> Run(const HttpRequest& request, bool open, size_t body_limit);
  Result<HttpResponse> RunHop(const HttpRequest& request, const Hop& hop, bool open,
                              size_t body_limit, const RetryPolicy& policy,
                              const internal::RetrySchedule& schedule, int* attempts);
  Attempt TryOnce(const HttpRequest& request, const Hop& hop, bool open, size_t body_limit,
                  const internal::Endpoint& endpoint, const internal::ConnectionSettings& settings);
  Attempt Exchange(std::unique_ptr<Connection> connection, const HttpRequest& request,
                   const Hop& hop);
  Status SendBody(Connection& connection, std::ostream& stream, const HttpRequest& request,
                  const Hop& hop, uint64_t* sent);
  void FillRequest(const HttpRequest& request, const Hop& hop, Poco::Net::HTTPRequest* out);
  void FinishBody(Attempt& attempt, const Hop& hop, bool open, size_t body_limit);
  Result<Poco::Net::Context::Ptr> TlsContext();

  Options options;
  internal::ProxySettings proxies;
  std::shared_ptr<internal::ConnectionPool> pool;
  std::mutex tls_mu;
  std::optional<Result<Poco::Net::Context::Ptr>> tls;
};

HttpClient::HttpClient() : HttpClient(Options()) {}
HttpClient::HttpClient(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::Send(const HttpRequest& request, size_t body_limit) {
  return impl_->Run(request, /*open=*/false, body_limit);
}

Result<HttpResponse> HttpClient::Open(const HttpRequest& request) {
  return impl_->Run(request, /*open=*/true, kErrorBodyLimit);
}

Result<Poco::Net::Context::Ptr> HttpClient::Impl::TlsContext() {
  std::lock_guard<std::mutex> lock(tls_mu);
  if (!tls) tls = internal::MakeClientTlsContext(options.ca_file);
  return *tls;
}

Result<HttpResponse> HttpClient::Impl::Run(const HttpRequest& request, bool open,
                                           size_t body_limit) {
  // Url::Parse quotes its input, which may hold a signed query: use our own message.
  Result<Url> origin = Url::Parse(request.url);
  if (!origin.ok() || (origin->scheme != "http" && origin->scheme != "https")) {
    return InvalidArgumentError(request.method + " " + RedactUrl(request.url) +
                                ": not an absolute http:// or https:// URL");
  }
  // A CR or LF in a header would let a value smuggle in headers of its own.
  for (const auto& [name, value] : request.headers.entries()) {
    if (name.empty() || name.find_first_of("\r\n:") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return InvalidArgumentError(request.method + " " + RedactUrl(request.url) + ": header '" +
                                  log::Redact(name) + "' has a line break or is malformed");
    }
  }
  RetryPolicy policy = request.retry.value_or(options.retry);
  internal::RetrySchedule schedule(policy);
  Hop hop{request.method, *origin};
  int attempts = 0;

  for (int redirects = 0;; ++redirects) {
    MP_ASSIGN_OR_RETURN(HttpResponse response,
                        RunHop(request, hop, open, body_limit, policy, schedule, &attempts));
    response.attempts = attempts;
    std::optional<std::string> location = response.headers.Get("Location");
    if (!request.follow_redirects || !internal::IsRedirectStatus(response.status) || !location) {
      return response;
    }
    if (redirects >= options.max_redirects) {
      log::Warn("http too many redirects", {{"method", request.method},
                                            {"url", RedactUrl(request.url)},
                                            {"max_redirects", options.max_redirects}});
      return response;
    }
    std::optional<Hop> next = internal::NextHop(hop, response.status, *location, *origin);
    if (!next) {
      log::Warn("http redirect not followed", {{"from", hop.What()},
                                               {"location", RedactUrl(*location)}});
      return response;
    }
    log::Debug("http redirect", {{"from", hop.What()}, {"to", next->What()},
                                 {"status", response.status}});
    hop = std::move(*next);
  }
}

Result<HttpResponse> HttpClient::Impl::RunHop(const HttpRequest& request, const Hop& hop,
                                              bool open, size_t body_limit,
                                              const RetryPolicy& policy,
                                              const internal::RetrySchedule& schedule,
                                              int* attempts) {
  MP_ASSIGN_OR_RETURN(std::optional<internal::ProxyTarget> proxy, proxies.For(hop.url));
  internal::Endpoint endpoint = internal::Endpoint::For(hop.url, std::move(proxy));
  internal::ConnectionSettings settings;
  settings.io_timeout_s = options.io_timeout_s;
  if (hop.url.scheme == "https") {
    MP_ASSIGN_OR_RETURN(settings.tls_context, TlsContext());
  }

  for (int attempt = 1;; ++attempt) {
    ++*attempts;
    // A connect must not outlast the deadline by much; one second is left as a floor so the
    // last attempt still has a chance.
    settings.connect_timeout_s = std::min(options.connect_timeout_s,
                                          std::max(schedule.Remaining(), 1.0));
    Attempt result = TryOnce(request, hop, open, body_limit, endpoint, settings);
    std::string reason =
        result.failed ? result.cause : "status " + std::to_string(result.response.status);
    std::optional<double> delay;

    if (result.failed) {
      if (result.retryable && policy.retry_network) {
        delay = schedule.NextDelay(attempt, std::nullopt);
      }
      if (!delay) {
        return Status(result.code, hop.What() + ": " + result.cause + " after " +
                                       std::to_string(attempt) +
                                       (attempt == 1 ? " attempt; " : " attempts; ") + result.hint);
      }
    } else if (policy.retry_status && internal::IsRetryableStatus(result.response.status)) {
      int status = result.response.status;
      std::optional<double> after;
      if (status == 429 || status == 503) after = RetryAfterSeconds(result.response.headers);
      delay = schedule.NextDelay(attempt, after);
    }
    if (!delay) return std::move(result.response);

    log::Warn("http retry", {{"method", hop.method}, {"url", RedactUrl(hop.url.ToString())},
                             {"reason", reason},
                             {"attempt", std::to_string(attempt) + "/" +
                                             std::to_string(policy.max_attempts)},
                             {"delay_s", *delay}});
    result = Attempt();  // Closes or pools the old connection before sleeping.
    internal::SleepSeconds(*delay);
  }
}

Attempt HttpClient::Impl::TryOnce(const HttpRequest& request, const Hop& hop, bool open,
                                  size_t body_limit, const internal::Endpoint& endpoint,
                                  const internal::ConnectionSettings& settings) {
  auto start = std::chrono::steady_clock::now();
  std::unique_ptr<Connection> connection = pool->Take(endpoint.Key());
  bool reused = connection != nullptr;
  if (!connection) connection = internal::NewConnection(endpoint, settings);
  Attempt attempt = Exchange(std::move(connection), request, hop);

  // A keep-alive connection the server closed while it sat in the pool fails before any
  // response byte. That is not the server's answer, so it costs no retry attempt.
  if (attempt.failed && attempt.stale && reused) {
    log::Debug("http stale pooled connection replaced",
               {{"url", RedactUrl(hop.url.ToString())}, {"cause", attempt.cause}});
    attempt = Exchange(internal::NewConnection(endpoint, settings), request, hop);
  }
  if (!attempt.failed) FinishBody(attempt, hop, open, body_limit);

  if (attempt.failed) {
    log::Debug("http", {{"method", hop.method}, {"url", RedactUrl(hop.url.ToString())},
                        {"error", attempt.cause}, {"sent", attempt.sent},
                        {"ms", MillisSince(start)}});
  } else {
    const HttpResponse& response = attempt.response;
    uint64_t received = open && attempt.body ? 0 : response.body.size();
    log::Debug("http", {{"method", hop.method}, {"url", RedactUrl(hop.url.ToString())},
                        {"status", response.status}, {"sent", attempt.sent},
                        {"bytes", received}, {"ms", MillisSince(start)}});
  }
  return attempt;
}

void HttpClient::Impl::FillRequest(const HttpRequest& request, const Hop& hop,
                                   Poco::Net::HTTPRequest* out) {
  for (const auto& [name, value] : request.headers.entries()) {
    if (IsManagedHeader(name)) continue;
    if (!hop.send_credentials && internal::IsCredentialHeader(name, request.credential_headers)) {
      continue;
    }
    // A redirect that dropped the body drops its description too.
    if (!hop.has_body && StartsWithIgnoreCase(name, "content-")) continue;
    out->add(name, value);
  }
  out->set("Host", hop.url.Authority());
  if (!out->has("User-Agent")) out->set("User-Agent", options.user_agent);

  if (hop.has_body && request.body_source) {
    out->setContentLength64(static_cast<Poco::Int64>(request.body_size));
  } else if (hop.has_body && (!request.body.empty() || MethodCarriesBody(hop.method))) {
    out->setContentLength64(static_cast<Poco::Int64>(request.body.size()));
  } else if (MethodCarriesBody(hop.method)) {
    out->setContentLength64(0);
  }
}

Attempt HttpClient::Impl::Exchange(std::unique_ptr<Connection> connection,
                                   const HttpRequest& request, const Hop& hop) {
  Poco::Net::HTTPRequest wire(hop.method, hop.Target(), Poco::Net::HTTPMessage::HTTP_1_1);
  FillRequest(request, hop, &wire);
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
    internal::NetError error = internal::DescribeNetException(e);
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

Status HttpClient::Impl::SendBody(Connection& connection, std::ostream& stream,
                                  const HttpRequest& request, const Hop& hop, uint64_t* sent) {
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

void HttpClient::Impl::FinishBody(Attempt& attempt, const Hop& hop, bool open,
                                  size_t body_limit) {
  HttpResponse& response = attempt.response;
  bool success = response.status >= 200 && response.status < 300;
  if (open && success) {
    response.stream = std::move(attempt.body);
    return;
  }
  // Open keeps the start of an error body for the report; the rest is not worth reading.
  Status read = ReadBody(*attempt.body, body_limit, /*truncate=*/open, &response.body);
  std::string cause = attempt.body->failure_cause(), hint = attempt.body->failure_hint();
  attempt.body.reset();
  if (read.ok() || open) return;
  if (cause.empty()) {
    cause = read.message();
    hint = "raise the body limit or stream the answer with Open";
  }

  // A GET or HEAD whose answer broke off can simply be asked again; anything else may have
  // had its effect already.
  bool idempotent = hop.method == "GET" || hop.method == "HEAD";
  bool broken = read.code() == StatusCode::kUnavailable || read.code() == StatusCode::kDataLoss;
  uint64_t sent = attempt.sent;
  attempt = Failure(read.code(), cause, hint, idempotent && broken);
  attempt.sent = sent;
}

}  // namespace modelpusher
