#pragma once

// Where the s3 source finds its credentials, region and endpoint: the way AWS's own clients
// look them up (environment, then the shared `credentials` and `config` files with
// profiles), plus the map form of `source:`.

#include <map>
#include <optional>
#include <string>

#include "modelpusher/config_value.h"
#include "modelpusher/status.h"
#include "sigv4.h"

namespace modelpusher::s3 {

/// One INI file: section name -> key -> value. Keys are lower case; values trimmed.
using IniFile = std::map<std::string, std::map<std::string, std::string>>;

/// Parses the shared-file dialect: `[section]`, `key = value`, `#`/`;` comments, indented
/// continuation lines (nested sub-sections such as `s3 =` are kept as "s3.key").
IniFile ParseIni(const std::string& text);

/// Everything an S3 client needs besides the bucket.
struct S3Settings {
  AwsCredentials credentials;
  /// Send requests unsigned (public buckets).
  bool anonymous = false;
  std::string region = "us-east-1";
  /// "https://s3.REGION.amazonaws.com" style default when empty; a custom endpoint otherwise.
  std::string endpoint;
  bool custom_endpoint = false;
  /// Path-style ("endpoint/bucket/key") or virtual-hosted ("bucket.endpoint/key").
  bool path_style = false;
  /// Where the credentials came from ("environment", "profile dev in FILE"), for messages.
  std::string credential_origin;
  /// ListObjectsV2 max-keys; 0 lets the server choose (1000 on AWS).
  int page_size = 0;
  /// Report single-part ETags as MD5 checksums (option `checksums`, default true).
  bool etag_checksums = true;
};

/// Resolves settings from `options` (the map form of `source:`, or null) and the process
/// environment. Order, as in AWS's clients: options, then AWS_ACCESS_KEY_ID /
/// AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (unless a profile is named in the options), then
/// the profile (options `profile`, AWS_PROFILE, "default") in AWS_SHARED_CREDENTIALS_FILE
/// (~/.aws/credentials) and AWS_CONFIG_FILE (~/.aws/config, `[profile NAME]`).
/// Region: options, AWS_REGION, AWS_DEFAULT_REGION, the profile, "us-east-1".
/// Endpoint: options, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's endpoint_url.
/// Errors: kInvalidArgument (bad option), kUnauthenticated (no credentials and not
/// anonymous: the message lists what was looked at), kNotFound (a named profile is absent).
// Limitation: no EC2/ECS instance metadata, SSO, web identity or credential_process; those
// need network calls or helper programs this plugin does not make; set keys in the
// environment or a profile, or use `anonymous: true`, instead.
Result<S3Settings> ResolveSettings(const ConfigValue* options);

}  // namespace modelpusher::s3
