#pragma once

// Computes the version string of a push from its versioning scheme.

#include <cstdint>
#include <string>
#include <vector>

#include "config/push_config.h"

namespace modelpusher::internal {

/// What a scheme may draw on.
struct VersionInputs {
  /// Seconds since the epoch (MODELPUSHER_NOW pins it; see Now()).
  int64_t now = 0;
  /// ManifestDigest of the push ("sha256:<hex>").
  std::string digest;
  /// Every version the push's registries already hold (any registry).
  std::vector<std::string> existing;
};

/// The clock: MODELPUSHER_NOW (whole seconds since the epoch) when set, else the system's.
/// Errors: kInvalidArgument when MODELPUSHER_NOW is not a whole number.
Result<int64_t> Now();

/// timestamp: "1764860400"; utc: "20251204T150000Z"; digest: the first 12 hex digits of
/// the digest; semver: the next version after the highest semver in `existing` ("0.0.1"
/// from nothing for a patch bump); template: placeholders {timestamp}, {utc}, {digest},
/// {semver}, {env:NAME}.
/// Errors: kInvalidArgument (unknown placeholder, unset variable).
Result<std::string> ComputeVersion(const VersioningSpec& spec, const VersionInputs& inputs);

}  // namespace modelpusher::internal
