// HttpClient: one request = hops (redirects) x attempts (retries) x exchanges (a stale pooled
// connection is replaced once, silently). The wire side lives in exchange.cc; retries,
// redirects, credentials and the pool are decided here.

#include "modelpusher/http.h"

#include <Poco/Net/Context.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "http/body_reader.h"
#include "http/connection.h"
#include "http/connection_pool.h"
#include "http/exchange.h"
#include "http/proxy.h"
#include "http/redirect.h"
#include "http/retry.h"
#include "http/tls_context.h"
#include "modelpusher/log.h"

namespace modelpusher {
namespace {

using internal::Attempt;
using internal::BodyReader;
using internal::Connection;
using internal::Failure;
using internal::Hop;
using internal::kBodyChunk;

constexpr size_t kErrorBodyLimit = 1 << 20;  // Open keeps this much of a non-2xx body.
constexpr size_t kMaxIdlePerEndpoint = 16;
constexpr double kMaxIdleSeconds = 20;

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
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
  Attempt attempt = Exchange(std::move(connection), request, hop, options.user_agent, pool);

  // A keep-alive connection the server closed while it sat in the pool fails before any
  // response byte. That is not the server's answer, so it costs no retry attempt.
  if (attempt.failed && attempt.stale && reused) {
    log::Debug("http stale pooled connection replaced",
               {{"url", RedactUrl(hop.url.ToString())}, {"cause", attempt.cause}});
    attempt = Exchange(internal::NewConnection(endpoint, settings), request, hop,
                       options.user_agent, pool);
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
