#pragma once

// The `filesystem` registry: versions as folders `<path>/<version>/`, the layout TF Serving
// polls. See README.md for the rules.
//
// Layout under `path`:
//   <version>/                            exactly the model's files, nothing else
//   .modelpusher/<version>.json           what was published: digest, files, blessing, time
//   .staging-<version>-<random>/          a version being assembled (gone after the push)
// Hidden names start with '.', so neither TF Serving (numeric names only) nor ListVersions
// takes them for versions.

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include "modelpusher/model_registry.h"
#include "modelpusher/plugin_abi.h"
#include "modelpusher/status.h"

namespace modelpusher::registry_filesystem {

/// One `registries:` entry of type `filesystem`, checked.
struct FilesystemConfig {
  /// Absolute and lexically normal.
  std::string path;
  /// Mode for created folders (files get it without the execute bits); unset: the umask's.
  std::optional<mode_t> mode;
};

/// Reads `type`, `path` (relative to `context.config_dir`, or to the current folder when
/// that is empty), `mode` (octal text: "0755", "2775", "0o750") and `name` (the core's
/// label, ignored here).
/// Errors: kInvalidArgument with the config location, for a missing `path`, `path_in_repo`
/// (which has no meaning for folders, see README.md), a bad mode or an unknown key.
Result<FilesystemConfig> ParseConfig(const RegistryContext& context);

/// The registry over `config.path`. Nothing is touched until ListVersions or Publish.
std::unique_ptr<ModelRegistry> MakeFilesystemRegistry(FilesystemConfig config);

/// ParseConfig, then MakeFilesystemRegistry: the plugin's factory.
Result<std::unique_ptr<ModelRegistry>> MakeFilesystemRegistry(const RegistryContext& context);

}  // namespace modelpusher::registry_filesystem
