#include "config/yaml_loader.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace modelpusher::internal {
namespace {

// A config file holds a few hundred nodes. YAML aliases can make a few lines expand into
// billions (an "alias bomb"), and deep nesting can exhaust the stack: both are capped.
constexpr size_t kMaxNodes = 100000;
constexpr int kMaxDepth = 64;

struct Budget {
  size_t nodes = 0;
};

SourceLocation Where(const YAML::Mark& mark, const std::string& file) {
  // yaml-cpp counts from 0; people count from 1.
  return {file, mark.line + 1, mark.column + 1};
}

Result<ConfigValue> Convert(const YAML::Node& node, const std::string& file, Budget& budget,
                            int depth) {
  SourceLocation where = Where(node.Mark(), file);
  if (++budget.nodes > kMaxNodes || depth > kMaxDepth) {
    return InvalidArgumentError(where.ToString() + ": the config expands to more than " +
                                std::to_string(kMaxNodes) + " values or " +
                                std::to_string(kMaxDepth) +
                                " levels (YAML aliases repeating aliases?); write it out plainly");
  }
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return ConfigValue::Null(where);
    case YAML::NodeType::Scalar: {
      bool quoted = node.Tag() == "!";
      MP_ASSIGN_OR_RETURN(std::string text, ExpandEnv(node.Scalar(), where));
      return ConfigValue::Scalar(std::move(text), quoted, where);
    }
    case YAML::NodeType::Sequence: {
      ConfigValue list = ConfigValue::List(where);
      for (const auto& item : node) {
        MP_ASSIGN_OR_RETURN(ConfigValue v, Convert(item, file, budget, depth + 1));
        list.Append(std::move(v));
      }
      return list;
    }
    case YAML::NodeType::Map: {
      ConfigValue map = ConfigValue::Map(where);
      std::map<std::string, int> first_line;
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (!it->first.IsScalar()) {
          return InvalidArgumentError(Where(it->first.Mark(), file).ToString() +
                                      ": mapping keys must be plain strings");
        }
        const std::string& key = it->first.Scalar();
        SourceLocation key_at = Where(it->first.Mark(), file);
        auto [seen, inserted] = first_line.emplace(key, key_at.line);
        if (!inserted) {
          return InvalidArgumentError(key_at.ToString() + ": duplicate key '" + key +
                                      "' (first at line " + std::to_string(seen->second) +
                                      ", again at line " + std::to_string(key_at.line) +
                                      "); keep one of them");
        }
        MP_ASSIGN_OR_RETURN(ConfigValue v, Convert(it->second, file, budget, depth + 1));
        v.SetKeyLocation(key_at);
        map.Set(key, std::move(v));
      }
      return map;
    }
  }
  return InternalError("unknown YAML node type");
}

}  // namespace

Result<std::string> ExpandEnv(const std::string& text, const SourceLocation& where) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 2;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out.push_back(text[i]);
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string::npos) {
      return InvalidArgumentError(where.ToString() + ": unclosed '${' in '" + text +
                                  "'; write ${NAME}, or $${ for a literal '${'");
    }
    std::string inner = text.substr(i + 2, close - i - 2);
    if (inner.find("${") != std::string::npos) {
      return InvalidArgumentError(where.ToString() + ": nested variables ('" +
                                  text.substr(i, close - i + 1) +
                                  "...') are not supported; set one variable outside modelpusher");
    }
    std::string name = inner, fallback;
    bool has_fallback = false;
    if (size_t dash = inner.find(":-"); dash != std::string::npos) {
      name = inner.substr(0, dash);
      fallback = inner.substr(dash + 2);
      has_fallback = true;
    }
    const char* value = std::getenv(name.c_str());
    if (value != nullptr && *value != '\0') {
      out += value;
    } else if (has_fallback) {
      out += fallback;
    } else {
      return InvalidArgumentError(where.ToString() + ": environment variable " + name +
                                  " is not set or empty; export it, or write ${" + name +
                                  ":-default}");
    }
    i = close;
  }
  return out;
}

Result<ConfigValue> ParseYaml(const std::string& text, const std::string& file_name) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(Where(e.mark, file_name).ToString() + ": " + e.msg);
  }
  Budget budget;
  return Convert(root, file_name, budget, 0);
}

Result<ConfigValue> LoadYamlFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read config file " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseYaml(buffer.str(), path);
}

}  // namespace modelpusher::internal
