#pragma once

// AWS Signature Version 4 for S3, written from the public specification ("Authenticating
// Requests: Using the Authorization Header"). Only what a reader needs: GET and HEAD with an
// empty body, headers signed, no chunked uploads, no presigned URLs.

#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "modelpusher/http.h"
#include "modelpusher/secret.h"
#include "modelpusher/url.h"

namespace modelpusher::s3 {

/// SHA-256 of the empty string, the payload hash of a GET or HEAD.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct AwsCredentials {
  std::string access_key_id;
  Secret secret_access_key;
  /// Temporary credentials only; sent as X-Amz-Security-Token.
  Secret session_token;
};

/// The path of an object as sent and as signed: "/" + each '/'-separated segment of `key`
/// percent-encoded once (unreserved A-Z a-z 0-9 - . _ ~ kept, UTF-8 bytes, upper-case hex).
/// With `bucket` non-empty (path-style addressing) the bucket is the first segment.
std::string EncodeObjectPath(std::string_view bucket, std::string_view key);

/// A query string in canonical form: each name and value percent-encoded (unreserved kept),
/// sorted by name then value, joined with '&'. Sending this exact text makes the signed and
/// the sent query identical.
std::string CanonicalQueryString(std::vector<std::pair<std::string, std::string>> params);

/// "20130524T000000Z" for `when` (UTC).
std::string AmzDate(std::time_t when);

/// The pieces of one signature, kept apart so that a test can compare each with the spec.
struct SigningParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;       // lower-case hex
  std::string authorization;   // the Authorization header value
};

/// Signs `method` on `url` (already encoded, path and query exactly as sent) with the headers
/// in `headers` whose names are in `signed_names` (lower case, any order). `headers` must
/// already hold x-amz-date and x-amz-content-sha256 when they are to be signed; `host` is
/// taken from the URL's authority. Pure: no clock, no I/O.
SigningParts ComputeSignature(std::string_view method, const Url& url,
                              const HttpHeaders& headers, std::vector<std::string> signed_names,
                              std::string_view payload_hash, const AwsCredentials& credentials,
                              std::string_view region, std::string_view amz_date);

/// Adds x-amz-date, x-amz-content-sha256, X-Amz-Security-Token (when a session token is set)
/// and Authorization to `request`, signing host, range (when present) and every x-amz-*
/// header. Errors: kInvalidArgument when the request URL does not parse.
Status SignRequest(HttpRequest& request, const AwsCredentials& credentials,
                   std::string_view region, std::time_t now);

}  // namespace modelpusher::s3
