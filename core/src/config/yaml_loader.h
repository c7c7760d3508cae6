#pragma once

// Reads a YAML file into a ConfigValue tree, keeping every node's FILE:LINE:COLUMN.

#include <string>

#include "modelpusher/config_value.h"

namespace modelpusher::internal {

/// Parses `text` (named `file_name` in messages). Refuses duplicate keys in a mapping,
/// naming the key and both lines, and expands `${NAME}` / `${NAME:-default}` in scalars
/// from the environment (`$${` writes a literal `${`).
/// Errors: kInvalidArgument "FILE:LINE:COL: message" (syntax, duplicates, unset variable).
Result<ConfigValue> ParseYaml(const std::string& text, const std::string& file_name);

/// Reads and parses a file. Errors: kNotFound when it cannot be read, else as ParseYaml.
Result<ConfigValue> LoadYamlFile(const std::string& path);

/// Expands `${NAME}` references in `text`, as ParseYaml does for scalars.
Result<std::string> ExpandEnv(const std::string& text, const SourceLocation& where);

}  // namespace modelpusher::internal
