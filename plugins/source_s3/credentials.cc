#include "credentials.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace modelpusher::s3 {
namespace {

std::string Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

std::string HomePath(const std::string& tail) {
  std::string home = Env("HOME");
  return home.empty() ? "" : home + "/" + tail;
}

// A missing file is an empty one: AWS's clients treat it the same way.
IniFile LoadIni(const std::string& path) {
  if (path.empty()) return {};
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  return ParseIni(text.str());
}

struct Profile {
  std::map<std::string, std::string> credentials;  // from the credentials file
  std::map<std::string, std::string> config;       // from the config file
  bool found = false;

  std::string Get(const std::string& key) const {
    if (auto it = credentials.find(key); it != credentials.end()) return it->second;
    if (auto it = config.find(key); it != config.end()) return it->second;
    return "";
  }
};

Profile LoadProfile(const std::string& name, std::string* credentials_path,
                    std::string* config_path) {
  *credentials_path = Env("AWS_SHARED_CREDENTIALS_FILE");
  if (credentials_path->empty()) *credentials_path = HomePath(".aws/credentials");
  *config_path = Env("AWS_CONFIG_FILE");
  if (config_path->empty()) *config_path = HomePath(".aws/config");

  Profile profile;
  IniFile credentials = LoadIni(*credentials_path);
  IniFile config = LoadIni(*config_path);
  if (auto it = credentials.find(name); it != credentials.end()) {
    profile.credentials = it->second;
    profile.found = true;
  }
  // The config file names non-default profiles "[profile NAME]"; "[default]" stays bare.
  std::string section = name == "default" ? "default" : "profile " + name;
  auto it = config.find(section);
  if (it == config.end() && name == "default") it = config.find("profile default");
  if (it != config.end()) {
    profile.config = it->second;
    profile.found = true;
  }
  return profile;
}

Result<std::string> OptionString(const ConfigValue* options, const std::string& key) {
  if (options == nullptr || !options->is_map()) return std::string();
  return options->GetString(key, "");
}

Result<bool> OptionBool(const ConfigValue* options, const std::string& key, bool fallback) {
  if (options == nullptr || !options->is_map()) return fallback;
  return options->GetBool(key, fallback);
}

std::string FirstNonEmpty(std::initializer_list<std::string> values) {
  for (const auto& value : values) {
    if (!value.empty()) return value;
  }
  return "";
}

}  // namespace

IniFile ParseIni(const std::string& text) {
  IniFile out;
  std::string section, parent;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::string trimmed = Trim(line);
    if (trimmed.empty() || trimmed[0] == '#' || trimmed[0] == ';') continue;
    if (trimmed.front() == '[' && trimmed.back() == ']') {
      section = Trim(trimmed.substr(1, trimmed.size() - 2));
      parent.clear();
      out[section];
      continue;
    }
    size_t eq = trimmed.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    std::string key = Lower(Trim(trimmed.substr(0, eq)));
    std::string value = Trim(trimmed.substr(eq + 1));
    bool indented = line[0] == ' ' || line[0] == '\t';
    if (!indented) parent = value.empty() ? key : "";
    if (indented && !parent.empty()) key = parent + "." + key;
    out[section][key] = value;
  }
  return out;
}

Result<S3Settings> ResolveSettings(const ConfigValue* options) {
  S3Settings settings;
  MP_ASSIGN_OR_RETURN(std::string option_profile, OptionString(options, "profile"));
  MP_ASSIGN_OR_RETURN(std::string option_region, OptionString(options, "region"));
  MP_ASSIGN_OR_RETURN(std::string option_endpoint, OptionString(options, "endpoint"));
  MP_ASSIGN_OR_RETURN(settings.anonymous, OptionBool(options, "anonymous", false));
  if (options != nullptr && options->is_map()) {
    MP_ASSIGN_OR_RETURN(int64_t page_size, options->GetInt("page_size", 0));
    if (page_size < 0 || page_size > 1000) {
      return options->Find("page_size")->Error("page_size must be between 1 and 1000");
    }
    settings.page_size = static_cast<int>(page_size);
    MP_ASSIGN_OR_RETURN(settings.etag_checksums, options->GetBool("checksums", true));
  }

  std::string profile_name = FirstNonEmpty({option_profile, Env("AWS_PROFILE"), "default"});
  std::string credentials_path, config_path;
  Profile profile = LoadProfile(profile_name, &credentials_path, &config_path);
  if (!option_profile.empty() && !profile.found) {
    return NotFoundError("AWS profile \"" + option_profile + "\" is in neither " +
                         credentials_path + " nor " + config_path +
                         "; add it or fix `profile:` in the source block");
  }

  settings.region = FirstNonEmpty({option_region, Env("AWS_REGION"), Env("AWS_DEFAULT_REGION"),
                                   profile.Get("region"), "us-east-1"});
  settings.endpoint = FirstNonEmpty({option_endpoint, Env("AWS_ENDPOINT_URL_S3"),
                                     Env("AWS_ENDPOINT_URL"), profile.Get("s3.endpoint_url"),
                                     profile.Get("endpoint_url")});
  while (!settings.endpoint.empty() && settings.endpoint.back() == '/') {
    settings.endpoint.pop_back();
  }
  settings.custom_endpoint = !settings.endpoint.empty();
  if (!settings.custom_endpoint) {
    settings.endpoint = "https://s3." + settings.region + ".amazonaws.com";
  }
  // S3-compatible stores rarely resolve BUCKET.host names; AWS itself prefers them.
  std::string style = Lower(profile.Get("s3.addressing_style"));
  bool default_path_style = settings.custom_endpoint ? style != "virtual" : style == "path";
  MP_ASSIGN_OR_RETURN(settings.path_style, OptionBool(options, "path_style", default_path_style));
  if (settings.anonymous) {
    settings.credential_origin = "anonymous";
    return settings;
  }

  std::string env_key = Env("AWS_ACCESS_KEY_ID"), env_secret = Env("AWS_SECRET_ACCESS_KEY");
  if (option_profile.empty() && !env_key.empty() && !env_secret.empty()) {
    settings.credentials = {env_key, Secret(env_secret), Secret(Env("AWS_SESSION_TOKEN"))};
    settings.credential_origin = "environment";
    return settings;
  }
  std::string key = profile.Get("aws_access_key_id");
  std::string secret = profile.Get("aws_secret_access_key");
  if (!key.empty() && !secret.empty()) {
    settings.credentials = {key, Secret(secret), Secret(profile.Get("aws_session_token"))};
    settings.credential_origin = "profile " + profile_name;
    return settings;
  }
  return UnauthenticatedError(
      "no AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are unset and profile \"" +
      profile_name + "\" has no keys in " + credentials_path + " or " + config_path +
      " (instance metadata is not queried); set them, or `anonymous: true` for a public bucket");
}

}  // namespace modelpusher::s3
