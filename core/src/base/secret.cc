#include "modelpusher/secret.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "modelpusher/log.h"

namespace modelpusher {
namespace {

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace

Secret::Secret(std::string value) : value_(Trim(std::move(value))) {
  log::RegisterSecret(value_);
}

Secret SecretFromEnv(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    const char* v = std::getenv(name.c_str());
    if (v != nullptr && !Trim(v).empty()) return Secret(v);
  }
  return Secret();
}

Result<Secret> SecretFromFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Secret();
  std::ifstream in(path);
  if (!in) return PermissionDeniedError("cannot read secret file " + path);
  std::string line;
  std::getline(in, line);
  return Secret(line);
}

Result<Secret> ResolveSecret(const ConfigValue& ref, const std::string& config_dir) {
  if (ref.is_scalar()) {
    return ref.Error(
        "secrets are never written in the config file; write {env: VARIABLE} or "
        "{file: PATH} instead");
  }
  if (!ref.is_map() || ref.entries().size() != 1) {
    return ref.Error("a secret reference is {env: VARIABLE} or {file: PATH}");
  }
  const auto& [kind, value] = ref.entries().front();
  if (!value.is_scalar() || value.text().empty()) {
    return value.Error("expected a variable name or a file path");
  }
  if (kind == "env") {
    Secret s = SecretFromEnv({value.text()});
    if (s.empty()) {
      return UnauthenticatedError(value.location().ToString() + ": environment variable " +
                                  value.text() +
                                  " (a credential) is not set or empty; export it before running");
    }
    return s;
  }
  if (kind == "file") {
    std::filesystem::path p(value.text());
    if (p.is_relative() && !config_dir.empty()) p = std::filesystem::path(config_dir) / p;
    MP_ASSIGN_OR_RETURN(Secret s, SecretFromFile(p.string()));
    if (s.empty()) {
      return UnauthenticatedError(value.location().ToString() + ": secret file " +
                                  p.string() + " (a credential) is missing or empty");
    }
    return s;
  }
  return ref.Error("unknown secret source '" + kind + "'; use env or file");
}

}  // namespace modelpusher
