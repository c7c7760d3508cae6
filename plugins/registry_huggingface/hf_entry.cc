// The plugin's entry point: the descriptor the host reads, and the registry factory.

#include "hf_config.h"
#include "hf_registry.h"
#include "modelpusher/plugin_abi.h"

namespace modelpusher::hf {
namespace {

Result<std::unique_ptr<ModelRegistry>> CreateRegistry(const RegistryContext& context) {
  if (context.config == nullptr) {
    return InvalidArgumentError("huggingface registry: no configuration block given");
  }
  MP_ASSIGN_OR_RETURN(HfConfig config, ParseHfConfig(*context.config, context.config_dir));
  std::string ref_template = context.ref_template.empty() ? "{version}" : context.ref_template;
  return std::unique_ptr<ModelRegistry>(new HfRegistry(std::move(config), ref_template));
}

const char* const kNames[] = {"huggingface", nullptr};

const mp_plugin_descriptor kDescriptor = {
    MP_DESCRIPTOR_HEADER,
    "huggingface",
    MP_PLUGIN_KIND_REGISTRY,
    kNames,
    "0.1.0",
    kHfConfigSchema,
    nullptr,
    &CreateRegistry,
};

}  // namespace
}  // namespace modelpusher::hf

MP_DECLARE_PLUGIN(modelpusher::hf::kDescriptor)
