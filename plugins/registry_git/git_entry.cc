// The plugin's entry point: the descriptor the host reads, and nothing else.

#include "git_config.h"
#include "git_registry.h"
#include "modelpusher/plugin_abi.h"

namespace {

const char* const kNames[] = {"git", nullptr};

modelpusher::Result<std::unique_ptr<modelpusher::ModelRegistry>> Create(
    const modelpusher::RegistryContext& context) {
  return modelpusher::git::MakeGitRegistry(context);
}

// Constant-initialised: plugins do no work in static constructors.
const mp_plugin_descriptor kDescriptor = {
    MP_DESCRIPTOR_HEADER,
    "git",
    MP_PLUGIN_KIND_REGISTRY,
    kNames,
    "0.1.0",
    modelpusher::git::kGitConfigSchema,
    nullptr,
    Create,
};

}  // namespace

MP_DECLARE_PLUGIN(kDescriptor)
