#pragma once

// The results of a run: JSON for machines (stdout), a summary for people (stderr), and the
// exit code for schedulers.

#include <string>
#include <vector>

#include "publish/runner.h"

namespace modelpusher::internal {

/// Exit codes: 0 every result is pushed, unchanged, not_blessed or dry_run; 1 a push
/// failed; 2 usage or config error (nothing attempted); 3 a push failed because
/// credentials were missing, invalid or lacked permission (fix the token, not the model).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitPermission = 3;

/// {"results": [...]}: one object per outcome (see docs/cli.md for the fields).
std::string OutcomesToJson(const std::vector<Outcome>& outcomes);

/// One line per outcome, then a count line.
std::string OutcomesToText(const std::vector<Outcome>& outcomes);

int ExitCodeFor(const std::vector<Outcome>& outcomes);

/// {"results": [], "error": message, "error_code": "invalid_argument"}: what --json prints
/// when nothing was attempted (exit code 2).
std::string UsageErrorJson(const std::string& message);

}  // namespace modelpusher::internal
