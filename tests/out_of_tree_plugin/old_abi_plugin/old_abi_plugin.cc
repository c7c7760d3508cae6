// A registry plugin whose descriptor claims plugin ABI CLAIMED_ABI_VERSION, whatever the
// headers say: what a plugin compiled against another modelpusher release looks like.

#include "modelpusher/plugin_abi.h"

namespace {

const char* const kTypes[] = {"old-abi", nullptr};

modelpusher::Result<std::unique_ptr<modelpusher::ModelRegistry>> Create(
    const modelpusher::RegistryContext&) {
  return modelpusher::InternalError("a refused plugin's factory must never run");
}

static_assert(CLAIMED_ABI_VERSION != MP_PLUGIN_ABI_VERSION,
              "this test plugin must claim another ABI than the SDK's");

const mp_plugin_descriptor kDescriptor = {
    CLAIMED_ABI_VERSION,
    static_cast<uint32_t>(sizeof(mp_plugin_descriptor)),
    "old-abi",
    MP_PLUGIN_KIND_REGISTRY,
    kTypes,
    "0.0.1",
    nullptr,
    nullptr,
    &Create,
};

}  // namespace

MP_DECLARE_PLUGIN(kDescriptor)
