// Redirect handling: resolving Location and deciding what the next hop carries.

#include "http/redirect.h"

#include <algorithm>
#include <cctype>

namespace modelpusher::internal {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

// Drops "." and ".." segments (RFC 3986 5.2.4) from an absolute path.
std::string RemoveDotSegments(const std::string& path) {
  std::vector<std::string> segments;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  for (const std::string& segment : segments) out += "/" + segment;
  bool trailing = path.ends_with("/") || path.ends_with("/.") || path.ends_with("/..");
  if (out.empty() || (trailing && !out.ends_with("/"))) out += "/";
  return out;
}

// RFC 3986 5.2 reference resolution, for the forms servers actually send.
std::string Resolve(const Url& base, const std::string& location) {
  if (location.find("://") != std::string::npos) return location;
  std::string prefix = base.scheme + "://" + base.Authority();
  if (location.starts_with("//")) return base.scheme + ":" + location;
  if (location.starts_with("?")) return prefix + base.path + location;
  std::string path_and_query = location;
  if (!location.starts_with("/")) {
    std::string directory = base.path.substr(0, base.path.rfind('/') + 1);
    path_and_query = directory + location;
  }
  size_t query = path_and_query.find_first_of("?#");
  std::string path = RemoveDotSegments(path_and_query.substr(0, query));
  return prefix + path + (query == std::string::npos ? "" : path_and_query.substr(query));
}

}  // namespace

std::string Hop::Target() const {
  return url.query.empty() ? url.path : url.path + "?" + url.query;
}

std::string Hop::What() const { return method + " " + RedactUrl(url.ToString()); }

bool IsRedirectStatus(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::optional<Hop> NextHop(const Hop& hop, int status, const std::string& location,
                           const Url& origin) {
  Result<Url> next = Url::Parse(Resolve(hop.url, location));
  if (!next.ok() || (next->scheme != "http" && next->scheme != "https")) return std::nullopt;

  Hop out = hop;
  out.url = *next;
  bool to_get = (status == 303 && hop.method != "HEAD") ||
                ((status == 301 || status == 302) && hop.method == "POST");
  if (to_get) {
    out.method = "GET";
    out.has_body = false;
  }
  out.send_credentials = next->SameOrigin(origin);
  return out;
}

bool IsCredentialHeader(const std::string& name, const std::vector<std::string>& credentials) {
  return std::any_of(credentials.begin(), credentials.end(),
                     [&](const std::string& c) { return EqualsIgnoreCase(c, name); });
}

}  // namespace modelpusher::internal
