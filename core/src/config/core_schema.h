#pragma once

namespace modelpusher::internal {

/// The core's JSON Schema (config/schema/core.schema.json), compiled in.
const char* CoreSchemaJson();

}  // namespace modelpusher::internal
