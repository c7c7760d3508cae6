#pragma once

// Secrets: tokens and keys, held so that they cannot be printed by accident.
// Thread safety: Secret is a value; the functions may be called from any thread (they read
// the environment and files, and register the secret with the thread-safe logger).

#include <string>
#include <vector>

#include "modelpusher/config_value.h"
#include "modelpusher/status.h"

namespace modelpusher {

/// A credential. Constructing one registers it with the logger's redaction, so it never
/// appears in a log line. ToString() prints "***". Copyable value type.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value);

  bool empty() const { return value_.empty(); }
  /// The raw value, only to put on the wire.
  const std::string& Reveal() const { return value_; }
  std::string ToString() const { return value_.empty() ? "<none>" : "***"; }

 private:
  std::string value_;
};

/// Resolves a secret reference from the config: `{env: NAME}` reads the environment
/// variable, `{file: PATH}` reads the first line of a file (relative to `config_dir`),
/// trimmed. A plain string is refused: secrets never live in the config file.
/// Errors: kInvalidArgument (wrong shape, with location), kUnauthenticated (variable unset or
/// empty, file missing: the message names the variable or file and says what to set).
Result<Secret> ResolveSecret(const ConfigValue& ref, const std::string& config_dir);

/// The first non-empty environment variable of `names`, or an empty Secret.
Secret SecretFromEnv(const std::vector<std::string>& names);

/// The first line of `path`, trimmed, or an empty Secret when the file is absent.
/// Errors: kPermissionDenied / kInternal when the file exists but cannot be read.
Result<Secret> SecretFromFile(const std::string& path);

}  // namespace modelpusher
