// Proxy variables, as curl and most HTTP tools read them.

#include "http/proxy.h"

#include <Poco/Net/IPAddress.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace modelpusher::internal {
namespace {

std::string Env(const char* lower, const char* upper) {
  for (const char* name : {lower, upper}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return value;
  }
  return "";
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return text;
}

// One NO_PROXY entry against a host and port: "*", "example.com" (also its subdomains),
// ".example.com", "example.com:8080", "10.1.2.3", "[::1]:80".
bool MatchesNoProxy(std::string entry, const Url& url) {
  if (entry == "*") return true;
  std::string port;
  if (!entry.empty() && entry.front() == '[') {
    size_t close = entry.find(']');
    if (close == std::string::npos) return false;
    if (close + 1 < entry.size() && entry[close + 1] == ':') port = entry.substr(close + 2);
    entry = entry.substr(1, close - 1);
  } else if (std::count(entry.begin(), entry.end(), ':') == 1) {
    port = entry.substr(entry.find(':') + 1);
    entry.erase(entry.find(':'));
  }
  if (!port.empty() && port != std::to_string(url.port)) return false;
  if (entry.starts_with("*.")) entry.erase(0, 1);
  if (entry.starts_with(".")) entry.erase(0, 1);
  if (entry.empty()) return false;
  return url.host == entry || url.host.ends_with("." + entry);
}

}  // namespace

std::string ProxyTarget::Label() const { return host + ":" + std::to_string(port); }

ProxySettings ProxySettings::FromEnvironment() {
  ProxySettings settings;
  settings.http_proxy = Env("http_proxy", "HTTP_PROXY");
  settings.https_proxy = Env("https_proxy", "HTTPS_PROXY");
  std::string no_proxy = Lower(Env("no_proxy", "NO_PROXY"));
  size_t start = 0;
  while (start <= no_proxy.size()) {
    size_t end = no_proxy.find_first_of(", ", start);
    if (end == std::string::npos) end = no_proxy.size();
    if (end > start) settings.no_proxy.push_back(no_proxy.substr(start, end - start));
    start = end + 1;
  }
  return settings;
}

// Limitation: NO_PROXY entries in CIDR form (10.0.0.0/8) are not understood; such hosts
// go through the proxy unless listed one by one.
Result<std::optional<ProxyTarget>> ProxySettings::For(const Url& url) const {
  const std::string& spec = url.scheme == "https" ? https_proxy : http_proxy;
  if (spec.empty() || IsLoopbackHost(url.host)) return std::optional<ProxyTarget>();
  for (const std::string& entry : no_proxy) {
    if (MatchesNoProxy(entry, url)) return std::optional<ProxyTarget>();
  }

  const char* variable = url.scheme == "https" ? "HTTPS_PROXY" : "HTTP_PROXY";
  std::string text = spec.find("://") == std::string::npos ? "http://" + spec : spec;
  ProxyTarget target;
  // Url::Parse drops user:password@, so the credentials are taken out first.
  size_t authority = text.find("://") + 3;
  size_t at = text.find('@', authority);
  if (at != std::string::npos && at < text.find('/', authority)) {
    std::string user_info = text.substr(authority, at - authority);
    size_t colon = user_info.find(':');
    if (!PercentDecode(user_info.substr(0, colon), &target.username) ||
        (colon != std::string::npos &&
         !PercentDecode(user_info.substr(colon + 1), &target.password))) {
      return InvalidArgumentError(std::string(variable) + " has a malformed user name");
    }
  }
  Result<Url> proxy = Url::Parse(text);
  if (!proxy.ok() || proxy->scheme != "http") {
    // Limitation: TLS to the proxy itself (an https:// proxy URL) is not supported by Poco;
    // the request is refused rather than sent in the clear to a proxy meant to be private.
    return InvalidArgumentError(std::string(variable) + "=" + RedactUrl(spec) +
                                " is not an http://host:port proxy URL; fix or unset it");
  }
  target.host = proxy->host;
  target.port = proxy->port == 0 ? 80 : proxy->port;
  return std::optional<ProxyTarget>(std::move(target));
}

bool IsLoopbackHost(const std::string& host) {
  std::string name = Lower(host);
  if (name == "localhost" || name == "localhost." || name.ends_with(".localhost")) return true;
  Poco::Net::IPAddress address;
  return Poco::Net::IPAddress::tryParse(name, address) && address.isLoopback();
}

}  // namespace modelpusher::internal
