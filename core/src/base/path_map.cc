#include "modelpusher/path_map.h"

#include <sstream>
#include <vector>

namespace modelpusher {
namespace {

std::vector<std::string> SplitSegments(const std::string& path) {
  std::vector<std::string> segments;
  std::string current;
  for (char c : path) {
    if (c == '/' || c == '\\') {
      segments.push_back(current);
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  segments.push_back(current);
  return segments;
}

}  // namespace

Result<std::string> NormalizePrefix(const std::string& prefix) {
  std::string out;
  for (const auto& segment : SplitSegments(prefix)) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      return InvalidArgumentError("path prefix '" + prefix +
                                  "' climbs out of the repository with '..'; write a path "
                                  "inside it, such as 'models/m1'");
    }
    if (!out.empty()) out.push_back('/');
    out += segment;
  }
  return out;
}

std::string JoinPath(const std::string& prefix, const std::string& relative) {
  if (prefix.empty()) return relative;
  if (relative.empty()) return prefix;
  return prefix + "/" + relative;
}

Result<std::string> ToPublishedPath(const std::string& native_relative,
                                    bool windows_separators) {
  std::string out;
  out.reserve(native_relative.size());
  for (char c : native_relative) {
    if (c == '\\') {
      if (!windows_separators) {
        return InvalidArgumentError(
            "file name '" + native_relative +
            "' contains a backslash, which would publish as a folder separator on the Hub "
            "and on Windows; rename the file");
      }
      c = '/';
    }
    out.push_back(c);
  }
  while (out.rfind("./", 0) == 0) out.erase(0, 2);
  return out;
}

bool IsGitInternal(const std::string& published_path) {
  for (const auto& segment : SplitSegments(published_path)) {
    if (segment == ".git") return true;
  }
  return false;
}

}  // namespace modelpusher
