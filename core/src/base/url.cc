#include "modelpusher/url.h"

#include <algorithm>
#include <cctype>

namespace modelpusher {
namespace {

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

uint16_t DefaultPort(const std::string& scheme) {
  if (scheme == "https") return 443;
  if (scheme == "http") return 80;
  return 0;
}

}  // namespace

std::string PercentEncode(std::string_view text, std::string_view keep) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (IsUnreserved(c) || keep.find(char(c)) != std::string_view::npos) {
      out.push_back(char(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

bool PercentDecode(std::string_view text, std::string* out) {
  out->clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out->push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return false;
    int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(char(hi * 16 + lo));
    i += 2;
  }
  return true;
}

Result<Url> Url::Parse(std::string_view text) {
  Url url;
  size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return InvalidArgumentError("not an absolute URL: " + std::string(text));
  }
  url.scheme = std::string(text.substr(0, scheme_end));
  std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(), ::tolower);
  std::string_view rest = text.substr(scheme_end + 3);

  size_t auth_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, auth_end);
  rest = auth_end == std::string_view::npos ? std::string_view() : rest.substr(auth_end);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);  // user:password@ is dropped, never used.
  }

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return InvalidArgumentError("bad IPv6 host in URL");
    url.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      port_text = authority.substr(close + 2);
    }
  } else {
    size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return InvalidArgumentError("URL has no host: " + std::string(text));
  std::transform(url.host.begin(), url.host.end(), url.host.begin(), ::tolower);

  url.port = DefaultPort(url.scheme);
  if (!port_text.empty()) {
    unsigned long port = 0;
    for (char c : port_text) {
      if (!std::isdigit(static_cast<unsigned char>(c))) {
        return InvalidArgumentError("bad port in URL: " + std::string(text));
      }
      port = port * 10 + (c - '0');
      if (port > 65535) return InvalidArgumentError("bad port in URL: " + std::string(text));
    }
    url.port = static_cast<uint16_t>(port);
  }

  size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t q = rest.find('?');
  url.path = std::string(rest.substr(0, q));
  if (q != std::string_view::npos) url.query = std::string(rest.substr(q + 1));
  if (url.path.empty()) url.path = "/";
  return url;
}

std::string Url::Authority() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != 0 && port != DefaultPort(scheme)) h += ":" + std::to_string(port);
  return h;
}

std::string Url::ToString() const {
  std::string out = scheme + "://" + Authority() + path;
  if (!query.empty()) out += "?" + query;
  return out;
}

bool Url::SameOrigin(const Url& other) const {
  return scheme == other.scheme && host == other.host && port == other.port;
}

std::string RedactUrl(std::string_view url) {
  std::string out(url);
  if (size_t q = out.find('?'); q != std::string::npos) out.erase(q);
  size_t scheme_end = out.find("://");
  if (scheme_end != std::string::npos) {
    size_t auth_end = out.find('/', scheme_end + 3);
    size_t at = out.rfind('@', auth_end);
    if (at != std::string::npos && at > scheme_end) out.erase(scheme_end + 3, at - scheme_end - 2);
  }
  return out;
}

}  // namespace modelpusher
