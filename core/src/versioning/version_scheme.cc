#include "versioning/version_scheme.h"

#include <cstdlib>
#include <ctime>
#include <regex>

#include "modelpusher/versioning.h"

namespace modelpusher::internal {
namespace {

std::string Utc(int64_t now) {
  std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string NextSemver(const std::vector<std::string>& existing, const std::string& bump) {
  static const std::regex kSemver(R"(^v?(\d+)\.(\d+)\.(\d+)$)");
  long major = 0, minor = 0, patch = 0;
  bool found = false;
  std::string highest;
  for (const auto& v : existing) {
    std::smatch m;
    if (!std::regex_match(v, m, kSemver)) continue;
    if (found && CompareVersions(v, highest) <= 0) continue;
    found = true;
    highest = v;
    major = std::stol(m[1]);
    minor = std::stol(m[2]);
    patch = std::stol(m[3]);
  }
  if (bump == "major") {
    ++major;
    minor = patch = 0;
  } else if (bump == "minor") {
    ++minor;
    patch = 0;
  } else {
    ++patch;
  }
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::string ShortDigest(const std::string& digest) {
  size_t colon = digest.find(':');
  return digest.substr(colon == std::string::npos ? 0 : colon + 1, 12);
}

Result<std::string> RenderTemplate(const VersioningSpec& spec, const VersionInputs& in) {
  const std::string& t = spec.version_template;
  std::string out;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] != '{') {
      out.push_back(t[i]);
      continue;
    }
    size_t close = t.find('}', i);
    if (close == std::string::npos) {
      return InvalidArgumentError("versioning.template '" + t + "' has an unclosed '{'");
    }
    std::string name = t.substr(i + 1, close - i - 1);
    if (name == "timestamp") {
      out += std::to_string(in.now);
    } else if (name == "utc") {
      out += Utc(in.now);
    } else if (name == "digest") {
      out += ShortDigest(in.digest);
    } else if (name == "semver") {
      out += NextSemver(in.existing, spec.bump);
    } else if (name.rfind("env:", 0) == 0) {
      const char* v = std::getenv(name.substr(4).c_str());
      if (v == nullptr || *v == '\0') {
        return InvalidArgumentError("versioning.template uses {" + name + "} but " +
                                    name.substr(4) + " is not set; export it");
      }
      out += v;
    } else {
      return InvalidArgumentError("versioning.template has unknown placeholder {" + name +
                                  "}; use {timestamp}, {utc}, {digest}, {semver} or "
                                  "{env:NAME}");
    }
    i = close;
  }
  return out;
}

}  // namespace

Result<int64_t> Now() {
  if (const char* pinned = std::getenv("MODELPUSHER_NOW"); pinned && *pinned) {
    char* end = nullptr;
    long long v = std::strtoll(pinned, &end, 10);
    if (*end != '\0' || v < 0) {
      return InvalidArgumentError(std::string("MODELPUSHER_NOW='") + pinned +
                                  "' is not whole seconds since the epoch");
    }
    return static_cast<int64_t>(v);
  }
  return static_cast<int64_t>(std::time(nullptr));
}

Result<std::string> ComputeVersion(const VersioningSpec& spec, const VersionInputs& in) {
  if (spec.scheme == "timestamp") return std::to_string(in.now);
  if (spec.scheme == "utc") return Utc(in.now);
  if (spec.scheme == "digest") return ShortDigest(in.digest);
  if (spec.scheme == "semver") return NextSemver(in.existing, spec.bump);
  if (spec.scheme == "template") return RenderTemplate(spec, in);
  return InvalidArgumentError("unknown versioning scheme '" + spec.scheme + "'");
}

}  // namespace modelpusher::internal
