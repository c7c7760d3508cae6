#pragma once

// A small JSON value, reader and writer: just enough for an OCI layout's index.json, image
// manifests and config blobs. The modelpusher SDK does not export a JSON library (its own is
// a private dependency of the core), and a plugin should not need one for a few small files.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "modelpusher/status.h"

namespace oci_layout::json {

/// A JSON value. Objects keep their members in order (so a file we rewrite keeps the order
/// and the members other tools put there); numbers keep their text, so sizes above 2^53
/// survive a round trip. Thread safety: a plain value.
class Value {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  Value() = default;
  static Value Bool(bool b);
  static Value Number(uint64_t n);
  /// Non-finite numbers have no JSON form: they become null.
  static Value Number(double d);
  static Value String(std::string s);
  static Value Array();
  static Value Object();

  Kind kind() const { return kind_; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_number() const { return kind_ == Kind::kNumber; }

  /// The string (kString) or the number's text (kNumber); empty otherwise.
  const std::string& text() const { return text_; }
  bool boolean() const { return bool_; }
  /// The number as an unsigned integer; false when it is not one.
  bool AsUint64(uint64_t* out) const;
  /// The number as a double; false when it is not a number.
  bool AsDouble(double* out) const;

  const std::vector<Value>& items() const { return items_; }
  std::vector<Value>& items() { return items_; }
  const std::vector<std::pair<std::string, Value>>& members() const { return members_; }

  /// The member `key` of an object, or nullptr.
  const Value* Find(std::string_view key) const;
  /// The string member `key`, or "" when absent or not a string.
  std::string GetString(std::string_view key) const;
  /// Sets (replacing) the member `key` of an object.
  Value& Set(std::string key, Value value);
  void Append(Value item) { items_.push_back(std::move(item)); }

  /// Compact JSON text.
  std::string Dump() const;

 private:
  friend class Parser;
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  std::string text_;
  std::vector<Value> items_;
  std::vector<std::pair<std::string, Value>> members_;
};

/// Parses one JSON document (RFC 8259), nested at most 64 deep. `what` names the document
/// in errors, e.g. "/srv/models/index.json". Errors: kDataLoss (the file is not valid JSON:
/// it was damaged, since we only read what we or other OCI tools wrote).
modelpusher::Result<Value> Parse(std::string_view text, const std::string& what);

}  // namespace oci_layout::json
