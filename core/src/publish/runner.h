#pragma once

// Runs pushes: source -> blessing -> staging -> version -> publish, one outcome per
// (push, registry).

#include <optional>
#include <string>
#include <vector>

#include "config/push_config.h"
#include "modelpusher/model_registry.h"
#include "plugin_host/plugin_host.h"

namespace modelpusher::internal {

struct RunOptions {
  bool dry_run = false;
  /// Pushes run in parallel, at most this many at once.
  size_t jobs = 1;
  /// Threads that read and hash one push's files.
  size_t hash_threads = 4;
  Progress* progress = nullptr;
};

/// What happened to one push at one registry.
struct Outcome {
  std::string push;
  std::string registry;  // label
  std::string type;
  PushStatus status = PushStatus::kFailed;
  PushResult result;  // meaningful unless status is kFailed / kNotBlessed
  std::string version;
  BlessingDecision blessing;
  Status error;  // set when status is kFailed
  uint64_t files = 0;
  uint64_t bytes = 0;
  int64_t elapsed_ms = 0;
};

/// Picks the pushes to run: all of them, those named (--push, repeatable), or the i-th
/// (--push-index, 0-based, for Kubernetes Indexed Jobs).
/// Errors: kInvalidArgument naming an unknown push or an index out of range.
Result<std::vector<const PushSpec*>> SelectPushes(const Config& config,
                                                  const std::vector<std::string>& names,
                                                  std::optional<size_t> index);

/// Checks every registry block of the selected pushes against its plugin's schema, and
/// that a source plugin exists for every source. Nothing is read or written.
Status ValidatePlugins(const std::vector<const PushSpec*>& pushes, const PluginHost& host);

/// Runs the pushes; one failing push does not stop the others. Outcomes are grouped by
/// push, in config order.
std::vector<Outcome> RunPushes(const std::vector<const PushSpec*>& pushes, const Config& config,
                               const PluginHost& host, const RunOptions& options);

}  // namespace modelpusher::internal
