// modelpusher schema: print the JSON Schema of config files, core and plugins together.

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <iostream>

#include "cli.h"
#include "config/core_schema.h"
#include "report/report.h"

namespace modelpusher::cli {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// A plugin's schema is a document of its own: its "#/$defs/x" references point into its own
// $defs. Inside the combined document they must point to the hoisted copies, "<prefix>x".
void RewriteRefs(const Poco::Dynamic::Var& node, const std::string& prefix) {
  if (node.type() == typeid(Object::Ptr)) {
    Object::Ptr object = node.extract<Object::Ptr>();
    if (object->has("$ref")) {
      std::string ref = object->getValue<std::string>("$ref");
      if (ref.rfind("#/$defs/", 0) == 0) object->set("$ref", "#/$defs/" + prefix + ref.substr(8));
    }
    std::vector<std::string> names;
    object->getNames(names);
    for (const auto& name : names) RewriteRefs(object->get(name), prefix);
  } else if (node.type() == typeid(Array::Ptr)) {
    Array::Ptr array = node.extract<Array::Ptr>();
    for (size_t i = 0; i < array->size(); ++i) RewriteRefs(array->get(i), prefix);
  }
}

}  // namespace

int RunSchema(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, 2, "schema",
                 "Prints the JSON Schema of config files, with the registry blocks of every "
                 "plugin found, for editors (config/schema/modelpusher.schema.json is this "
                 "output for the bundled plugins).",
                 CommonOptions(), &args)) {
    return internal::kExitUsage;
  }
  internal::PluginHost host;
  if (!SetUp(args, &host)) return internal::kExitUsage;

  Poco::JSON::Parser parser;
  auto root = parser.parse(internal::CoreSchemaJson()).extract<Object::Ptr>();
  Object::Ptr defs = root->getObject("$defs");
  Object::Ptr registry = defs->getObject("registry");
  Poco::JSON::Array::Ptr cases = new Poco::JSON::Array();
  for (const auto& p : host.plugins()) {
    if (p.kind != MP_PLUGIN_KIND_REGISTRY || p.config_schema.empty()) continue;
    auto plugin_schema = parser.parse(p.config_schema).extract<Object::Ptr>();
    plugin_schema->remove("$schema");
    std::string prefix = "registry_" + p.names.front() + "_";
    RewriteRefs(plugin_schema, prefix);
    if (Object::Ptr own_defs = plugin_schema->getObject("$defs")) {
      std::vector<std::string> names;
      own_defs->getNames(names);
      for (const auto& name : names) defs->set(prefix + name, own_defs->get(name));
      plugin_schema->remove("$defs");
    }
    // `name` is the core's label for every registry; the plugin's schema need not know it.
    if (Object::Ptr props = plugin_schema->getObject("properties")) {
      props->set("name", registry->getObject("properties")->getObject("name"));
    }
    for (const auto& type : p.names) {
      defs->set("registry_" + type, plugin_schema);
      Object::Ptr type_const = new Object();
      type_const->set("const", type);
      Object::Ptr if_props = new Object();
      if_props->set("type", type_const);
      Object::Ptr if_schema = new Object();
      if_schema->set("properties", if_props);
      Object::Ptr then_schema = new Object();
      then_schema->set("$ref", "#/$defs/registry_" + type);
      Object::Ptr branch = new Object();
      branch->set("if", if_schema);
      branch->set("then", then_schema);
      cases->add(branch);
    }
  }
  if (cases->size() > 0) registry->set("allOf", cases);
  Poco::JSON::Stringifier::stringify(root, std::cout, 2);
  std::cout << "\n";
  return internal::kExitOk;
}

}  // namespace modelpusher::cli
