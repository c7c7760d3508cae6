#include "hf_json.h"

#include <cstdio>
#include <sstream>

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

namespace modelpusher::hf {
namespace {

Result<Poco::Dynamic::Var> Parse(const std::string& text, const std::string& what) {
  try {
    Poco::JSON::Parser parser;
    return parser.parse(text);
  } catch (const Poco::Exception& e) {
    return InternalError("unexpected " + what + " from the Hub (not JSON: " + e.displayText() +
                         "); check that the endpoint is a Hugging Face Hub");
  }
}

}  // namespace

Result<Poco::JSON::Object::Ptr> ParseObject(const std::string& text, const std::string& what) {
  MP_ASSIGN_OR_RETURN(Poco::Dynamic::Var v, Parse(text, what));
  if (v.type() != typeid(Poco::JSON::Object::Ptr)) {
    return InternalError("unexpected " + what + " from the Hub: expected a JSON object");
  }
  return v.extract<Poco::JSON::Object::Ptr>();
}

Result<Poco::JSON::Array::Ptr> ParseArray(const std::string& text, const std::string& what) {
  MP_ASSIGN_OR_RETURN(Poco::Dynamic::Var v, Parse(text, what));
  if (v.type() != typeid(Poco::JSON::Array::Ptr)) {
    return InternalError("unexpected " + what + " from the Hub: expected a JSON array");
  }
  return v.extract<Poco::JSON::Array::Ptr>();
}

std::string GetStr(const Poco::JSON::Object::Ptr& obj, const std::string& key) {
  if (obj.isNull() || !obj->has(key)) return "";
  Poco::Dynamic::Var v = obj->get(key);
  if (v.isEmpty() || !v.isString()) return "";
  return v.extract<std::string>();
}

int64_t GetInt(const Poco::JSON::Object::Ptr& obj, const std::string& key, int64_t fallback) {
  if (obj.isNull() || !obj->has(key)) return fallback;
  try {
    Poco::Dynamic::Var v = obj->get(key);
    if (v.isEmpty()) return fallback;
    return v.convert<int64_t>();
  } catch (const Poco::Exception&) {
    return fallback;
  }
}

Poco::JSON::Object::Ptr GetObj(const Poco::JSON::Object::Ptr& obj, const std::string& key) {
  if (obj.isNull() || !obj->has(key)) return nullptr;
  Poco::Dynamic::Var v = obj->get(key);
  if (v.type() != typeid(Poco::JSON::Object::Ptr)) return nullptr;
  return v.extract<Poco::JSON::Object::Ptr>();
}

Poco::JSON::Array::Ptr GetArr(const Poco::JSON::Object::Ptr& obj, const std::string& key) {
  if (obj.isNull() || !obj->has(key)) return nullptr;
  Poco::Dynamic::Var v = obj->get(key);
  if (v.type() != typeid(Poco::JSON::Array::Ptr)) return nullptr;
  return v.extract<Poco::JSON::Array::Ptr>();
}

std::string JsonQuote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string ToJson(const Poco::JSON::Object& obj) {
  std::ostringstream os;
  obj.stringify(os);
  return os.str();
}

}  // namespace modelpusher::hf
