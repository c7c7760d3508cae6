// The plugin's entry point: descriptor, factory and the JSON Schema of the source block.

#include "modelpusher/plugin_abi.h"
#include "s3_source.h"

namespace {

modelpusher::Result<std::unique_ptr<modelpusher::StorageSource>> CreateS3Source(
    const modelpusher::SourceContext& context) {
  return modelpusher::s3::S3Source::Create(context.uri, context.options);
}

const char* const kSchemes[] = {"s3", nullptr};

constexpr const char kSchema[] = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "s3 source",
  "type": "object",
  "properties": {
    "uri": {"type": "string", "pattern": "^s3://[^/]+(/.*)?$",
            "description": "s3://BUCKET/PREFIX; the prefix is a folder, matched whole"},
    "endpoint": {"type": "string",
                 "description": "default AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, profile"},
    "region": {"type": "string",
               "description": "default AWS_REGION, AWS_DEFAULT_REGION, the profile, us-east-1"},
    "profile": {"type": "string",
                "description": "profile in the shared credentials and config files"},
    "anonymous": {"type": "boolean", "default": false,
                  "description": "send unsigned requests (public buckets)"},
    "path_style": {"type": "boolean",
                   "description": "path-style addressing; default true for custom endpoints"},
    "page_size": {"type": "integer", "minimum": 1, "maximum": 1000,
                  "description": "ListObjectsV2 max-keys"},
    "checksums": {"type": "boolean", "default": true,
                  "description": "report single-part ETags as MD5"}
  },
  "required": ["uri"],
  "additionalProperties": false
})json";

const mp_plugin_descriptor kDescriptor = {
    MP_DESCRIPTOR_HEADER,
    "source-s3",
    MP_PLUGIN_KIND_SOURCE,
    kSchemes,
    "0.1.0",
    kSchema,
    &CreateS3Source,
    nullptr,
};

}  // namespace

MP_DECLARE_PLUGIN(kDescriptor)
