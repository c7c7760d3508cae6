#pragma once

// Evaluates a blessing policy before anything is uploaded.

#include "config/push_config.h"
#include "modelpusher/model_registry.h"
#include "plugin_host/plugin_host.h"

namespace modelpusher::internal {

/// Decides whether the model may be pushed. "Not blessed" is a decision (blessed = false),
/// not an error. Errors are for policies that cannot be decided: a missing or empty
/// blessing folder, both markers at once, an unknown marker, a missing metric.
/// Errors: kNotFound, kFailedPrecondition, kInvalidArgument, and the source's errors.
Result<BlessingDecision> EvaluateBlessing(const BlessingRule& rule, const PluginHost& host);

}  // namespace modelpusher::internal
