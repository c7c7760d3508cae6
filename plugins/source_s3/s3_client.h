#pragma once

// Signed requests to one bucket: addressing (path-style or virtual-hosted), SigV4, the
// one-time switch to the bucket's real region, and S3 errors turned into Status.

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "credentials.h"
#include "modelpusher/http.h"

namespace modelpusher::s3 {

class S3Client {
 public:
  S3Client(S3Settings settings, std::string bucket);

  /// Sends `method` for `key` ("" for the bucket itself) with `query` (unencoded pairs) and
  /// `headers`. With `stream`, the body of a 2xx answer is left in response.stream. A bucket
  /// found in another region (301 PermanentRedirect or 400 AuthorizationHeaderMalformed
  /// naming the region) is re-signed for that region once; from then on that region is used.
  /// Any non-2xx answer becomes an error (see ErrorFor); its body is never returned as data.
  Result<HttpResponse> Send(const std::string& method, const std::string& key,
                            const std::vector<std::pair<std::string, std::string>>& query,
                            const HttpHeaders& headers, bool stream);

  /// "s3://bucket" for messages.
  const std::string& bucket() const { return bucket_; }
  std::string region() const;

 private:
  Result<std::string> BuildUrl(const std::string& region, const std::string& key,
                               const std::string& query) const;
  Result<HttpResponse> SendOnce(const std::string& method, const std::string& url,
                                const std::string& region, const HttpHeaders& headers,
                                bool stream);
  Status ErrorFor(const std::string& method, const std::string& key,
                  const HttpResponse& response) const;

  S3Settings settings_;
  std::string bucket_;
  HttpClient http_;
  mutable std::mutex mutex_;
  std::string region_;  // guarded by mutex_
  bool region_switched_ = false;  // guarded by mutex_
};

}  // namespace modelpusher::s3
