#pragma once

// Which files go through Git LFS, and the .gitattributes that says so.

#include <cstdint>
#include <string>
#include <vector>

namespace modelpusher::git {

/// True when a gitattributes `pattern` matches the repository path `path` ('/'-separated,
/// no leading '/'), as git does: a pattern without '/' matches the file name at any depth;
/// one with '/' matches the whole path from the root; "**" spans folders; "\" escapes.
bool AttributesPatternMatches(const std::string& pattern, const std::string& path);

/// A file to be published, with its path from the repository root.
struct PlannedFile {
  std::string path;
  uint64_t size = 0;
};

struct LfsPlan {
  /// Per input file, in order: store it as an LFS pointer.
  std::vector<bool> lfs;
  /// The root .gitattributes to publish: `existing` unchanged, followed by one line per new
  /// rule. Empty when there is none.
  std::string gitattributes;
  /// The rules this plan added (for logs and tests).
  std::vector<std::string> added_patterns;
};

/// Decides LFS per file and the rules that describe it.
///
/// A file goes through LFS when it is non-empty, is not a .gitattributes or .gitignore, and
/// is larger than `threshold` or kMaxPlainBlob, or matches an LFS rule (from `existing` or
/// `config_patterns`). Every LFS file is then covered by a rule, chosen so that no file that
/// must stay plain matches it: first an extension pattern (`*.mds`, `*.7z.*` for split
/// archives, `*tfevents*`), then the same inside its folder (`/logs/*.v2`), and only then
/// the file's own path. So 300 `*.mds` shards add one line, never 300.
/// Every file matching a rule of the final file is LFS (unless empty or special), which
/// keeps `git lfs` on a clone from seeing modified files.
LfsPlan PlanLfs(const std::vector<PlannedFile>& files, uint64_t threshold,
                const std::vector<std::string>& config_patterns, const std::string& existing);

}  // namespace modelpusher::git
