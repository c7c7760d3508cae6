// Plugins that are wrong in one way each (chosen by a BAD_* definition), and one good
// registry, for the plugin host's tests.

#include "modelpusher/plugin_abi.h"

namespace {

const char* const kNames[] = {"echo", nullptr};
const char* const kNoNames[] = {nullptr};

modelpusher::Result<std::unique_ptr<modelpusher::ModelRegistry>> MakeNothing(
    const modelpusher::RegistryContext&) {
  return modelpusher::UnimplementedError("test plugin");
}

}  // namespace

#if defined(BAD_no_entry)
// Exports nothing: not a plugin at all.
extern "C" __attribute__((visibility("default"))) int not_a_plugin() { return 0; }
#elif defined(BAD_null_descriptor)
extern "C" __attribute__((visibility("default"))) const mp_plugin_descriptor* mp_plugin_entry() noexcept {
  return nullptr;
}
#else
static const mp_plugin_descriptor kDescriptor = {
#if defined(BAD_wrong_abi)
    MP_PLUGIN_ABI_VERSION - 1,  // Built against an older modelpusher.
    static_cast<uint32_t>(sizeof(mp_plugin_descriptor)),
#else
    MP_DESCRIPTOR_HEADER,
#endif
    "echo-test",
#if defined(BAD_wrong_kind)
    static_cast<mp_plugin_kind>(7),
#else
    MP_PLUGIN_KIND_REGISTRY,
#endif
#if defined(BAD_no_names)
    kNoNames,
#else
    kNames,
#endif
    "0.0.1",
    nullptr,
    nullptr,
    &MakeNothing,
};
MP_DECLARE_PLUGIN(kDescriptor)
#endif
