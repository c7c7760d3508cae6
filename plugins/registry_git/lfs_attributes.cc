#include "lfs_attributes.h"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "git_config.h"

namespace modelpusher::git {
namespace {

constexpr const char* kLfsAttributes = " filter=lfs diff=lfs merge=lfs -text";

struct Rule {
  std::string pattern;
  bool lfs = false;
};

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) parts.push_back(part);
  if (!text.empty() && text.back() == sep) parts.emplace_back();
  return parts;
}

bool MatchSegments(const std::vector<std::string>& pat, size_t pi,
                   const std::vector<std::string>& path, size_t si) {
  if (pi == pat.size()) return si == path.size();
  if (pat[pi] == "**") {
    for (size_t k = si; k <= path.size(); ++k) {
      if (MatchSegments(pat, pi + 1, path, k)) return true;
    }
    return false;
  }
  if (si == path.size()) return false;
  if (fnmatch(pat[pi].c_str(), path[si].c_str(), 0) != 0) return false;
  return MatchSegments(pat, pi + 1, path, si + 1);
}

std::string BaseName(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string DirName(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// Escapes a literal path component for a gitattributes pattern. White space would end the
// pattern, so it becomes [[:space:]] as `git lfs track` writes it.
std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' || c == '\t') {
      out += "[[:space:]]";
    } else {
      if (c == '*' || c == '?' || c == '[' || c == '\\' || c == '!' || c == '#') out += '\\';
      out += c;
    }
  }
  return out;
}

// Version-like name parts that differ between files of one family: "193", "part-001", "v2".
bool IsVolatile(const std::string& part) {
  std::string p = part;
  std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* prefix : {"part-", "part", "v", "shard-"}) {
    std::string pre(prefix);
    if (p.size() > pre.size() && p.compare(0, pre.size(), pre) == 0 &&
        std::all_of(p.begin() + pre.size(), p.end(), ::isdigit)) {
      return true;
    }
  }
  return !p.empty() && std::all_of(p.begin(), p.end(), ::isdigit);
}

// "*.mds", "*.7z.*", "*tfevents*", or "" when the name has no usable extension.
std::string ExtensionPattern(const std::string& name) {
  if (name.find("tfevents") != std::string::npos) return "*tfevents*";
  std::vector<std::string> parts = Split(name, '.');
  if (parts.size() < 2 || parts[0].empty()) return "";  // "README", ".gitkeep"
  bool stripped = false;
  while (parts.size() > 2 && IsVolatile(parts.back())) {
    parts.pop_back();
    stripped = true;
  }
  const std::string& ext = parts.back();
  if (ext.empty() || IsVolatile(ext)) return "";
  return "*." + Escape(ext) + (stripped ? ".*" : "");
}

std::vector<Rule> ParseRules(const std::string& attributes) {
  std::vector<Rule> rules;
  for (const std::string& raw : Split(attributes, '\n')) {
    std::istringstream words(raw);
    std::string pattern, attr;
    if (!(words >> pattern) || pattern[0] == '#' || pattern[0] == '"' ||
        pattern.rfind("[attr]", 0) == 0) {
      continue;  // Limitation: quoted patterns and macros are kept but not interpreted.
    }
    while (words >> attr) {
      if (attr == "filter=lfs") rules.push_back({pattern, true});
      if (attr == "-filter" || attr == "!filter" ||
          (attr.rfind("filter=", 0) == 0 && attr != "filter=lfs")) {
        rules.push_back({pattern, false});
      }
    }
  }
  return rules;
}

bool IsLfsByRules(const std::vector<Rule>& rules, const std::string& path) {
  bool lfs = false;
  for (const Rule& rule : rules) {
    if (AttributesPatternMatches(rule.pattern, path)) lfs = rule.lfs;  // last match wins
  }
  return lfs;
}

bool Eligible(const PlannedFile& file) {
  std::string name = BaseName(file.path);
  return file.size > 0 && name != ".gitattributes" && name != ".gitignore";
}

}  // namespace

bool AttributesPatternMatches(const std::string& pattern, const std::string& path) {
  if (pattern.empty()) return false;
  if (pattern.find('/') == std::string::npos) {
    return fnmatch(pattern.c_str(), BaseName(path).c_str(), 0) == 0;
  }
  std::string anchored = pattern[0] == '/' ? pattern.substr(1) : pattern;
  return MatchSegments(Split(anchored, '/'), 0, Split(path, '/'), 0);
}

LfsPlan PlanLfs(const std::vector<PlannedFile>& files, uint64_t threshold,
                const std::vector<std::string>& config_patterns, const std::string& existing) {
  LfsPlan plan;
  plan.gitattributes = existing;
  if (!plan.gitattributes.empty() && plan.gitattributes.back() != '\n') plan.gitattributes += '\n';
  std::vector<Rule> rules = ParseRules(existing);
  auto add_rule = [&](const std::string& pattern) {
    rules.push_back({pattern, true});
    plan.added_patterns.push_back(pattern);
    plan.gitattributes += pattern + kLfsAttributes + "\n";
  };
  for (const std::string& pattern : config_patterns) {
    bool present = std::any_of(rules.begin(), rules.end(),
                               [&](const Rule& r) { return r.lfs && r.pattern == pattern; });
    if (!present) add_rule(pattern);
  }

  // What size and the current rules decide; files left plain here must stay plain.
  plan.lfs.resize(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    const PlannedFile& f = files[i];
    plan.lfs[i] = Eligible(f) && (f.size > threshold || f.size > kMaxPlainBlob ||
                                  IsLfsByRules(rules, f.path));
  }
  auto captures_plain = [&](const std::string& pattern) {
    for (size_t i = 0; i < files.size(); ++i) {
      if (!plan.lfs[i] && Eligible(files[i]) && AttributesPatternMatches(pattern, files[i].path)) {
        return true;
      }
    }
    return false;
  };

  // Cover every LFS file by a rule, the broadest one that captures no plain file.
  for (size_t i = 0; i < files.size(); ++i) {
    if (!plan.lfs[i] || IsLfsByRules(rules, files[i].path)) continue;
    std::string ext = ExtensionPattern(BaseName(files[i].path));
    std::string dir = DirName(files[i].path);
    std::vector<std::string> candidates;
    if (!ext.empty()) {
      candidates.push_back(ext);
      candidates.push_back("/" + (dir.empty() ? "" : Escape(dir) + "/") + ext);
    }
    candidates.push_back("/" + Escape(files[i].path));
    for (const std::string& candidate : candidates) {
      if (!captures_plain(candidate) && AttributesPatternMatches(candidate, files[i].path)) {
        add_rule(candidate);
        break;
      }
    }
  }

  // A broad rule must never turn the attribute files themselves into pointers.
  for (const char* special : {".gitattributes", ".gitignore"}) {
    if (IsLfsByRules(rules, special)) {
      plan.gitattributes += std::string(special) + " !filter !diff !merge\n";
      rules.push_back({special, false});
    }
  }
  return plan;
}

}  // namespace modelpusher::git
