#pragma once

// The `huggingface` registry block: parsing, defaults, and the token lookup that mirrors the
// official client (HF_TOKEN, HUGGING_FACE_HUB_TOKEN, then the token file).

#include <cstdint>
#include <string>

#include "modelpusher/config_value.h"
#include "modelpusher/secret.h"
#include "modelpusher/status.h"

namespace modelpusher::hf {

/// The Hub's own limit for a regular (non-LFS) file: larger ones are refused on commit.
inline constexpr uint64_t kHubRegularFileLimit = 10 * 1024 * 1024;

enum class RefType { kBranch, kTag };

/// One `registries:` entry of type huggingface, after defaults.
struct HfConfig {
  std::string owner;
  std::string name;
  bool private_repo = true;
  /// Base URL without trailing '/', e.g. "https://huggingface.co".
  std::string endpoint;
  /// May be empty: ListVersions of a public repo works without one; Publish refuses.
  Secret token;
  /// Where the token came from, for messages ("env HF_TOKEN", "file ~/.cache/..."); never
  /// the token itself.
  std::string token_origin;
  RefType ref_type = RefType::kBranch;
  std::string base = "main";
  /// Normalised prefix ("" = repo root).
  std::string path_in_repo;
  bool model_card = true;
  /// Files strictly larger than this always go through LFS; files of exactly this size or
  /// smaller are regular unless preupload says otherwise.
  uint64_t lfs_threshold = kHubRegularFileLimit;
  /// Target commit body budget in bytes; a commit above it is split (see hf_publish_plan.h).
  // The commit body (inline files, base64) is built in memory. 8 MiB keeps a push within the
  // 64 MiB memory budget (measured: 3,000 small files peak at 53 MiB; 69 MiB at 16 MiB);
  // larger inline payloads become several commits on the staging branch, one version still.
  uint64_t max_commit_bytes = 8ull * 1024 * 1024;

  std::string RepoId() const { return owner + "/" + name; }
};

/// Parses `block` (the registry's map). `config_dir` resolves relative `{file: ...}` tokens.
/// Errors: kInvalidArgument with the config location; kNotFound when an explicit token
/// reference cannot be resolved.
Result<HfConfig> ParseHfConfig(const ConfigValue& block, const std::string& config_dir);

/// The token as the official client finds it when the config names none: HF_TOKEN,
/// HUGGING_FACE_HUB_TOKEN, then the file HF_TOKEN_PATH or $HF_HOME/token (HF_HOME defaults
/// to $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface). `origin` receives where it
/// came from. An empty Secret when none is found.
Result<Secret> LookupDefaultToken(std::string* origin);

/// The endpoint when the config names none: HF_ENDPOINT (trailing '/' removed), else
/// https://huggingface.co.
std::string DefaultEndpoint();

/// JSON Schema of the block, for the plugin descriptor.
extern const char* const kHfConfigSchema;

}  // namespace modelpusher::hf
