// The `filesystem` registry plugin's entry point: descriptor and factory, nothing else.

#include <exception>

#include "filesystem_registry.h"
#include "modelpusher/plugin_abi.h"

namespace {

using modelpusher::ModelRegistry;
using modelpusher::RegistryContext;
using modelpusher::Result;

const char* const kTypes[] = {"filesystem", nullptr};

// One entry of `registries:`. `path_in_repo` is listed so that the factory, not the schema,
// refuses it: the factory's message says why it has no meaning here.
constexpr char kConfigSchema[] = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "filesystem registry",
  "description": "Versions as folders <path>/<version>/, the layout TF Serving polls.",
  "type": "object",
  "properties": {
    "type": {"const": "filesystem"},
    "name": {"type": "string", "minLength": 1, "description": "A label for results and logs."},
    "path": {
      "type": "string",
      "minLength": 1,
      "description": "The folder holding the version folders; relative to the config file."
    },
    "mode": {
      "type": "string",
      "pattern": "^(0o)?[0-7]{3,4}$",
      "description": "Octal mode for created folders (files get it without execute bits)."
    },
    "path_in_repo": {
      "type": "string",
      "description": "Not supported: the model always sits at the top of <path>/<version>/."
    }
  },
  "required": ["type", "path"],
  "additionalProperties": false
})json";

// No exception may cross the plugin boundary; allocation failure is the only one possible.
Result<std::unique_ptr<ModelRegistry>> CreateRegistry(const RegistryContext& context) {
  try {
    return modelpusher::registry_filesystem::MakeFilesystemRegistry(context);
  } catch (const std::exception& e) {
    return modelpusher::InternalError(std::string("creating a filesystem registry: ") +
                                      e.what());
  }
}

const mp_plugin_descriptor kDescriptor = {
    MP_DESCRIPTOR_HEADER,
    "filesystem",
    MP_PLUGIN_KIND_REGISTRY,
    kTypes,
    "0.1.0",
    kConfigSchema,
    nullptr,
    &CreateRegistry,
};

}  // namespace

MP_DECLARE_PLUGIN(kDescriptor)
