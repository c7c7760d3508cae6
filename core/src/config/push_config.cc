#include "config/push_config.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <set>

#include "config/core_schema.h"
#include "config/schema_validator.h"
#include "config/yaml_loader.h"
#include "modelpusher/versioning.h"
#include "versioning/version_scheme.h"

namespace fs = std::filesystem;

namespace modelpusher::internal {
namespace {

// A blessing rule is a mapping with one key. Two keys ({tfx: a, infra: b}) are a common
// slip for "both"; say so before the schema's generic message would.
Status CheckBlessingShape(const ConfigValue& v) {
  if (!v.is_map()) return Status::Ok();
  if (v.entries().size() > 1) {
    return v.Error("a blessing rule has exactly one key (tfx, infra, metrics, all or any); to "
                   "require several, write all: [{tfx: ...}, {infra: ...}]");
  }
  for (const auto& [key, value] : v.entries()) {
    if ((key == "all" || key == "any") && value.is_list()) {
      for (const auto& child : value.items()) MP_RETURN_IF_ERROR(CheckBlessingShape(child));
    }
  }
  return Status::Ok();
}

Result<BlessingRule> ParseBlessing(const ConfigValue& v, const std::string& dir) {
  BlessingRule rule;
  rule.where = v.location();
  if (v.is_scalar()) return rule;  // "none"; the schema allows nothing else.
  const auto& [key, value] = v.entries().front();
  if (key == "tfx" || key == "infra") {
    rule.kind = key == "tfx" ? BlessingRule::Kind::kTfx : BlessingRule::Kind::kInfra;
    rule.path = ResolveLocation(value.text(), dir);
    return rule;
  }
  if (key == "metrics") {
    rule.kind = BlessingRule::Kind::kMetrics;
    rule.path = ResolveLocation(value.Find("file")->text(), dir);
    for (const auto& [metric, expr] : value.Find("require")->entries()) {
      rule.require.emplace_back(metric, expr.text());
    }
    if (rule.require.empty()) {
      return value.Error("metrics.require names no metric; add one, e.g. accuracy: \">= 0.9\"");
    }
    return rule;
  }
  rule.kind = key == "all" ? BlessingRule::Kind::kAll : BlessingRule::Kind::kAny;
  for (const auto& child : value.items()) {
    MP_ASSIGN_OR_RETURN(BlessingRule c, ParseBlessing(child, dir));
    rule.children.push_back(std::move(c));
  }
  return rule;
}

Result<VersioningSpec> ParseVersioning(const ConfigValue& v) {
  VersioningSpec spec;
  MP_ASSIGN_OR_RETURN(spec.scheme, v.GetString("scheme", spec.scheme));
  MP_ASSIGN_OR_RETURN(spec.ref_template, v.GetString("ref", spec.ref_template));
  MP_ASSIGN_OR_RETURN(spec.version_template, v.GetString("template", ""));
  MP_ASSIGN_OR_RETURN(spec.bump, v.GetString("bump", spec.bump));
  if (spec.ref_template.find("{version}") == std::string::npos) {
    return v.Find("ref")->Error(
        "versioning.ref must contain {version}, or every version would get the same ref");
  }
  if (spec.scheme == "template" && spec.version_template.empty()) {
    return v.Error("versioning.scheme is template but versioning.template is missing");
  }
  if (spec.scheme != "template" && !spec.version_template.empty()) {
    return v.Find("template")->Error("versioning.template is used only with scheme: template");
  }
  // Try the scheme and the ref template on a sample, so that `validate` catches what
  // `push` would refuse (an unknown placeholder, an unset variable, a ref git refuses).
  VersionInputs sample;
  sample.now = 1700000000;
  sample.digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
  auto version = ComputeVersion(spec, sample);
  const ConfigValue* where = v.Find("template") ? v.Find("template") : &v;
  if (!version.ok()) return where->Error(version.status().message());
  auto ref = RenderRefTemplate(spec.ref_template, *version);
  Status ref_ok = ref.ok() ? CheckRefName(*ref) : ref.status();
  where = v.Find("ref") ? v.Find("ref") : &v;
  if (!ref_ok.ok()) return where->Error(ref_ok.message());
  return spec;
}

Result<std::vector<RegistrySpec>> ParseRegistries(const ConfigValue& list) {
  std::vector<RegistrySpec> out;
  std::set<std::string> labels;
  for (const auto& item : list.items()) {
    RegistrySpec spec;
    MP_ASSIGN_OR_RETURN(spec.type, item.RequireString("type"));
    MP_ASSIGN_OR_RETURN(spec.label, item.GetString("name", spec.type));
    if (!labels.insert(spec.label).second) {
      return item.Error("two registries are called '" + spec.label +
                        "'; give each a distinct name: so results can tell them apart");
    }
    spec.block = item;
    out.push_back(std::move(spec));
  }
  return out;
}

// Fills `push` from the keys of `block`, keeping what it already has (the defaults) for
// keys the block does not set.
Status ApplyBlock(const ConfigValue& block, const std::string& dir, PushSpec* push) {
  if (const ConfigValue* s = block.Find("source")) {
    if (s->is_scalar()) {
      push->source_uri = ResolveLocation(s->text(), dir);
      push->source_options = ConfigValue();
    } else {
      push->source_uri = ResolveLocation(s->Find("uri")->text(), dir);
      push->source_options = *s;
    }
  }
  if (const ConfigValue* b = block.Find("blessing")) {
    MP_ASSIGN_OR_RETURN(push->blessing, ParseBlessing(*b, dir));
  }
  if (const ConfigValue* v = block.Find("versioning")) {
    MP_ASSIGN_OR_RETURN(push->versioning, ParseVersioning(*v));
  }
  if (const ConfigValue* r = block.Find("registries")) {
    MP_ASSIGN_OR_RETURN(push->registries, ParseRegistries(*r));
  }
  MP_ASSIGN_OR_RETURN(push->commit_message, block.GetString("commit_message", push->commit_message));
  return Status::Ok();
}

Status CheckComplete(const PushSpec& push, const ConfigValue& where) {
  std::string who = push.name == "default" ? "the config" : "push '" + push.name + "'";
  if (push.source_uri.empty()) {
    return where.Error(who + " has no source; add source: <folder or gs:// or s3:// URI>");
  }
  if (push.registries.empty()) {
    return where.Error(who + " has no registries; add registries: [{type: filesystem, path: ...}]");
  }
  return Status::Ok();
}

}  // namespace

std::string ResolveLocation(const std::string& text, const std::string& base_dir) {
  if (text.find("://") != std::string::npos) return text;
  fs::path p(text);
  if (p.is_relative()) p = fs::path(base_dir) / p;
  return p.lexically_normal().string();
}

std::string SchemeOf(const std::string& location) {
  size_t pos = location.find("://");
  if (pos == std::string::npos) return "file";
  std::string scheme = location.substr(0, pos);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return scheme;
}

Result<Config> ParseConfig(const std::string& text, const std::string& path) {
  MP_ASSIGN_OR_RETURN(ConfigValue root, ParseYaml(text, path));
  if (!root.is_map()) {
    return root.Error("a config file is a mapping with source, blessing, versioning and "
                      "registries (or pushes)");
  }
  if (const ConfigValue* b = root.Find("blessing")) MP_RETURN_IF_ERROR(CheckBlessingShape(*b));
  if (const ConfigValue* pushes = root.Find("pushes"); pushes && pushes->is_list()) {
    for (const auto& p : pushes->items()) {
      if (const ConfigValue* b = p.Find("blessing")) MP_RETURN_IF_ERROR(CheckBlessingShape(*b));
    }
  }
  MP_RETURN_IF_ERROR(ValidateAgainstSchema(root, CoreSchemaJson(), ""));

  Config config;
  config.path = path;
  config.dir = fs::absolute(fs::path(path)).parent_path().lexically_normal().string();

  PushSpec defaults;
  defaults.name = "default";
  MP_RETURN_IF_ERROR(ApplyBlock(root, config.dir, &defaults));

  const ConfigValue* pushes = root.Find("pushes");
  if (pushes == nullptr) {
    MP_RETURN_IF_ERROR(CheckComplete(defaults, root));
    config.pushes.push_back(std::move(defaults));
    return config;
  }
  config.batch = true;
  std::set<std::string> names;
  for (const auto& block : pushes->items()) {
    PushSpec push = defaults;
    MP_ASSIGN_OR_RETURN(push.name, block.RequireString("name"));
    if (!names.insert(push.name).second) {
      return block.Find("name")->Error("two pushes are called '" + push.name +
                                       "'; names select pushes, so make them unique");
    }
    MP_RETURN_IF_ERROR(ApplyBlock(block, config.dir, &push));
    MP_RETURN_IF_ERROR(CheckComplete(push, block));
    config.pushes.push_back(std::move(push));
  }
  return config;
}

Result<Config> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return NotFoundError("cannot read config file " + path +
                         "; pass an existing file with --config");
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

}  // namespace modelpusher::internal
