#pragma once

// Finds, checks and loads plugins, and makes sources and registries from them.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "modelpusher/plugin_abi.h"

namespace modelpusher::internal {

/// A plugin that passed every check.
struct LoadedPlugin {
  std::string path;
  std::string name;
  std::string version;
  mp_plugin_kind kind;
  std::vector<std::string> names;  // schemes or registry types
  std::string config_schema;       // may be empty
  SourceFactory create_source = nullptr;
  RegistryFactory create_registry = nullptr;
};

/// A file that was not loaded, and why (in words that say what to do).
struct RefusedPlugin {
  std::string path;
  std::string reason;
};

/// Search order: the folders given with AddSearchDir (--plugin-dir), then each folder of
/// MODELPUSHER_PLUGIN_PATH, then the bundled folder next to the executable
/// (<exe>/../lib/modelpusher/plugins). Never the current directory: relative folders are
/// refused and empty entries in MODELPUSHER_PLUGIN_PATH are skipped. When two plugins serve
/// the same scheme or type, the first found wins and the other is refused as shadowed.
/// Plugins are never unloaded. Thread safety: discover once, then read from any thread.
class PluginHost {
 public:
  PluginHost() = default;

  void AddSearchDir(const std::string& dir) { explicit_dirs_.push_back(dir); }

  /// Loads every `*.so` of the search folders. Problems with single files are recorded in
  /// refused(), not returned; an error is returned only for a --plugin-dir that is missing.
  Status Discover();

  const std::vector<LoadedPlugin>& plugins() const { return plugins_; }
  const std::vector<RefusedPlugin>& refused() const { return refused_; }
  /// The folders searched, in order.
  const std::vector<std::string>& search_path() const { return search_path_; }

  /// The source plugin for a URI scheme, or kNotFound naming the schemes available.
  Result<const LoadedPlugin*> FindSource(const std::string& scheme) const;
  /// The registry plugin for a `type:`, or kNotFound with a "did you mean".
  Result<const LoadedPlugin*> FindRegistry(const std::string& type) const;

  /// Makes a source for `uri` (options: the map form of `source:` or a null value),
  /// validating options against the plugin's schema first.
  Result<std::unique_ptr<StorageSource>> MakeSource(const std::string& uri,
                                                    const ConfigValue& options) const;
  /// Makes a registry from its config block, validated against the plugin's schema first.
  Result<std::unique_ptr<ModelRegistry>> MakeRegistry(const ConfigValue& block,
                                                      const std::string& ref_template,
                                                      const std::string& config_dir) const;
  /// Validates a registry block against its plugin's schema without making it.
  Status ValidateRegistry(const ConfigValue& block) const;

  /// The folder of bundled plugins for this executable.
  static std::string BundledDir();

 private:
  void LoadFile(const std::string& path);
  void Refuse(const std::string& path, const std::string& reason);

  std::vector<std::string> explicit_dirs_;
  std::vector<std::string> search_path_;
  std::vector<LoadedPlugin> plugins_;
  std::vector<RefusedPlugin> refused_;
};

}  // namespace modelpusher::internal
