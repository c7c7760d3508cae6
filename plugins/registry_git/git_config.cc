#include "git_config.h"

#include <cctype>
#include <filesystem>
#include <set>

#include "modelpusher/path_map.h"
#include "modelpusher/url.h"

namespace modelpusher::git {
namespace {

const std::set<std::string> kKnownKeys = {
    "type",         "name",         "url",           "ref_type",      "base",
    "author",       "lfs_threshold", "lfs_patterns", "lfs_url",       "username",
    "token",        "password",     "ssh_key",       "ssh_public_key", "ssh_passphrase",
    "path_in_repo"};

// "1024", "1KiB", "10 MiB", "5MB": sizes as people write them.
Result<uint64_t> ParseSize(const ConfigValue& node) {
  std::string text = node.text();
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) return node.Error("lfs_threshold must be a size in bytes, e.g. 1048576 or 10MiB");
  uint64_t number = std::stoull(text.substr(0, i));
  std::string unit = text.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  static const std::pair<const char*, uint64_t> kUnits[] = {
      {"", 1},           {"B", 1},       {"KiB", 1024},        {"MiB", 1024 * 1024},
      {"GiB", 1ull << 30}, {"KB", 1000}, {"kB", 1000},         {"MB", 1000 * 1000},
      {"GB", 1000ull * 1000 * 1000}};
  for (const auto& [name, factor] : kUnits) {
    if (unit == name) return number * factor;
  }
  return node.Error("lfs_threshold: unknown unit '" + unit + "' (use B, KiB, MiB, KB, MB)");
}

Status CheckUrl(const ConfigValue& node, const std::string& url) {
  auto scheme_end = url.find("://");
  std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "https" && scheme != "http" && scheme != "ssh" && scheme != "file") {
    return node.Error("url must start with https://, http://, ssh:// or file://, got '" +
                      RedactUrl(url) + "'");
  }
  std::string rest = url.substr(scheme_end + 3);
  std::string authority = rest.substr(0, rest.find('/'));
  auto at = authority.find('@');
  if (at != std::string::npos && authority.substr(0, at).find(':') != std::string::npos) {
    return node.Error("url must not hold a password; give it as `token: {env: NAME}`");
  }
  if ((scheme == "http" || scheme == "https") && at != std::string::npos) {
    return node.Error("url must not hold a user name; give it as `username:`");
  }
  if (scheme == "file" && (rest.empty() || rest[0] != '/')) {
    return node.Error("a file:// url needs an absolute path: file:///srv/git/model.git");
  }
  return Status::Ok();
}

Status ParseAuthor(const ConfigValue& node, GitConfig& config) {
  if (!node.is_map()) return node.Error("author must be a map {name: ..., email: ...}");
  MP_ASSIGN_OR_RETURN(config.author_name, node.GetString("name", config.author_name));
  MP_ASSIGN_OR_RETURN(config.author_email, node.GetString("email", config.author_email));
  if (config.author_name.empty() || config.author_email.empty()) {
    return node.Error("author needs a non-empty name and email");
  }
  return Status::Ok();
}

Status ParsePatterns(const ConfigValue& node, GitConfig& config) {
  if (!node.is_list()) return node.Error("lfs_patterns must be a list of gitattributes patterns");
  for (const ConfigValue& item : node.items()) {
    if (!item.is_scalar() || item.text().empty()) {
      return item.Error("lfs_patterns entries must be non-empty strings such as '*.bin'");
    }
    if (item.text().find_first_of(" \t") != std::string::npos) {
      return item.Error("an lfs pattern cannot hold white space; use [[:space:]]");
    }
    config.lfs_patterns.push_back(item.text());
  }
  return Status::Ok();
}

Status ParseCredentials(const ConfigValue& block, const std::string& config_dir,
                        GitConfig& config) {
  MP_ASSIGN_OR_RETURN(config.username, block.GetString("username", config.username));
  for (const char* key : {"token", "password"}) {
    if (const ConfigValue* ref = block.Find(key)) {
      MP_ASSIGN_OR_RETURN(config.password, ResolveSecret(*ref, config_dir));
    }
  }
  if (const ConfigValue* ref = block.Find("ssh_passphrase")) {
    MP_ASSIGN_OR_RETURN(config.ssh_passphrase, ResolveSecret(*ref, config_dir));
  }
  for (auto [key, out] : {std::pair{"ssh_key", &config.ssh_key},
                          std::pair{"ssh_public_key", &config.ssh_public_key}}) {
    MP_ASSIGN_OR_RETURN(std::string path, block.GetString(key, ""));
    if (!path.empty() && std::filesystem::path(path).is_relative()) {
      path = (std::filesystem::path(config_dir) / path).string();
    }
    *out = path;
  }
  return Status::Ok();
}

}  // namespace

Result<GitConfig> ParseGitConfig(const RegistryContext& context) {
  if (context.config == nullptr || !context.config->is_map()) {
    return InvalidArgumentError("the git registry needs a map of settings");
  }
  const ConfigValue& block = *context.config;
  for (const auto& [key, value] : block.entries()) {
    if (!kKnownKeys.count(key)) return value.Error("unknown key '" + key + "' for type git");
  }
  GitConfig config;
  if (!context.ref_template.empty()) config.ref_template = context.ref_template;

  MP_ASSIGN_OR_RETURN(config.url, block.RequireString("url"));
  MP_RETURN_IF_ERROR(CheckUrl(*block.Find("url"), config.url));
  while (config.url.size() > 1 && config.url.back() == '/') config.url.pop_back();
  MP_ASSIGN_OR_RETURN(config.ref_type, block.GetString("ref_type", "branch"));
  if (config.ref_type != "branch" && config.ref_type != "tag") {
    return block.Find("ref_type")->Error("ref_type must be 'branch' or 'tag'");
  }
  MP_ASSIGN_OR_RETURN(config.base, block.GetString("base", ""));
  MP_ASSIGN_OR_RETURN(config.lfs_url, block.GetString("lfs_url", ""));
  if (const ConfigValue* author = block.Find("author")) {
    MP_RETURN_IF_ERROR(ParseAuthor(*author, config));
  }

  if (const ConfigValue* threshold = block.Find("lfs_threshold")) {
    MP_ASSIGN_OR_RETURN(config.lfs_threshold, ParseSize(*threshold));
    if (config.lfs_threshold > kMaxPlainBlob) {
      return threshold->Error("lfs_threshold above 10MiB is not supported: larger files always "
                              "go through LFS");
    }
  }
  if (const ConfigValue* patterns = block.Find("lfs_patterns")) {
    MP_RETURN_IF_ERROR(ParsePatterns(*patterns, config));
  }
  MP_RETURN_IF_ERROR(ParseCredentials(block, context.config_dir, config));

  MP_ASSIGN_OR_RETURN(std::string prefix, block.GetString("path_in_repo", ""));
  auto normalised = NormalizePrefix(prefix);
  if (!normalised.ok()) return block.Find("path_in_repo")->Error(normalised.status().message());
  config.path_in_repo = *normalised;
  return config;
}

std::string HttpUser(const GitConfig& config) {
  return config.username.empty() ? "modelpusher" : config.username;
}

std::string FullRefName(const GitConfig& config, const std::string& ref) {
  return (config.ref_type == "tag" ? "refs/tags/" : "refs/heads/") + ref;
}

const char kGitConfigSchema[] = R"JSON({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "git registry",
  "type": "object",
  "required": ["type", "url"],
  "additionalProperties": false,
  "$defs": {
    "secret": {
      "type": "object",
      "minProperties": 1,
      "maxProperties": 1,
      "properties": {"env": {"type": "string"}, "file": {"type": "string"}},
      "additionalProperties": false
    }
  },
  "properties": {
    "type": {"const": "git"},
    "name": {"type": "string"},
    "url": {"type": "string", "pattern": "^(https?|ssh|file)://",
            "description": "The remote, without credentials."},
    "ref_type": {"enum": ["branch", "tag"], "default": "branch"},
    "base": {"type": "string",
             "description": "Branch each version starts from; default: the remote's HEAD."},
    "author": {"type": "object", "additionalProperties": false,
               "properties": {"name": {"type": "string"}, "email": {"type": "string"}}},
    "lfs_threshold": {"oneOf": [{"type": "integer", "minimum": 0, "maximum": 10485760},
                                {"type": "string", "pattern": "^[0-9]+ ?(B|KiB|MiB|KB|kB|MB)?$"}],
                      "description": "Files larger than this go through Git LFS (default 10MiB)."},
    "lfs_patterns": {"type": "array", "items": {"type": "string", "minLength": 1}},
    "lfs_url": {"type": "string", "description": "LFS server; default <url>.git/info/lfs."},
    "username": {"type": "string"},
    "token": {"$ref": "#/$defs/secret"},
    "password": {"$ref": "#/$defs/secret"},
    "ssh_key": {"type": "string"},
    "ssh_public_key": {"type": "string"},
    "ssh_passphrase": {"$ref": "#/$defs/secret"},
    "path_in_repo": {"type": "string"}
  }
})JSON";

}  // namespace modelpusher::git
