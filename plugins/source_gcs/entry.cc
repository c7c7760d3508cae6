// The plugin's entry point: descriptor, factory and the JSON Schema of the source block.

#include "gcs_source.h"
#include "modelpusher/plugin_abi.h"

namespace {

modelpusher::Result<std::unique_ptr<modelpusher::StorageSource>> CreateGcsSource(
    const modelpusher::SourceContext& context) {
  return modelpusher::gcs::GcsSource::Create(context.uri, context.options);
}

const char* const kSchemes[] = {"gs", nullptr};

constexpr const char kSchema[] = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "gs source",
  "type": "object",
  "properties": {
    "uri": {"type": "string", "pattern": "^gs://[^/]+(/.*)?$",
            "description": "gs://BUCKET/PREFIX; the prefix is a folder, matched whole"},
    "endpoint": {"type": "string",
                 "description": "JSON API base URL; default STORAGE_EMULATOR_HOST, else Google"},
    "anonymous": {"type": "boolean", "default": false,
                  "description": "send no credentials (public buckets)"},
    "credentials_file": {"type": "string",
                         "description": "key file; default GOOGLE_APPLICATION_CREDENTIALS"},
    "page_size": {"type": "integer", "minimum": 1, "maximum": 1000,
                  "description": "objects.list maxResults"}
  },
  "required": ["uri"],
  "additionalProperties": false
})json";

const mp_plugin_descriptor kDescriptor = {
    MP_DESCRIPTOR_HEADER,
    "source-gcs",
    MP_PLUGIN_KIND_SOURCE,
    kSchemes,
    "0.1.0",
    kSchema,
    &CreateGcsSource,
    nullptr,
};

}  // namespace

MP_DECLARE_PLUGIN(kDescriptor)
