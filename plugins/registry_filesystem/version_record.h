#pragma once

// The metadata the filesystem registry keeps for each version it publishes, beside the
// version folders (never inside them: TF Serving must see exactly the model).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "modelpusher/model_registry.h"
#include "modelpusher/status.h"

namespace modelpusher::registry_filesystem {

/// One version's record, stored as `<path>/.modelpusher/<version>.json`.
struct VersionRecord {
  std::string version;
  /// "sha256:<hex>", as PushRequest::digest.
  std::string digest;
  /// UTC, "2026-12-04T16:00:00Z".
  std::string published_at;
  std::string push_name;
  std::string source_uri;
  std::string commit_summary;
  BlessingDecision blessing;
  /// Published path -> (size, sha256).
  struct File {
    std::string path;
    uint64_t size = 0;
    std::string sha256;
  };
  std::vector<File> files;
};

/// The record for a request about to be published, stamped with the current time.
VersionRecord RecordFor(const PushRequest& request);

/// Pretty JSON text for `record` (format 1).
std::string RecordToJson(const VersionRecord& record);

/// Parses RecordToJson's output. Errors: kDataLoss (not JSON, or not a format-1 record),
/// naming `where`.
Result<VersionRecord> RecordFromJson(const std::string& text, const std::string& where);

}  // namespace modelpusher::registry_filesystem
