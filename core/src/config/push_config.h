#pragma once

// The typed form of a config file: what to push, from where, under which policy, to where.

#include <map>
#include <string>
#include <vector>

#include "modelpusher/config_value.h"
#include "modelpusher/status.h"

namespace modelpusher::internal {

/// One blessing rule (a tree for all/any).
struct BlessingRule {
  enum class Kind { kNone, kTfx, kInfra, kMetrics, kAll, kAny };
  Kind kind = Kind::kNone;
  /// kTfx / kInfra: the artifact folder; kMetrics: the metrics file. Absolute path or URI.
  std::string path;
  /// kMetrics: metric name -> comparison text (">= 0.9").
  std::vector<std::pair<std::string, std::string>> require;
  std::vector<BlessingRule> children;
  SourceLocation where;
};

struct VersioningSpec {
  std::string scheme = "timestamp";
  std::string ref_template = "{version}";
  std::string version_template;  // scheme "template"
  std::string bump = "patch";    // scheme "semver"
};

struct RegistrySpec {
  std::string type;
  /// The label in results: `name:` or the type.
  std::string label;
  /// The registry's whole block, handed to its plugin.
  ConfigValue block;
};

struct PushSpec {
  std::string name;
  /// Absolute path or URI.
  std::string source_uri;
  /// The map form of `source:` (null value for the string form).
  ConfigValue source_options;
  BlessingRule blessing;
  VersioningSpec versioning;
  std::vector<RegistrySpec> registries;
  std::string commit_message = "Publish version {version}";
};

struct Config {
  std::string path;
  /// The config file's folder: relative paths in it are relative to this.
  std::string dir;
  std::vector<PushSpec> pushes;
  /// True when the file used `pushes:`.
  bool batch = false;
};

/// Loads, validates against the core schema and types a config file. Plugin-specific keys
/// are validated later, against each plugin's own schema (see PluginHost).
/// Errors: kNotFound (no file), kInvalidArgument "FILE:LINE:COLUMN: what, and what to do".
Result<Config> LoadConfig(const std::string& path);

/// As LoadConfig, from text (for tests).
Result<Config> ParseConfig(const std::string& text, const std::string& path);

/// Turns a source string into an absolute path or URI: URIs (scheme://) stay, "file://"
/// stays, other strings are paths relative to `base_dir`.
std::string ResolveLocation(const std::string& text, const std::string& base_dir);

/// The URI scheme of a location: "gs", "s3", "file" (also for bare paths).
std::string SchemeOf(const std::string& location);

}  // namespace modelpusher::internal
