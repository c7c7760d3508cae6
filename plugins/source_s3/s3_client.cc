#include "s3_client.h"

#include <ctime>

#include "listing.h"
#include "modelpusher/log.h"
#include "modelpusher/url.h"
#include "sigv4.h"

namespace modelpusher::s3 {
namespace {

// The region a redirect or a region error names, from the header or the error body.
std::string RedirectRegion(const HttpResponse& response) {
  if (auto header = response.headers.Get("x-amz-bucket-region")) return *header;
  return ParseError(response.body).region;
}

bool IsRegionMismatch(const HttpResponse& response) {
  if (response.status == 301) return true;
  if (response.status != 400) return false;
  std::string code = ParseError(response.body).code;
  return code == "AuthorizationHeaderMalformed" || code == "IllegalLocationConstraintException";
}

}  // namespace

S3Client::S3Client(S3Settings settings, std::string bucket)
    : settings_(std::move(settings)), bucket_(std::move(bucket)), region_(settings_.region) {}

std::string S3Client::region() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return region_;
}

Result<std::string> S3Client::BuildUrl(const std::string& region, const std::string& key,
                                       const std::string& query) const {
  std::string endpoint = settings_.endpoint;
  if (!settings_.custom_endpoint) endpoint = "https://s3." + region + ".amazonaws.com";
  MP_ASSIGN_OR_RETURN(Url url, Url::Parse(endpoint));
  std::string base_path = url.path == "/" ? "" : url.path;
  // A dotted bucket name cannot be a TLS-valid virtual host ("a.b.s3.amazonaws.com" does not
  // match the wildcard certificate), so AWS's clients fall back to path-style; so do we.
  bool path_style = settings_.path_style || bucket_.find('.') != std::string::npos;
  if (path_style) {
    // "/bucket" for the bucket itself, "/bucket/key" for an object.
    url.path = base_path + (key.empty() ? "/" + PercentEncode(bucket_)
                                        : EncodeObjectPath(bucket_, key));
  } else {
    url.host = bucket_ + "." + url.host;
    url.path = base_path + EncodeObjectPath("", key);
  }
  url.query = query;
  return url.ToString();
}

Result<HttpResponse> S3Client::SendOnce(const std::string& method, const std::string& url,
                                        const std::string& region, const HttpHeaders& headers,
                                        bool stream) {
  HttpRequest request;
  request.method = method;
  request.url = url;
  request.headers = headers;
  // A redirect is S3 telling us the bucket's region: handled here, never followed blindly.
  request.follow_redirects = false;
  if (!settings_.anonymous) {
    MP_RETURN_IF_ERROR(SignRequest(request, settings_.credentials, region, std::time(nullptr)));
  }
  log::Debug("s3 request", {{"method", method}, {"url", RedactUrl(url)}, {"region", region}});
  return stream ? http_.Open(request) : http_.Send(request, 16 << 20);
}

Result<HttpResponse> S3Client::Send(const std::string& method, const std::string& key,
                                    const std::vector<std::pair<std::string, std::string>>& query,
                                    const HttpHeaders& headers, bool stream) {
  std::string canonical_query = CanonicalQueryString(query);
  std::string region = this->region();
  MP_ASSIGN_OR_RETURN(std::string url, BuildUrl(region, key, canonical_query));
  MP_ASSIGN_OR_RETURN(HttpResponse response, SendOnce(method, url, region, headers, stream));

  if (IsRegionMismatch(response)) {
    std::string real_region = RedirectRegion(response);
    bool retry = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      // Switch once: a second redirect means the server disagrees with itself.
      if (!real_region.empty() && real_region != region_ && !region_switched_) {
        log::Info("bucket is in another region; re-signing",
                  {{"bucket", bucket_}, {"from", region_}, {"to", real_region}});
        region_ = real_region;
        region_switched_ = true;
        retry = true;
      } else if (!real_region.empty() && real_region != region) {
        retry = real_region == region_;  // Another thread already switched.
      }
    }
    if (retry) {
      MP_ASSIGN_OR_RETURN(url, BuildUrl(real_region, key, canonical_query));
      MP_ASSIGN_OR_RETURN(response, SendOnce(method, url, real_region, headers, stream));
    }
  }
  if (response.status < 200 || response.status > 299) {
    return ErrorFor(method, key, response);
  }
  return response;
}

Status S3Client::ErrorFor(const std::string& method, const std::string& key,
                          const HttpResponse& response) const {
  S3Error error = ParseError(response.body);
  std::string object = "s3://" + bucket_ + "/" + key;
  std::string what = method + " " + object + ": HTTP " + std::to_string(response.status) +
                     (error.code.empty() ? "" : " " + error.code) +
                     (error.message.empty() ? "" : " (" + error.message + ")");
  switch (response.status) {
    case 301:
    case 307:
    case 400:
      if (IsRegionMismatch(response)) {
        std::string real = RedirectRegion(response);
        return FailedPreconditionError(
            what + "; the bucket is in region " + (real.empty() ? "<not given>" : real) +
            ", requests were signed for " + region() + "; set `region:` or AWS_REGION");
      }
      return InvalidArgumentError(what);
    case 401:
      return UnauthenticatedError(what + "; check the AWS credentials");
    case 403:
      if (error.code == "InvalidAccessKeyId" || error.code == "SignatureDoesNotMatch" ||
          error.code == "ExpiredToken" || error.code == "InvalidToken") {
        return UnauthenticatedError(what + "; check the AWS credentials");
      }
      return PermissionDeniedError(what + "; the credentials may not read this bucket");
    case 404:
      return NotFoundError(what);
    default:
      if (response.status >= 500 || response.status == 429) {
        return UnavailableError(what + " after " + std::to_string(response.attempts) +
                                " attempts; try again later");
      }
      return InternalError(what);
  }
}

}  // namespace modelpusher::s3
