#pragma once

// ConfigValue: the core-owned tree a plugin receives as its part of the YAML config.
//
// No yaml-cpp type crosses into plugins. Every node remembers where it came from, so any
// error about it can name FILE:LINE:COLUMN.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "modelpusher/status.h"

namespace modelpusher {

/// Where a node was written. Line and column are 1-based; 0 means "not from a file".
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  /// "file:line:column", or "<config>" when unknown.
  std::string ToString() const;
};

/// A YAML node after parsing and `${ENV}` expansion. Scalars keep their text; the typed
/// getters interpret it (YAML 1.2 core schema: true/false, integers, floats, null).
/// Thread safety: immutable after loading; safe to read from several threads.
class ConfigValue {
 public:
  enum class Kind { kNull, kScalar, kList, kMap };

  ConfigValue() = default;
  static ConfigValue Null(SourceLocation where);
  static ConfigValue Scalar(std::string text, bool quoted, SourceLocation where);
  static ConfigValue List(SourceLocation where);
  static ConfigValue Map(SourceLocation where);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_scalar() const { return kind_ == Kind::kScalar; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_map() const { return kind_ == Kind::kMap; }
  const SourceLocation& location() const { return location_; }
  /// For a value inside a map: where its key was written (else equal to location()).
  const SourceLocation& key_location() const {
    return key_location_.line == 0 ? location_ : key_location_;
  }

  /// Scalar text, exactly as written (after `${ENV}` expansion). Empty for non-scalars.
  const std::string& text() const { return text_; }
  /// True when the scalar was quoted in YAML: it is then always a string.
  bool quoted() const { return quoted_; }
  /// A plain scalar that YAML would read as a boolean / integer / number / null.
  bool LooksBool() const;
  bool LooksInt() const;
  bool LooksNumber() const;

  /// List items, in order.
  const std::vector<ConfigValue>& items() const { return items_; }
  /// Map entries, in file order. Keys are unique (the loader refuses duplicates).
  const std::vector<std::pair<std::string, ConfigValue>>& entries() const { return entries_; }
  /// The value under `key` in a map, or nullptr when absent or when this is not a map.
  const ConfigValue* Find(const std::string& key) const;

  // Typed getters for a key of this map. Absent key: the fallback. Present with the wrong
  // type: kInvalidArgument naming the location and the expected type.
  Result<std::string> GetString(const std::string& key, const std::string& fallback = "") const;
  Result<bool> GetBool(const std::string& key, bool fallback) const;
  Result<int64_t> GetInt(const std::string& key, int64_t fallback) const;
  Result<double> GetNumber(const std::string& key, double fallback) const;
  /// A required string: absent is kInvalidArgument "missing key".
  Result<std::string> RequireString(const std::string& key) const;

  /// An error about this node: kInvalidArgument, "FILE:LINE:COL: message".
  Status Error(const std::string& message) const;

  // Building (used by the loader and by tests).
  void Append(ConfigValue item) { items_.push_back(std::move(item)); }
  void SetKeyLocation(SourceLocation where) { key_location_ = std::move(where); }
  void Set(std::string key, ConfigValue value);

 private:
  Kind kind_ = Kind::kNull;
  std::string text_;
  bool quoted_ = false;
  SourceLocation location_;
  SourceLocation key_location_;
  std::vector<ConfigValue> items_;
  std::vector<std::pair<std::string, ConfigValue>> entries_;
};

}  // namespace modelpusher
