#pragma once

// Small JSON helpers over Poco::JSON: parsing that never throws, typed reads, and quoting
// for the JSON text we write by hand (NDJSON commit lines can hold megabytes of base64, so
// they are assembled as strings rather than as DOM objects).

#include <cstdint>
#include <string>
#include <string_view>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "modelpusher/status.h"

namespace modelpusher::hf {

/// Parses a JSON object. `what` names the answer in the error ("whoami answer").
/// Errors: kInternal "unexpected answer" with the parser's reason.
Result<Poco::JSON::Object::Ptr> ParseObject(const std::string& text, const std::string& what);
/// Parses a JSON array.
Result<Poco::JSON::Array::Ptr> ParseArray(const std::string& text, const std::string& what);

/// The string under `key`, or "" when absent, null, or not a string.
std::string GetStr(const Poco::JSON::Object::Ptr& obj, const std::string& key);
/// The integer under `key` (a JSON number or a decimal string), or `fallback`.
int64_t GetInt(const Poco::JSON::Object::Ptr& obj, const std::string& key, int64_t fallback);
/// The object/array under `key`, or null.
Poco::JSON::Object::Ptr GetObj(const Poco::JSON::Object::Ptr& obj, const std::string& key);
Poco::JSON::Array::Ptr GetArr(const Poco::JSON::Object::Ptr& obj, const std::string& key);

/// `text` as a JSON string literal, quotes included (UTF-8 passes through; control
/// characters, '"' and '\' are escaped).
std::string JsonQuote(std::string_view text);

/// Serialises an object compactly.
std::string ToJson(const Poco::JSON::Object& obj);

}  // namespace modelpusher::hf
