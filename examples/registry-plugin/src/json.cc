#include "json.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace oci_layout::json {

using modelpusher::DataLossError;
using modelpusher::Result;
using modelpusher::Status;

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.bool_ = b;
  return v;
}

Value Value::Number(uint64_t n) {
  Value v;
  v.kind_ = Kind::kNumber;
  v.text_ = std::to_string(n);
  return v;
}

Value Value::Number(double d) {
  if (!std::isfinite(d)) return Value();
  char buffer[32];
  // 17 significant digits read back as the same double.
  std::snprintf(buffer, sizeof buffer, "%.17g", d);
  Value v;
  v.kind_ = Kind::kNumber;
  v.text_ = buffer;
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.text_ = std::move(s);
  return v;
}

Value Value::Array() {
  Value v;
  v.kind_ = Kind::kArray;
  return v;
}

Value Value::Object() {
  Value v;
  v.kind_ = Kind::kObject;
  return v;
}

bool Value::AsUint64(uint64_t* out) const {
  if (kind_ != Kind::kNumber || text_.empty() ||
      text_.find_first_not_of("0123456789") != std::string::npos || text_.size() > 20) {
    return false;
  }
  errno = 0;
  unsigned long long n = std::strtoull(text_.c_str(), nullptr, 10);
  if (errno != 0) return false;
  *out = n;
  return true;
}

bool Value::AsDouble(double* out) const {
  if (kind_ != Kind::kNumber) return false;
  *out = std::strtod(text_.c_str(), nullptr);
  return true;
}

const Value* Value::Find(std::string_view key) const {
  for (const auto& [k, v] : members_) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string Value::GetString(std::string_view key) const {
  const Value* v = Find(key);
  return v != nullptr && v->is_string() ? v->text_ : "";
}

Value& Value::Set(std::string key, Value value) {
  for (auto& [k, v] : members_) {
    if (k == key) return v = std::move(value);
  }
  members_.emplace_back(std::move(key), std::move(value));
  return members_.back().second;
}

namespace {

void DumpString(const std::string& s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          *out += buffer;
        } else {
          out->push_back(static_cast<char>(c));  // UTF-8 passes through unchanged.
        }
    }
  }
  out->push_back('"');
}

void DumpValue(const Value& v, std::string* out) {
  switch (v.kind()) {
    case Value::Kind::kNull: *out += "null"; break;
    case Value::Kind::kBool: *out += v.boolean() ? "true" : "false"; break;
    case Value::Kind::kNumber: *out += v.text(); break;
    case Value::Kind::kString: DumpString(v.text(), out); break;
    case Value::Kind::kArray: {
      out->push_back('[');
      for (size_t i = 0; i < v.items().size(); ++i) {
        if (i > 0) out->push_back(',');
        DumpValue(v.items()[i], out);
      }
      out->push_back(']');
      break;
    }
    case Value::Kind::kObject: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, member] : v.members()) {
        if (!first) out->push_back(',');
        first = false;
        DumpString(key, out);
        out->push_back(':');
        DumpValue(member, out);
      }
      out->push_back('}');
      break;
    }
  }
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

std::string Value::Dump() const {
  std::string out;
  DumpValue(*this, &out);
  return out;
}

// Recursive descent over the whole text; every error names the document and the offset.
class Parser {
 public:
  Parser(std::string_view text, const std::string& what) : text_(text), what_(what) {}

  Result<Value> Document() {
    Value v;
    Status s = ParseValue(0, &v);
    if (!s.ok()) return s;
    SkipSpace();
    if (pos_ != text_.size()) return Fail("unexpected text after the document");
    return v;
  }

 private:
  Status Fail(const std::string& why) const {
    return DataLossError(what_ + " is not valid JSON (" + why + " at byte " +
                         std::to_string(pos_) +
                         "); the file was damaged: restore it from a backup or remove the "
                         "layout and publish again");
  }

  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' ||
            text_[pos_] == '\t')) {
      ++pos_;
    }
  }

  bool Consume(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Status ParseValue(int depth, Value* out) {
    if (depth > 64) return Fail("nested too deep");
    SkipSpace();
    if (pos_ >= text_.size()) return Fail("unexpected end");
    char c = text_[pos_];
    if (c == '{') return ParseObject(depth, out);
    if (c == '[') return ParseArray(depth, out);
    if (c == '"') {
      out->kind_ = Value::Kind::kString;
      return ParseString(&out->text_);
    }
    if (Consume("true")) {
      *out = Value::Bool(true);
      return Status::Ok();
    }
    if (Consume("false")) {
      *out = Value::Bool(false);
      return Status::Ok();
    }
    if (Consume("null")) {
      *out = Value();
      return Status::Ok();
    }
    return ParseNumber(out);
  }

  Status ParseNumber(Value* out) {
    size_t start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    auto digits = [&] {
      size_t from = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      return pos_ > from;
    };
    if (!digits()) return Fail("expected a value");
    if (pos_ < text_.size() && text_[pos_] == '.' && (++pos_, !digits())) {
      return Fail("expected digits after '.'");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!digits()) return Fail("expected an exponent");
    }
    out->kind_ = Value::Kind::kNumber;
    out->text_ = std::string(text_.substr(start, pos_ - start));
    return Status::Ok();
  }

  Status ParseHex4(uint32_t* out) {
    if (pos_ + 4 > text_.size()) return Fail("short \\u escape");
    *out = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_++];
      uint32_t d = c >= '0' && c <= '9'   ? c - '0'
                   : c >= 'a' && c <= 'f' ? c - 'a' + 10
                   : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                          : 16;
      if (d == 16) return Fail("bad \\u escape");
      *out = *out * 16 + d;
    }
    return Status::Ok();
  }

  Status ParseEscape(std::string* out) {
    if (pos_ >= text_.size()) return Fail("unexpected end in a string");
    char c = text_[pos_++];
    switch (c) {
      case '"': case '\\': case '/': out->push_back(c); return Status::Ok();
      case 'b': out->push_back('\b'); return Status::Ok();
      case 'f': out->push_back('\f'); return Status::Ok();
      case 'n': out->push_back('\n'); return Status::Ok();
      case 'r': out->push_back('\r'); return Status::Ok();
      case 't': out->push_back('\t'); return Status::Ok();
      case 'u': break;
      default: return Fail("bad escape");
    }
    uint32_t cp = 0;
    MP_RETURN_IF_ERROR(ParseHex4(&cp));
    if (cp >= 0xD800 && cp < 0xDC00) {  // A surrogate pair encodes one code point.
      uint32_t low = 0;
      if (!Consume("\\u")) return Fail("lone surrogate");
      MP_RETURN_IF_ERROR(ParseHex4(&low));
      if (low < 0xDC00 || low >= 0xE000) return Fail("bad surrogate pair");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(cp, out);
    return Status::Ok();
  }

  Status ParseString(std::string* out) {
    ++pos_;  // the opening quote
    out->clear();
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return Status::Ok();
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in a string");
      if (c == '\\') {
        MP_RETURN_IF_ERROR(ParseEscape(out));
      } else {
        out->push_back(c);
      }
    }
    return Fail("unterminated string");
  }

  Status ParseArray(int depth, Value* out) {
    *out = Value::Array();
    ++pos_;
    SkipSpace();
    if (Consume("]")) return Status::Ok();
    while (true) {
      Value item;
      MP_RETURN_IF_ERROR(ParseValue(depth + 1, &item));
      out->items_.push_back(std::move(item));
      SkipSpace();
      if (Consume("]")) return Status::Ok();
      if (!Consume(",")) return Fail("expected ',' or ']'");
    }
  }

  Status ParseObject(int depth, Value* out) {
    *out = Value::Object();
    ++pos_;
    SkipSpace();
    if (Consume("}")) return Status::Ok();
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') return Fail("expected a member name");
      std::string key;
      MP_RETURN_IF_ERROR(ParseString(&key));
      SkipSpace();
      if (!Consume(":")) return Fail("expected ':'");
      Value member;
      MP_RETURN_IF_ERROR(ParseValue(depth + 1, &member));
      out->members_.emplace_back(std::move(key), std::move(member));
      SkipSpace();
      if (Consume("}")) return Status::Ok();
      if (!Consume(",")) return Fail("expected ',' or '}'");
    }
  }

  std::string_view text_;
  const std::string& what_;
  size_t pos_ = 0;
};

Result<Value> Parse(std::string_view text, const std::string& what) {
  return Parser(text, what).Document();
}

}  // namespace oci_layout::json
