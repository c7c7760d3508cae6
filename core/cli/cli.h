#pragma once

// Shared pieces of the subcommands: option parsing, plugin discovery, logging set-up.

#include <map>
#include <string>
#include <vector>

#include "plugin_host/plugin_host.h"

namespace modelpusher::cli {

/// One subcommand's options: name -> values (repeatable options keep every value; flags
/// store "true").
struct Args {
  std::map<std::string, std::vector<std::string>> values;
  bool Has(const std::string& name) const { return values.count(name) > 0; }
  std::string Get(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> All(const std::string& name) const;
};

/// An option a subcommand accepts.
struct OptionSpec {
  std::string name;
  std::string argument;  // empty for a flag
  std::string help;
  bool repeatable = false;
};

/// Parses argv[first..] against `specs` (Poco::Util's option processor, Unix style:
/// --name VALUE, --name=VALUE). Returns false after printing the error and usage.
bool ParseArgs(int argc, char** argv, int first, const std::string& command,
               const std::string& summary, const std::vector<OptionSpec>& specs, Args* out);

/// The options every command that loads plugins shares.
std::vector<OptionSpec> CommonOptions();

/// Applies --log-level (or MODELPUSHER_LOG), then discovers plugins with --plugin-dir.
/// Prints the error and returns false when a --plugin-dir is missing.
bool SetUp(const Args& args, internal::PluginHost* host);

int RunPush(int argc, char** argv);
int RunValidate(int argc, char** argv);
int RunPlugins(int argc, char** argv);
int RunVersions(int argc, char** argv);
int RunSchema(int argc, char** argv);

}  // namespace modelpusher::cli
