#include "sigv4.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "modelpusher/hash.h"
#include "modelpusher/url.h"

namespace modelpusher::s3 {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Header values are signed trimmed, with inner runs of spaces folded to one (spec step 4).
std::string TrimAndFold(std::string_view value) {
  std::string out;
  bool in_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      in_space = !out.empty();
      continue;
    }
    if (in_space) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

// The query as sent is already canonical when built by CanonicalQueryString; still sort it
// here, so a URL assembled elsewhere is signed correctly as long as it is encoded once.
std::string CanonicalizeSentQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view item = query.substr(start, end - start);
    size_t eq = item.find('=');
    if (!item.empty()) {
      pairs.emplace_back(std::string(item.substr(0, eq)),
                         eq == std::string_view::npos ? "" : std::string(item.substr(eq + 1)));
    }
    start = end + 1;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += name + "=" + value;
  }
  return out;
}

std::string SigningKey(const AwsCredentials& credentials, std::string_view date,
                       std::string_view region) {
  std::string key = HmacSha256("AWS4" + credentials.secret_access_key.Reveal(), date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, "s3");
  return HmacSha256(key, "aws4_request");
}

}  // namespace

std::string EncodeObjectPath(std::string_view bucket, std::string_view key) {
  std::string path = "/";
  if (!bucket.empty()) {
    path += PercentEncode(bucket);
    path += "/";
  }
  // Encoding with '/' kept is the same as encoding each segment and joining with '/'.
  path += PercentEncode(key, "/");
  return path;
}

std::string CanonicalQueryString(std::vector<std::pair<std::string, std::string>> params) {
  for (auto& [name, value] : params) {
    name = PercentEncode(name);
    value = PercentEncode(value);
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += name + "=" + value;
  }
  return out;
}

std::string AmzDate(std::time_t when) {
  std::tm utc{};
  gmtime_r(&when, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

SigningParts ComputeSignature(std::string_view method, const Url& url,
                              const HttpHeaders& headers, std::vector<std::string> signed_names,
                              std::string_view payload_hash, const AwsCredentials& credentials,
                              std::string_view region, std::string_view amz_date) {
  std::map<std::string, std::string> canonical_headers;
  for (auto& name : signed_names) {
    name = Lower(name);
    if (name == "host") {
      canonical_headers[name] = url.Authority();
    } else {
      canonical_headers[name] = TrimAndFold(headers.Get(name).value_or(""));
    }
  }
  std::string header_block, signed_list;
  for (const auto& [name, value] : canonical_headers) {
    header_block += name + ":" + value + "\n";
    signed_list += (signed_list.empty() ? "" : ";") + name;
  }

  SigningParts parts;
  parts.canonical_request = std::string(method) + "\n" + url.path + "\n" +
                            CanonicalizeSentQuery(url.query) + "\n" + header_block + "\n" +
                            signed_list + "\n" + std::string(payload_hash);

  std::string date(amz_date.substr(0, 8));
  std::string scope = date + "/" + std::string(region) + "/s3/aws4_request";
  parts.string_to_sign = "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope + "\n" +
                         Sha256Hex(parts.canonical_request);

  parts.signature =
      HexEncode(HmacSha256(SigningKey(credentials, date, region), parts.string_to_sign));
  parts.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" +
                        scope + ",SignedHeaders=" + signed_list +
                        ",Signature=" + parts.signature;
  return parts;
}

Status SignRequest(HttpRequest& request, const AwsCredentials& credentials,
                   std::string_view region, std::time_t now) {
  MP_ASSIGN_OR_RETURN(Url url, Url::Parse(request.url));
  std::string amz_date = AmzDate(now);
  request.headers.Set("x-amz-date", amz_date);
  request.headers.Set("x-amz-content-sha256", std::string(kEmptyPayloadSha256));
  if (!credentials.session_token.empty()) {
    request.headers.Set("X-Amz-Security-Token", credentials.session_token.Reveal());
  }

  std::vector<std::string> names = {"host"};
  for (const auto& [name, value] : request.headers.entries()) {
    std::string lower = Lower(name);
    if (lower == "range" || lower.rfind("x-amz-", 0) == 0) names.push_back(lower);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());

  SigningParts parts = ComputeSignature(request.method, url, request.headers, names,
                                        kEmptyPayloadSha256, credentials, region, amz_date);
  request.headers.Set("Authorization", parts.authorization);
  // The session token is a credential too: never forward it on a cross-origin redirect.
  request.credential_headers = {"Authorization", "X-Amz-Security-Token"};
  return Status::Ok();
}

}  // namespace modelpusher::s3
