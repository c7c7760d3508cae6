// The `file` source plugin's entry point: descriptor and factory, nothing else.

#include <exception>

#include "file_source.h"
#include "modelpusher/plugin_abi.h"

namespace {

using modelpusher::Result;
using modelpusher::SourceContext;
using modelpusher::StorageSource;

const char* const kSchemes[] = {"file", nullptr};

// The map form of `source:`. The file source has no options besides the folder itself, so
// an unknown key is a typo and is refused rather than silently ignored.
constexpr char kConfigSchema[] = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "file source",
  "description": "A model folder on a local file system: file:///abs/path or an absolute path.",
  "type": "object",
  "properties": {
    "uri": {
      "type": "string",
      "pattern": "^(file://(localhost)?/|/)",
      "description": "file:///abs/path or /abs/path"
    }
  },
  "required": ["uri"],
  "additionalProperties": false
})json";

// No exception may cross the plugin boundary; allocation failure is the only one possible.
Result<std::unique_ptr<StorageSource>> CreateSource(const SourceContext& context) {
  try {
    return modelpusher::source_file::MakeFileSource(context);
  } catch (const std::exception& e) {
    return modelpusher::InternalError(std::string("creating a file source: ") + e.what());
  }
}

const mp_plugin_descriptor kDescriptor = {
    MP_DESCRIPTOR_HEADER,
    "source-file",
    MP_PLUGIN_KIND_SOURCE,
    kSchemes,
    "0.1.0",
    kConfigSchema,
    &CreateSource,
    nullptr,
};

}  // namespace

MP_DECLARE_PLUGIN(kDescriptor)
