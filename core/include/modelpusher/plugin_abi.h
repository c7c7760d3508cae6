#pragma once

// The plugin ABI: how a shared object tells the host what it is and how to make its objects.
//
// 1. Entry point. A plugin exports exactly one symbol, `mp_plugin_entry`, declared with
//    MP_DECLARE_PLUGIN. It is `noexcept`, does no work, and returns a pointer to a static
//    descriptor that lives as long as the library is loaded.
// 2. Checks before use. The descriptor starts with `abi_version` and `struct_size`; the host
//    reads those two fields first and refuses the plugin, naming the file and both
//    versions, unless `abi_version == MP_PLUGIN_ABI_VERSION` and `struct_size` covers every
//    field it reads. Then it checks name, kind, names and factory, and names what is wrong.
// 3. A C++ boundary. Behind the descriptor, factories and the objects they return are C++
//    classes compiled against these headers. That is why the version must match exactly:
//    any change to an installed header that changes a class layout, a virtual table, or a
//    type passed by value bumps MP_PLUGIN_ABI_VERSION. Adding a free function does not.
//    In detail, these bump it: adding, removing or reordering a field of
//    mp_plugin_descriptor, SourceContext, RegistryContext, PushRequest, PushResult,
//    ManifestEntry, FileEntry, VersionInfo, BlessingDecision, HttpRequest, HttpResponse,
//    RetryPolicy or any other struct or class in these headers; adding, removing or
//    reordering a virtual function (StorageSource, ModelRegistry, ByteReader, Progress);
//    changing a function's parameters or return type, an enum's values, or the Status/Result
//    layout. These do not: new free functions or new non-virtual member functions, new
//    headers, comment and documentation edits, fixes inside libmodelpusher that keep every
//    signature. Bump the project's minor version with it, so that libmodelpusher's SONAME
//    (major.minor) and find_package(modelpusher 0.1)'s same-minor check agree with the ABI.
//    Not versioned, so keep it equal: the C++ standard library ABI (build plugins with the
//    same compiler family and _GLIBCXX_USE_CXX11_ABI setting as modelpusher).
// 4. Errors. No exception crosses the boundary. Factories and interface methods return
//    Status / Result; a plugin converts its own dependencies' failures.
// 5. Lifetime. The host never unloads a plugin while one of its objects lives (in practice
//    it never unloads plugins). Objects are destroyed through their virtual destructors.
// 6. Configuration arrives as a core-owned ConfigValue; no Poco, libgit2 or yaml-cpp type
//    appears here.
// 7. Threads. mp_plugin_entry is called once, at load. Factories may run on several threads
//    at once (a batch runs its pushes in parallel), so they keep no unguarded global state.
//    The objects they return follow their own contract: a StorageSource may be called from
//    several threads at once; a ModelRegistry gets one call at a time, but several registry
//    objects, even over one repository, may publish at once in one process or in several.
// 8. Host services. A plugin uses the core's instead of its own: http.h (HTTP client with
//    TLS, retries, redirects without credentials, redaction), hash.h, log.h (redacted
//    logging), io.h (streams, Progress), parallel.h (worker pool), temp_dir.h, secret.h
//    (credential look-ups), url.h, path_map.h, versioning.h, staging.h.
// 9. Building. CMake: find_package(modelpusher) and modelpusher_add_plugin(); the guide is
//    docs/plugins.md. The conformance suite for registries is testing/registry_conformance.h.

#include <cstdint>
#include <memory>
#include <string>

#include "modelpusher/config_value.h"
#include "modelpusher/model_registry.h"
#include "modelpusher/status.h"
#include "modelpusher/storage_source.h"

/// Bump on any change that breaks plugins built against an older header (see 3 above).
#define MP_PLUGIN_ABI_VERSION 1u

/// The exported symbol's name.
#define MP_PLUGIN_ENTRY_SYMBOL "mp_plugin_entry"

namespace modelpusher {

/// What a source factory receives.
struct SourceContext {
  /// The root to read: "gs://bucket/prefix", "s3://bucket/prefix", "file:///abs/path" or an
  /// absolute path.
  std::string uri;
  /// Extra options from the config (`source: {uri: ..., endpoint: ...}`); a null value when
  /// the source was given as a plain string.
  const ConfigValue* options = nullptr;
};

/// What a registry factory receives.
struct RegistryContext {
  /// This registry's block from `registries:` (a map; `type` included).
  const ConfigValue* config = nullptr;
  /// The ref template from `versioning.ref`, e.g. "v{version}": registries use it to tell
  /// their version refs apart from other refs (see versioning.h: MatchRefTemplate).
  std::string ref_template;
  /// The folder of the config file, for resolving relative paths in the plugin's block.
  std::string config_dir;
};

using SourceFactory = Result<std::unique_ptr<StorageSource>> (*)(const SourceContext& context);
using RegistryFactory =
    Result<std::unique_ptr<ModelRegistry>> (*)(const RegistryContext& context);

}  // namespace modelpusher

extern "C" {

typedef enum mp_plugin_kind {
  MP_PLUGIN_KIND_SOURCE = 1,
  MP_PLUGIN_KIND_REGISTRY = 2,
} mp_plugin_kind;

typedef struct mp_plugin_descriptor {
  /// MP_PLUGIN_ABI_VERSION of the headers the plugin was built with.
  uint32_t abi_version;
  /// sizeof(mp_plugin_descriptor) as the plugin saw it.
  uint32_t struct_size;
  /// Short unique name, e.g. "huggingface", "source-s3".
  const char* name;
  mp_plugin_kind kind;
  /// NULL-terminated list: URI schemes a source serves ("s3"), or registry `type:` names.
  const char* const* names;
  /// The plugin's own version, e.g. "0.1.0".
  const char* version;
  /// JSON Schema (text) for the plugin's config block, or NULL for no checks beyond the
  /// core's. For a registry it describes one entry of `registries:`; for a source, the map
  /// form of `source:`.
  const char* config_schema;
  /// Exactly one is set, matching `kind`.
  modelpusher::SourceFactory create_source;
  modelpusher::RegistryFactory create_registry;
} mp_plugin_descriptor;

typedef const mp_plugin_descriptor* (*mp_plugin_entry_fn)(void);

}  // extern "C"

/// Declares the plugin's entry point. Use once per plugin, at namespace scope:
///   static const mp_plugin_descriptor kDescriptor = {...};
///   MP_DECLARE_PLUGIN(kDescriptor)
#define MP_DECLARE_PLUGIN(descriptor)                                                   \
  extern "C" __attribute__((visibility("default"))) const mp_plugin_descriptor*         \
  mp_plugin_entry() noexcept {                                                          \
    return &(descriptor);                                                               \
  }

/// Fills abi_version and struct_size; the remaining fields follow in declaration order.
#define MP_DESCRIPTOR_HEADER MP_PLUGIN_ABI_VERSION, static_cast<uint32_t>(sizeof(mp_plugin_descriptor))
