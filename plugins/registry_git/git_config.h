#pragma once

// The `git` registry's block of the config, parsed and checked.

#include <cstdint>
#include <string>
#include <vector>

#include "modelpusher/plugin_abi.h"
#include "modelpusher/secret.h"
#include "modelpusher/status.h"

namespace modelpusher::git {

/// Files above this many bytes always go through LFS: the core computes no git blob id for
/// them (kGitBlobIdLimit), and a plain blob that large bloats every clone.
inline constexpr uint64_t kMaxPlainBlob = 10 * 1024 * 1024;

struct GitConfig {
  /// The remote as written (https://, http://, ssh:// or file://), without credentials.
  std::string url;
  /// "branch" or "tag".
  std::string ref_type = "branch";
  /// The branch a version starts from; empty means the remote's default branch.
  std::string base;
  std::string author_name = "modelpusher";
  std::string author_email = "modelpusher@localhost";
  /// Files strictly larger than this go through LFS.
  uint64_t lfs_threshold = kMaxPlainBlob;
  /// gitattributes patterns whose files always go through LFS (non-empty files only).
  std::vector<std::string> lfs_patterns;
  /// The LFS server; empty means git-lfs's default, derived from `url`.
  std::string lfs_url;
  /// HTTP(S) credentials: user name (empty: "modelpusher" over HTTP, which token-only
  /// servers accept, and "git" over SSH unless the URL names one) and password or token.
  std::string username;
  Secret password;
  /// SSH: private key path (absolute after parsing), optional public key and passphrase.
  std::string ssh_key;
  std::string ssh_public_key;
  Secret ssh_passphrase;
  /// Where the model goes inside the repository, normalised ("" for the root).
  std::string path_in_repo;
  /// From RegistryContext: tells version refs apart from other refs.
  std::string ref_template = "{version}";
};

/// Parses and validates the registry block. Errors: kInvalidArgument with the config
/// location (unknown key, bad scheme, credentials inside the URL, bad threshold, ...);
/// kNotFound when a secret reference names an unset variable or a missing file.
Result<GitConfig> ParseGitConfig(const RegistryContext& context);

/// The user name for HTTP Basic auth: `username`, or "modelpusher".
std::string HttpUser(const GitConfig& config);

/// "refs/heads/<ref>" or "refs/tags/<ref>".
std::string FullRefName(const GitConfig& config, const std::string& ref);

/// The JSON Schema of the block (shipped in the descriptor). An array, so that the
/// descriptor pointing at it is initialised at load time without running any code.
extern const char kGitConfigSchema[];

}  // namespace modelpusher::git
