#include <cctype>
#include <cstdlib>
#include <vector>

#include "modelpusher/versioning.h"

namespace modelpusher {

Result<std::string> RenderRefTemplate(const std::string& ref_template,
                                      const std::string& version) {
  static const std::string kPlaceholder = "{version}";
  std::string out;
  for (size_t i = 0; i < ref_template.size();) {
    if (ref_template.compare(i, kPlaceholder.size(), kPlaceholder) == 0) {
      out += version;
      i += kPlaceholder.size();
      continue;
    }
    if (ref_template[i] == '{' || ref_template[i] == '}') {
      return InvalidArgumentError("ref template '" + ref_template +
                                  "' may only use the placeholder {version}");
    }
    out.push_back(ref_template[i++]);
  }
  return out;
}

std::optional<std::string> MatchRefTemplate(const std::string& ref_template,
                                            const std::string& ref) {
  static const std::string kPlaceholder = "{version}";
  size_t pos = ref_template.find(kPlaceholder);
  if (pos == std::string::npos) return std::nullopt;
  std::string prefix = ref_template.substr(0, pos);
  std::string suffix = ref_template.substr(pos + kPlaceholder.size());
  if (ref.size() <= prefix.size() + suffix.size()) return std::nullopt;
  if (ref.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  if (ref.compare(ref.size() - suffix.size(), suffix.size(), suffix) != 0) return std::nullopt;
  return ref.substr(prefix.size(), ref.size() - prefix.size() - suffix.size());
}

Status CheckRefName(const std::string& name) {
  auto refuse = [&](const std::string& why) {
    return InvalidArgumentError("ref name '" + name + "' is not valid in git: " + why);
  };
  if (name.empty()) return refuse("it is empty");
  if (name.size() > 255) return refuse("it is longer than 255 bytes");
  if (name.rfind("refs/pr/", 0) == 0 || name.rfind("refs/", 0) == 0) {
    return refuse("names under refs/ (such as the Hub's pull-request refs refs/pr/N) are "
                  "reserved; use a plain branch or tag name");
  }
  if (name == "@") return refuse("'@' alone is reserved");
  if (name.find("..") != std::string::npos) return refuse("it contains '..'");
  if (name.find("@{") != std::string::npos) return refuse("it contains '@{'");
  if (name.find("//") != std::string::npos) return refuse("it contains '//'");
  if (name.front() == '/' || name.back() == '/') return refuse("it starts or ends with '/'");
  if (name.back() == '.') return refuse("it ends with '.'");
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return refuse("it contains a control character");
    if (c == ' ' || c == '~' || c == '^' || c == ':' || c == '?' || c == '*' || c == '[' ||
        c == '\\') {
      return refuse(std::string("it contains '") + char(c) + "'");
    }
  }
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    std::string component = name.substr(start, end - start);
    if (!component.empty() && component.front() == '.') {
      return refuse("a component starts with '.'");
    }
    if (component.size() >= 5 && component.compare(component.size() - 5, 5, ".lock") == 0) {
      return refuse("a component ends with '.lock'");
    }
    start = end + 1;
  }
  return Status::Ok();
}

namespace {

bool IsDigits(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!std::isdigit(c)) return false;
  }
  return true;
}

struct SemVer {
  long major = 0, minor = 0, patch = 0;
  std::string pre;
};

bool ParseSemVer(std::string s, SemVer* out) {
  if (!s.empty() && (s[0] == 'v' || s[0] == 'V')) s.erase(0, 1);
  size_t plus = s.find('+');
  if (plus != std::string::npos) s.erase(plus);
  size_t dash = s.find('-');
  if (dash != std::string::npos) {
    out->pre = s.substr(dash + 1);
    s.erase(dash);
  }
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    parts.push_back(s.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (parts.size() != 3) return false;
  for (const auto& p : parts) {
    if (!IsDigits(p)) return false;
  }
  out->major = std::strtol(parts[0].c_str(), nullptr, 10);
  out->minor = std::strtol(parts[1].c_str(), nullptr, 10);
  out->patch = std::strtol(parts[2].c_str(), nullptr, 10);
  return true;
}

int Sign(long long v) { return v < 0 ? -1 : v > 0 ? 1 : 0; }

}  // namespace

int CompareVersions(const std::string& a, const std::string& b) {
  if (IsDigits(a) && IsDigits(b)) {
    std::string x = a.substr(std::min(a.find_first_not_of('0'), a.size() - 1));
    std::string y = b.substr(std::min(b.find_first_not_of('0'), b.size() - 1));
    if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
    return Sign(x.compare(y));
  }
  SemVer sa, sb;
  if (ParseSemVer(a, &sa) && ParseSemVer(b, &sb)) {
    if (sa.major != sb.major) return Sign(sa.major - sb.major);
    if (sa.minor != sb.minor) return Sign(sa.minor - sb.minor);
    if (sa.patch != sb.patch) return Sign(sa.patch - sb.patch);
    if (sa.pre.empty() != sb.pre.empty()) return sa.pre.empty() ? 1 : -1;
    return Sign(sa.pre.compare(sb.pre));
  }
  return Sign(a.compare(b));
}

}  // namespace modelpusher
