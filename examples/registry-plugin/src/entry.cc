// The plugin's entry point: the descriptor the host reads, and the factory it calls. This is
// the only file that needs the plugin ABI; the registry itself is plain C++ against the
// public headers, so the tests link it directly.

#include <exception>

#include "modelpusher/plugin_abi.h"
#include "oci_layout_registry.h"

namespace {

const char* const kTypes[] = {"oci-layout", nullptr};

// One entry of `registries:`. The host validates the block against it before the factory
// runs, so a typo in a key fails with FILE:LINE:COLUMN instead of being ignored.
constexpr char kConfigSchema[] = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "oci-layout registry",
  "description": "Versions as manifests of an OCI image layout folder (blobs/sha256/...).",
  "type": "object",
  "properties": {
    "type": {"const": "oci-layout"},
    "name": {"type": "string", "minLength": 1, "description": "A label for results and logs."},
    "path": {
      "type": "string",
      "minLength": 1,
      "description": "The OCI layout folder; relative to the config file's folder."
    }
  },
  "required": ["type", "path"],
  "additionalProperties": false
})json";

// No exception may cross the plugin boundary: catch everything the factory could throw.
modelpusher::Result<std::unique_ptr<modelpusher::ModelRegistry>> CreateRegistry(
    const modelpusher::RegistryContext& context) {
  try {
    return oci_layout::MakeOciLayoutRegistry(context);
  } catch (const std::exception& e) {
    return modelpusher::InternalError(std::string("creating an oci-layout registry: ") +
                                      e.what());
  }
}

const mp_plugin_descriptor kDescriptor = {
    MP_DESCRIPTOR_HEADER,     // abi_version, struct_size: checked by the host first
    "oci-layout",             // name, shown by `modelpusher plugins`
    MP_PLUGIN_KIND_REGISTRY,  // kind
    kTypes,                   // the `type:` names it serves
    "0.1.0",                  // the plugin's own version
    kConfigSchema,            // JSON Schema for its config block
    nullptr,                  // create_source: not a source
    &CreateRegistry,          // create_registry
};

}  // namespace

MP_DECLARE_PLUGIN(kDescriptor)
