#include "hf_config.h"

#include <cstdlib>

#include "modelpusher/path_map.h"

namespace modelpusher::hf {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

// Owner and name follow the Hub's rules loosely: letters, digits, '-', '_', '.'; the Hub
// itself gives the precise refusal, we only catch what would break URLs.
bool ValidIdPart(const std::string& s) {
  if (s.empty() || s.size() > 96 || s == "." || s == "..") return false;
  for (unsigned char c : s) {
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

Status ParseRepo(const ConfigValue& block, HfConfig* out) {
  MP_ASSIGN_OR_RETURN(std::string repo, block.RequireString("repo"));
  const ConfigValue* node = block.Find("repo");
  size_t slash = repo.find('/');
  if (slash == std::string::npos || repo.find('/', slash + 1) != std::string::npos) {
    return node->Error("repo '" + repo + "' must be owner/name (the owner may be an "
                       "organisation), e.g. my-org/penguin-classifier");
  }
  out->owner = repo.substr(0, slash);
  out->name = repo.substr(slash + 1);
  if (!ValidIdPart(out->owner) || !ValidIdPart(out->name)) {
    return node->Error("repo '" + repo + "': owner and name may hold only letters, digits, "
                       "'-', '_' and '.'");
  }
  return Status::Ok();
}

Status ParseToken(const ConfigValue& block, const std::string& config_dir, HfConfig* out) {
  const ConfigValue* ref = block.Find("token");
  if (ref == nullptr || ref->is_null()) {
    MP_ASSIGN_OR_RETURN(out->token, LookupDefaultToken(&out->token_origin));
    return Status::Ok();
  }
  MP_ASSIGN_OR_RETURN(out->token, ResolveSecret(*ref, config_dir));
  out->token_origin = "config token at " + ref->location().ToString();
  return Status::Ok();
}

Status ParseRefType(const ConfigValue& block, HfConfig* out) {
  MP_ASSIGN_OR_RETURN(std::string ref_type, block.GetString("ref_type", "branch"));
  if (ref_type == "branch") {
    out->ref_type = RefType::kBranch;
  } else if (ref_type == "tag") {
    out->ref_type = RefType::kTag;
  } else {
    return block.Find("ref_type")->Error("ref_type must be 'branch' or 'tag'");
  }
  return Status::Ok();
}

Status ParseSizes(const ConfigValue& block, HfConfig* out) {
  MP_ASSIGN_OR_RETURN(int64_t threshold,
                      block.GetInt("lfs_threshold", static_cast<int64_t>(kHubRegularFileLimit)));
  if (threshold < 1 || static_cast<uint64_t>(threshold) > kHubRegularFileLimit) {
    return block.Find("lfs_threshold")->Error(
        "lfs_threshold must be between 1 and 10485760 bytes (the Hub refuses regular files "
        "above 10 MiB)");
  }
  out->lfs_threshold = static_cast<uint64_t>(threshold);
  MP_ASSIGN_OR_RETURN(int64_t budget, block.GetInt("max_commit_bytes",
                                                   static_cast<int64_t>(out->max_commit_bytes)));
  if (budget < 4096) {
    return block.Find("max_commit_bytes")->Error("max_commit_bytes must be at least 4096");
  }
  out->max_commit_bytes = static_cast<uint64_t>(budget);
  return Status::Ok();
}

const char* const kKnownKeys[] = {"type",     "repo",          "private",    "endpoint",
                                  "token",    "ref_type",      "base",       "path_in_repo",
                                  "model_card", "lfs_threshold", "max_commit_bytes"};

Status CheckKeys(const ConfigValue& block) {
  for (const auto& [key, value] : block.entries()) {
    bool known = false;
    for (const char* k : kKnownKeys) known = known || key == k;
    if (!known) return value.Error("unknown key '" + key + "' in a huggingface registry");
  }
  return Status::Ok();
}

}  // namespace

std::string DefaultEndpoint() {
  std::string e = Env("HF_ENDPOINT");
  while (!e.empty() && e.back() == '/') e.pop_back();
  return e.empty() ? "https://huggingface.co" : e;
}

Result<Secret> LookupDefaultToken(std::string* origin) {
  for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
    Secret s = SecretFromEnv({name});
    if (!s.empty()) {
      *origin = std::string("environment variable ") + name;
      return s;
    }
  }
  std::string path = Env("HF_TOKEN_PATH");
  if (path.empty()) {
    std::string home = Env("HF_HOME");
    if (home.empty()) {
      std::string xdg = Env("XDG_CACHE_HOME");
      home = xdg.empty() ? Env("HOME") + "/.cache/huggingface" : xdg + "/huggingface";
    }
    path = home + "/token";
  }
  MP_ASSIGN_OR_RETURN(Secret s, SecretFromFile(path));
  *origin = s.empty() ? "" : "token file " + path;
  return s;
}

Result<HfConfig> ParseHfConfig(const ConfigValue& block, const std::string& config_dir) {
  if (!block.is_map()) return block.Error("a huggingface registry is a map");
  MP_RETURN_IF_ERROR(CheckKeys(block));
  HfConfig cfg;
  MP_RETURN_IF_ERROR(ParseRepo(block, &cfg));
  MP_ASSIGN_OR_RETURN(cfg.private_repo, block.GetBool("private", true));
  MP_ASSIGN_OR_RETURN(cfg.endpoint, block.GetString("endpoint", DefaultEndpoint()));
  while (!cfg.endpoint.empty() && cfg.endpoint.back() == '/') cfg.endpoint.pop_back();
  if (cfg.endpoint.rfind("http://", 0) != 0 && cfg.endpoint.rfind("https://", 0) != 0) {
    return block.Error("endpoint '" + cfg.endpoint + "' must start with http:// or https://");
  }
  MP_RETURN_IF_ERROR(ParseToken(block, config_dir, &cfg));
  MP_RETURN_IF_ERROR(ParseRefType(block, &cfg));
  MP_ASSIGN_OR_RETURN(cfg.base, block.GetString("base", "main"));
  MP_ASSIGN_OR_RETURN(std::string prefix, block.GetString("path_in_repo", ""));
  MP_ASSIGN_OR_RETURN(cfg.path_in_repo, NormalizePrefix(prefix));
  MP_ASSIGN_OR_RETURN(cfg.model_card, block.GetBool("model_card", true));
  MP_RETURN_IF_ERROR(ParseSizes(block, &cfg));
  return cfg;
}

const char* const kHfConfigSchema = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "huggingface registry",
  "type": "object",
  "required": ["type", "repo"],
  "additionalProperties": false,
  "properties": {
    "type": {"const": "huggingface"},
    "repo": {"type": "string", "pattern": "^[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$",
             "description": "owner/name; the owner may be an organisation"},
    "private": {"type": "boolean", "default": true,
                "description": "visibility when the repository is created"},
    "endpoint": {"type": "string", "pattern": "^https?://",
                 "description": "default: HF_ENDPOINT, else https://huggingface.co"},
    "token": {
      "description": "default: HF_TOKEN, HUGGING_FACE_HUB_TOKEN, then HF_TOKEN_PATH or $HF_HOME/token",
      "oneOf": [
        {"type": "object", "required": ["env"], "additionalProperties": false,
         "properties": {"env": {"type": "string", "minLength": 1}}},
        {"type": "object", "required": ["file"], "additionalProperties": false,
         "properties": {"file": {"type": "string", "minLength": 1}}}
      ]
    },
    "ref_type": {"enum": ["branch", "tag"], "default": "branch"},
    "base": {"type": "string", "default": "main",
             "description": "the revision a new version branch starts from"},
    "path_in_repo": {"type": "string", "default": "",
                     "description": "folder inside the repository that receives the files"},
    "model_card": {"type": "boolean", "default": true,
                   "description": "generate README.md unless the model ships one"},
    "lfs_threshold": {"type": "integer", "minimum": 1, "maximum": 10485760,
                      "default": 10485760,
                      "description": "files larger than this go through LFS; equal or smaller are regular unless the Hub's preupload says lfs"},
    "max_commit_bytes": {"type": "integer", "minimum": 4096, "default": 8388608,
                         "description": "commit body budget; larger versions are assembled in several commits on a staging branch"}
  }
})json";

}  // namespace modelpusher::hf
