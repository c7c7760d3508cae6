#pragma once

// Shared helpers for the filesystem registry's tests.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "filesystem_registry.h"
#include "modelpusher/config_value.h"
#include "modelpusher/plugin_abi.h"

namespace modelpusher::registry_filesystem::test {

/// A `registries:` entry as the config loader would build it.
inline ConfigValue RegistryConfig(const std::map<std::string, std::string>& entries) {
  ConfigValue config = ConfigValue::Map({"push.yaml", 7, 5});
  int line = 7;
  for (const auto& [key, value] : entries) {
    config.Set(key, ConfigValue::Scalar(value, false, {"push.yaml", line++, 11}));
  }
  if (config.Find("type") == nullptr) {
    config.Set("type", ConfigValue::Scalar("filesystem", false, {"push.yaml", 7, 11}));
  }
  return config;
}

/// A registry over `path`, made through the plugin's factory path (config parsing included).
inline std::unique_ptr<ModelRegistry> RegistryAt(const std::string& path) {
  ConfigValue config = RegistryConfig({{"path", path}});
  RegistryContext context{&config, "{version}", "/"};
  auto made = MakeFilesystemRegistry(context);
  return made.ok() ? std::move(made).value() : nullptr;
}

/// Every regular file below `root`, read by the test itself: relative path -> content.
inline std::map<std::string, std::string> ReadTree(const std::string& root) {
  std::map<std::string, std::string> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    out[std::filesystem::relative(entry.path(), root).generic_string()] = content.str();
  }
  return out;
}

/// Names directly inside `folder` (hidden ones included), sorted.
inline std::vector<std::string> Children(const std::string& folder) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    out.push_back(entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace modelpusher::registry_filesystem::test
