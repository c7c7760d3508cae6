#pragma once

// The generated model card: README.md with YAML front matter (hub-protocol.md section 9).

#include <string>

#include "modelpusher/model_registry.h"

namespace modelpusher::hf {

/// Renders README.md for `request` published to `repo_id`. The front matter holds
/// `library_name` (guessed from the files), `tags` (with "modelpusher"), `source`,
/// `pushed_version`, a `modelpusher:` block (digest, blessing decision, metrics) and, when
/// there are metrics, a `model-index`. Every string is double-quoted, so values such as
/// "1764860400" or "yes" stay strings; metric values are plain numbers.
std::string RenderModelCard(const PushRequest& request, const std::string& repo_id);

/// A library id the Hub knows, guessed from file names: "sentence-transformers",
/// "transformers", "tf-keras", "onnx", else "generic".
std::string GuessLibrary(const PushRequest& request);

}  // namespace modelpusher::hf
