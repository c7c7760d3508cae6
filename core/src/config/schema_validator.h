#pragma once

// Checks a ConfigValue tree against a JSON Schema, with messages that name FILE:LINE:COLUMN
// and say what to write instead.

#include <string>

#include "modelpusher/config_value.h"

namespace modelpusher::internal {

/// Validates `value` against `schema_json` (JSON Schema text).
///
/// Supported keywords: type, properties, required, additionalProperties, enum, const,
/// pattern, minimum, maximum, minLength, items, minItems, anyOf, oneOf, $ref (to
/// "#/$defs/..." in the same document), description/default/title/examples (ignored).
/// Limitation: oneOf is checked like anyOf (the first branch that matches wins); our
/// schemas never rely on exclusivity, and a tighter check would only make messages worse.
///
/// YAML scalars are typed the YAML way: a plain `true` is a boolean, `3` an integer; any
/// scalar is accepted where a string is expected (so `version: 1.0` is fine).
/// Unknown keys under `additionalProperties: false` are reported with the closest known
/// key ("did you mean 'registries'?").
/// Errors: kInvalidArgument for the first problem found; kInternal if the schema is broken.
Status ValidateAgainstSchema(const ConfigValue& value, const std::string& schema_json,
                             const std::string& what);

/// The known word closest to `word` by edit distance, if close enough to be a likely typo.
std::string ClosestWord(const std::string& word, const std::vector<std::string>& known);

}  // namespace modelpusher::internal
