#pragma once

// The HTTP client every network plugin uses instead of writing its own: TLS, keep-alive,
// timeouts, retries with backoff and Retry-After, redirects that never carry credentials
// to another host, proxy variables, and logs with secrets redacted.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "modelpusher/io.h"
#include "modelpusher/status.h"

namespace modelpusher {

/// Header names compare case-insensitively; order and duplicates are kept.
class HttpHeaders {
 public:
  void Add(std::string name, std::string value);
  /// Replaces every header of that name.
  void Set(const std::string& name, std::string value);
  void Remove(const std::string& name);
  /// The first value of `name`, or nullopt.
  std::optional<std::string> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

/// When to try a request again.
struct RetryPolicy {
  /// Total attempts, the first included. 1 disables retries.
  int max_attempts = 6;
  /// Exponential backoff: initial delay, doubled per attempt, capped.
  double initial_delay_s = 1.0;
  double max_delay_s = 8.0;
  /// Give up once this much time has passed since the first attempt.
  double deadline_s = 300.0;
  /// Retry on 408, 429, 500, 502, 503, 504. 429 and 503 honour Retry-After (seconds form).
  bool retry_status = true;
  /// Retry when the connection fails or drops before a response arrives.
  bool retry_network = true;
};

struct HttpRequest {
  std::string method = "GET";
  /// Absolute URL, already encoded.
  std::string url;
  HttpHeaders headers;
  /// A small body held in memory...
  std::string body;
  /// ...or a large one streamed from a reader. Reopened for each attempt, so a retry resends
  /// it from the start. When set, `body` is ignored and `body_size` is the Content-Length.
  ReaderFactory body_source;
  uint64_t body_size = 0;
  /// Headers that carry credentials ("Authorization" by default). They are sent only to the
  /// origin of `url`: dropped on a redirect to another scheme, host or port.
  std::vector<std::string> credential_headers = {"Authorization"};
  /// Follow 301/302/303/307/308 (303 turns into GET without body). Off: return them as is.
  bool follow_redirects = true;
  /// Overrides the client's policy for this request (e.g. never retry a commit POST).
  std::optional<RetryPolicy> retry;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  /// The whole body (Send) or empty (Open: read `stream` instead).
  std::string body;
  /// Open only: the body as a stream. It fails with kDataLoss when the connection ends
  /// before Content-Length bytes, and kUnavailable when it drops.
  std::unique_ptr<ByteReader> stream;
  /// The URL that answered, after redirects (redacted with RedactUrl before logging!).
  std::string final_url;
  /// Attempts made, the first included.
  int attempts = 0;
};

/// Sends HTTP/1.1 requests over pooled keep-alive connections.
/// Thread safety: one client may be used from several threads at once.
class HttpClient {
 public:
  struct Options {
    /// "modelpusher/<version>" when empty.
    std::string user_agent;
    double connect_timeout_s = 30;
    /// Per read or write on the socket, not for the whole transfer.
    double io_timeout_s = 300;
    RetryPolicy retry;
    int max_redirects = 5;
    /// Extra CA bundle (PEM) to trust, besides the system's.
    std::string ca_file;
    /// Honour HTTP_PROXY / HTTPS_PROXY / NO_PROXY (lower case too). Loopback hosts never use
    /// a proxy.
    bool use_proxy_env = true;
  };

  HttpClient();
  explicit HttpClient(Options options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Sends the request and reads the whole answer (at most `body_limit` bytes, else
  /// kResourceExhausted). Any HTTP status is a successful Result: the caller maps 4xx and
  /// 5xx to its own errors (a retryable status comes back once the retries are spent).
  /// Errors: kUnavailable (could not connect or the connection dropped, after retries),
  /// kInvalidArgument (malformed URL), kDataLoss (body shorter than announced),
  /// kCancelled (interrupted).
  Result<HttpResponse> Send(const HttpRequest& request, size_t body_limit = 64 << 20);

  /// Like Send, but returns as soon as the headers arrive, with the body in
  /// `response.stream`. Retries happen only before that point; resuming a broken body
  /// (with a Range request) is the caller's business. A non-2xx answer's body is read into
  /// `response.body` instead (up to 1 MiB), so it can be reported and never mistaken for
  /// content.
  Result<HttpResponse> Open(const HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The delay a 429/503 response asks for: `Retry-After` in seconds (the HTTP-date form is
/// ignored), or nullopt.
std::optional<double> RetryAfterSeconds(const HttpHeaders& headers);

/// Scales every retry delay of every client (tests set it to shorten waits; 1.0 by default).
/// Also read once from MODELPUSHER_RETRY_DELAY_SCALE.
void SetRetryDelayScaleForTesting(double scale);

}  // namespace modelpusher
