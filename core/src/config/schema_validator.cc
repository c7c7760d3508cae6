#include "config/schema_validator.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <regex>
#include <vector>

namespace modelpusher::internal {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string KindName(const ConfigValue& v) {
  switch (v.kind()) {
    case ConfigValue::Kind::kNull: return "nothing";
    case ConfigValue::Kind::kScalar: return "'" + v.text() + "'";
    case ConfigValue::Kind::kList: return "a list";
    case ConfigValue::Kind::kMap: return "a mapping";
  }
  return "?";
}

// Values under these keys are never repeated in messages: a user who wrote a token where a
// reference belongs must not find it in logs.
bool LooksSecret(const std::string& path) {
  std::string last = path.substr(path.find_last_of('.') + 1);
  for (const char* word : {"token", "password", "secret", "passphrase", "credential", "key"}) {
    if (last.find(word) != std::string::npos) return true;
  }
  return false;
}

bool MatchesType(const ConfigValue& v, const std::string& type) {
  if (type == "string") return v.is_scalar();
  if (type == "boolean") return v.LooksBool();
  if (type == "integer") return v.LooksInt();
  if (type == "number") return v.LooksNumber();
  if (type == "object") return v.is_map();
  if (type == "array") return v.is_list();
  if (type == "null") return v.is_null();
  return false;
}

std::string TypeWords(const std::string& type) {
  if (type == "object") return "a mapping";
  if (type == "array") return "a list";
  if (type == "boolean") return "true or false";
  if (type == "integer") return "a whole number";
  if (type == "null") return "nothing";
  return "a " + type;
}

class Validator {
 public:
  explicit Validator(Object::Ptr root) : root_(std::move(root)) {}

  Status Check(const ConfigValue& v, Object::Ptr schema, const std::string& path) {
    if (schema->has("$ref")) {
      MP_ASSIGN_OR_RETURN(Object::Ptr target, Resolve(schema->getValue<std::string>("$ref")));
      MP_RETURN_IF_ERROR(Check(v, target, path));
    }
    if (schema->has("type")) MP_RETURN_IF_ERROR(CheckType(v, schema, path));
    if (schema->has("anyOf")) MP_RETURN_IF_ERROR(CheckAnyOf(v, schema->getArray("anyOf"), path));
    if (schema->has("oneOf")) MP_RETURN_IF_ERROR(CheckAnyOf(v, schema->getArray("oneOf"), path));
    if (v.is_scalar()) MP_RETURN_IF_ERROR(CheckScalar(v, schema, path));
    if (v.is_map()) MP_RETURN_IF_ERROR(CheckMap(v, schema, path));
    if (v.is_list()) MP_RETURN_IF_ERROR(CheckList(v, schema, path));
    return Status::Ok();
  }

 private:
  Result<Object::Ptr> Resolve(const std::string& ref) {
    static const std::string kPrefix = "#/$defs/";
    if (ref.rfind(kPrefix, 0) != 0) return InternalError("unsupported $ref " + ref);
    Object::Ptr defs = root_->getObject("$defs");
    std::string name = ref.substr(kPrefix.size());
    if (!defs || !defs->has(name)) return InternalError("schema has no definition " + name);
    return defs->getObject(name);
  }

  Status CheckType(const ConfigValue& v, Object::Ptr schema, const std::string& path) {
    std::vector<std::string> types;
    if (Array::Ptr list = schema->getArray("type")) {
      for (size_t i = 0; i < list->size(); ++i) types.push_back(list->getElement<std::string>(i));
    } else {
      types.push_back(schema->getValue<std::string>("type"));
    }
    for (const auto& t : types) {
      if (MatchesType(v, t)) return Status::Ok();
    }
    std::string expected;
    for (size_t i = 0; i < types.size(); ++i) {
      expected += (i == 0 ? "" : i + 1 == types.size() ? " or " : ", ") + TypeWords(types[i]);
    }
    if (LooksSecret(path) && v.is_scalar()) {
      return v.Error(path + " must be " + expected +
                     " (the value is not shown: it may be a secret). Secrets are never "
                     "written in the config file: write {env: VARIABLE} or {file: PATH}");
    }
    return v.Error(path + " must be " + expected + ", not " + KindName(v));
  }

  Status CheckAnyOf(const ConfigValue& v, Array::Ptr branches, const std::string& path) {
    Status best;
    int best_score = -1;
    for (size_t i = 0; i < branches->size(); ++i) {
      Object::Ptr branch = branches->getObject(i);
      Status s = Check(v, branch, path);
      if (s.ok()) return s;
      int score = Affinity(v, branch);
      if (score > best_score) {
        best_score = score;
        best = s;
      }
    }
    return best;
  }

  // How much a value looks like what a branch describes, to report the most useful error
  // when no branch matches: the kind must agree, then shared keys count.
  int Affinity(const ConfigValue& v, Object::Ptr branch) {
    if (branch->has("$ref")) {
      auto target = Resolve(branch->getValue<std::string>("$ref"));
      if (target.ok()) branch = *target;
    }
    int score = 0;
    if (branch->has("type") && !branch->isArray("type") &&
        MatchesType(v, branch->getValue<std::string>("type"))) {
      score += 10;
    }
    if (v.is_map() && branch->has("properties")) {
      Object::Ptr props = branch->getObject("properties");
      for (const auto& [key, _] : v.entries()) score += props->has(key) ? 5 : 0;
    }
    return score;
  }

  Status CheckScalar(const ConfigValue& v, Object::Ptr schema, const std::string& path) {
    if (schema->has("enum")) {
      Array::Ptr options = schema->getArray("enum");
      std::vector<std::string> words;
      for (size_t i = 0; i < options->size(); ++i) {
        words.push_back(options->get(i).toString());
        if (words.back() == v.text()) return Status::Ok();
      }
      std::string list;
      for (const auto& w : words) list += (list.empty() ? "" : ", ") + w;
      std::string hint = ClosestWord(v.text(), words);
      return v.Error(path + " is '" + v.text() + "'; expected one of: " + list +
                     (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
    if (schema->has("const") && schema->get("const").toString() != v.text()) {
      return v.Error(path + " must be '" + schema->get("const").toString() + "'");
    }
    if (schema->has("pattern")) {
      std::regex re(schema->getValue<std::string>("pattern"));
      if (!std::regex_search(v.text(), re)) {
        std::string desc = schema->has("description") ? schema->getValue<std::string>("description")
                                                      : "pattern " + schema->getValue<std::string>("pattern");
        return v.Error(path + " '" + v.text() + "' is not valid: expected " + desc);
      }
    }
    if (schema->has("minLength") &&
        v.text().size() < static_cast<size_t>(schema->getValue<int>("minLength"))) {
      return v.Error(path + " must not be empty");
    }
    if (v.LooksNumber()) {
      double x = std::stod(v.text());
      if (schema->has("minimum") && x < schema->getValue<double>("minimum")) {
        return v.Error(path + " must be at least " + schema->get("minimum").toString());
      }
      if (schema->has("maximum") && x > schema->getValue<double>("maximum")) {
        return v.Error(path + " must be at most " + schema->get("maximum").toString());
      }
    }
    return Status::Ok();
  }

  Status CheckMap(const ConfigValue& v, Object::Ptr schema, const std::string& path) {
    Object::Ptr props = schema->has("properties") ? schema->getObject("properties") : nullptr;
    // Unknown keys first: a typo ("pth") also makes a required key ("path") look missing,
    // and "did you mean 'path'?" is the more useful message.
    for (const auto& [key, child] : v.entries()) {
      std::string child_path = path.empty() ? key : path + "." + key;
      if (props && props->has(key)) continue;
      if (!schema->has("additionalProperties")) continue;
      if (schema->isObject("additionalProperties")) {
        MP_RETURN_IF_ERROR(Check(child, schema->getObject("additionalProperties"), child_path));
        continue;
      }
      if (schema->getValue<bool>("additionalProperties")) continue;
      std::vector<std::string> known;
      if (props) props->getNames(known);
      std::string hint = ClosestWord(key, known);
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      return InvalidArgumentError(child.key_location().ToString() + ": unknown key '" + key +
                                  "'" + (path.empty() ? "" : " in " + path) +
                                  (hint.empty() ? "" : "; did you mean '" + hint + "'?") +
                                  " (known keys: " + list + ")");
    }
    if (Array::Ptr required = schema->getArray("required")) {
      for (size_t i = 0; i < required->size(); ++i) {
        std::string key = required->getElement<std::string>(i);
        if (v.Find(key) == nullptr) {
          return v.Error((path.empty() ? std::string("the config") : path) +
                         " is missing the required key '" + key + "'");
        }
      }
    }
    for (const auto& [key, child] : v.entries()) {
      if (props && props->has(key)) {
        MP_RETURN_IF_ERROR(Check(child, props->getObject(key), path.empty() ? key : path + "." + key));
      }
    }
    return Status::Ok();
  }

  Status CheckList(const ConfigValue& v, Object::Ptr schema, const std::string& path) {
    if (schema->has("minItems") &&
        v.items().size() < static_cast<size_t>(schema->getValue<int>("minItems"))) {
      return v.Error(path + " needs at least " + schema->get("minItems").toString() +
                     " item(s)");
    }
    if (!schema->has("items")) return Status::Ok();
    Object::Ptr item_schema = schema->getObject("items");
    for (size_t i = 0; i < v.items().size(); ++i) {
      MP_RETURN_IF_ERROR(
          Check(v.items()[i], item_schema, path + "[" + std::to_string(i) + "]"));
    }
    return Status::Ok();
  }

  Object::Ptr root_;
};

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string ClosestWord(const std::string& word, const std::vector<std::string>& known) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& k : known) {
    size_t d = EditDistance(word, k);
    if (d < best_distance) {
      best_distance = d;
      best = k;
    }
  }
  return best;
}

Status ValidateAgainstSchema(const ConfigValue& value, const std::string& schema_json,
                             const std::string& what) {
  Object::Ptr root;
  try {
    root = Poco::JSON::Parser().parse(schema_json).extract<Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return InternalError("the schema for " + what + " is not valid JSON: " + e.displayText());
  }
  try {
    return Validator(root).Check(value, root, what);
  } catch (const Poco::Exception& e) {
    return InternalError("the schema for " + what + " is malformed: " + e.displayText());
  }
}

}  // namespace modelpusher::internal
