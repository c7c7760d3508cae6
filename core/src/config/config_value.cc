#include "modelpusher/config_value.h"

#include <cerrno>
#include <cstdlib>
#include <regex>

namespace modelpusher {

std::string SourceLocation::ToString() const {
  if (line == 0) return file.empty() ? "<config>" : file;
  return (file.empty() ? "<config>" : file) + ":" + std::to_string(line) + ":" +
         std::to_string(column);
}

ConfigValue ConfigValue::Null(SourceLocation where) {
  ConfigValue v;
  v.location_ = std::move(where);
  return v;
}

ConfigValue ConfigValue::Scalar(std::string text, bool quoted, SourceLocation where) {
  ConfigValue v;
  v.kind_ = Kind::kScalar;
  v.text_ = std::move(text);
  v.quoted_ = quoted;
  v.location_ = std::move(where);
  return v;
}

ConfigValue ConfigValue::List(SourceLocation where) {
  ConfigValue v;
  v.kind_ = Kind::kList;
  v.location_ = std::move(where);
  return v;
}

ConfigValue ConfigValue::Map(SourceLocation where) {
  ConfigValue v;
  v.kind_ = Kind::kMap;
  v.location_ = std::move(where);
  return v;
}

bool ConfigValue::LooksBool() const {
  return is_scalar() && !quoted_ &&
         (text_ == "true" || text_ == "false" || text_ == "True" || text_ == "False" ||
          text_ == "TRUE" || text_ == "FALSE");
}

bool ConfigValue::LooksInt() const {
  static const std::regex kInt(R"([-+]?[0-9]+)");
  return is_scalar() && !quoted_ && std::regex_match(text_, kInt);
}

bool ConfigValue::LooksNumber() const {
  static const std::regex kNumber(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  return is_scalar() && !quoted_ && std::regex_match(text_, kNumber);
}

const ConfigValue* ConfigValue::Find(const std::string& key) const {
  if (!is_map()) return nullptr;
  for (const auto& [k, v] : entries_) {
    if (k == key) return &v;
  }
  return nullptr;
}

void ConfigValue::Set(std::string key, ConfigValue value) {
  for (auto& [k, v] : entries_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
}

Status ConfigValue::Error(const std::string& message) const {
  return InvalidArgumentError(location_.ToString() + ": " + message);
}

Result<std::string> ConfigValue::GetString(const std::string& key,
                                           const std::string& fallback) const {
  const ConfigValue* v = Find(key);
  if (v == nullptr || v->is_null()) return fallback;
  if (!v->is_scalar()) return v->Error("'" + key + "' must be a string");
  return v->text();
}

Result<std::string> ConfigValue::RequireString(const std::string& key) const {
  const ConfigValue* v = Find(key);
  if (v == nullptr || v->is_null()) return Error("missing required key '" + key + "'");
  if (!v->is_scalar()) return v->Error("'" + key + "' must be a string");
  return v->text();
}

Result<bool> ConfigValue::GetBool(const std::string& key, bool fallback) const {
  const ConfigValue* v = Find(key);
  if (v == nullptr || v->is_null()) return fallback;
  if (!v->LooksBool()) return v->Error("'" + key + "' must be true or false");
  return v->text()[0] == 't' || v->text()[0] == 'T';
}

Result<int64_t> ConfigValue::GetInt(const std::string& key, int64_t fallback) const {
  const ConfigValue* v = Find(key);
  if (v == nullptr || v->is_null()) return fallback;
  if (!v->LooksInt()) return v->Error("'" + key + "' must be a whole number");
  errno = 0;
  long long n = std::strtoll(v->text().c_str(), nullptr, 10);
  if (errno == ERANGE) return v->Error("'" + key + "' is out of range");
  return static_cast<int64_t>(n);
}

Result<double> ConfigValue::GetNumber(const std::string& key, double fallback) const {
  const ConfigValue* v = Find(key);
  if (v == nullptr || v->is_null()) return fallback;
  if (!v->LooksNumber()) return v->Error("'" + key + "' must be a number");
  return std::strtod(v->text().c_str(), nullptr);
}

}  // namespace modelpusher
