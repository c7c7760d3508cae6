#pragma once

// Version strings and the refs (branches or tags) that hold them.
// Thread safety: pure functions; call them from any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "modelpusher/status.h"

namespace modelpusher {

/// Renders a ref template: "{version}" is replaced by `version`. Other braces are an error.
/// Errors: kInvalidArgument.
Result<std::string> RenderRefTemplate(const std::string& ref_template, const std::string& version);

/// If `ref` was made by `ref_template`, the version inside it ("v{version}" + "v17" -> "17").
std::optional<std::string> MatchRefTemplate(const std::string& ref_template,
                                            const std::string& ref);

/// Git's rules for a ref name's short form (git check-ref-format): no "..", no "@{", no
/// component that starts with '.' or ends with ".lock", no control characters, space,
/// ~ ^ : ? * [ \, no trailing '/' or '.', no "//". Also refuses "refs/pr/..." (pull
/// request refs on the Hub) and names longer than 255 bytes.
/// Errors: kInvalidArgument naming the rule broken.
Status CheckRefName(const std::string& name);

/// Orders two version strings: numerically when both are integers, by semver precedence when
/// both are semver, else lexically. Negative, zero or positive like strcmp.
int CompareVersions(const std::string& a, const std::string& b);

}  // namespace modelpusher
