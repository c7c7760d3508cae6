#pragma once

// ModelRegistry: where versions are published (Hugging Face Hub, git remote, folder, ...),
// and PushRequest / PushResult, what goes in and what comes out of one publish.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "modelpusher/io.h"
#include "modelpusher/status.h"

namespace modelpusher {

/// One file of the model, as it will be published.
struct ManifestEntry {
  /// Destination path relative to the registry root, '/'-separated (see path_map.h).
  std::string path;
  /// Path in the source, as StorageSource::List gave it.
  std::string source_path;
  uint64_t size = 0;
  /// Lower-case hex sha256 of the content. Always set.
  std::string sha256;
  /// Lower-case hex git blob id (sha1 of "blob <size>\0" + content). Set for files up to
  /// kGitBlobIdLimit bytes, empty above (such files always go through LFS or the like).
  std::string git_blob_id;
};

/// Files above this size get no git_blob_id: hashing them twice would cost time for nothing,
/// since no registry stores a file this large as a plain git blob.
inline constexpr uint64_t kGitBlobIdLimit = 10 * 1024 * 1024;

/// The outcome of the blessing policy, carried into model cards and results.
struct BlessingDecision {
  bool blessed = false;
  /// The rule that decided, e.g. "tfx:/path/blessing", "none", "metrics:eval.json".
  std::string rule;
  /// Why, in words for a person: "BLESSED marker present", "accuracy 0.87 < 0.90".
  std::string reason;
  /// Metric values read by metrics rules (name -> value), for model cards.
  std::map<std::string, double> metrics;
};

/// Opens one manifest file for reading, from `offset`, `length` bytes (or to the end).
/// Thread safe: registries may open several files at once.
using FileOpener = std::function<Result<std::unique_ptr<ByteReader>>(
    const ManifestEntry& file, uint64_t offset, uint64_t length)>;

/// Everything a registry needs to publish one version. Built by the core; read-only to
/// plugins.
struct PushRequest {
  /// The `pushes:` entry name ("default" for a single push).
  std::string push_name;
  /// The model root, for model cards and logs (no credentials).
  std::string source_uri;
  /// Every file, sorted by `path`; paths are unique.
  std::vector<ManifestEntry> files;
  /// "sha256:<hex>" over the sorted (path, size, sha256) triples: equal digests mean
  /// identical published trees.
  std::string digest;
  /// The version string ("1764860400") and the rendered ref name ("v1764860400").
  std::string version;
  std::string ref;
  /// One-line summary and longer description for the commit or its equivalent.
  std::string commit_summary;
  std::string commit_description;
  BlessingDecision blessing;
  FileOpener open;
  /// Validate and describe what would happen; change nothing remotely.
  bool dry_run = false;
  /// May be null.
  Progress* progress = nullptr;
};

enum class PushStatus { kPushed, kUnchanged, kNotBlessed, kDryRun, kFailed };

/// "pushed", "unchanged", "not_blessed", "dry_run", "failed".
const char* PushStatusName(PushStatus status);

/// What one registry did with one PushRequest.
struct PushResult {
  PushStatus status = PushStatus::kFailed;
  /// The version that holds the content: the new one, or for kUnchanged the existing one.
  std::string version;
  /// "owner/name" on the Hub, the remote URL without credentials, the folder, ...
  std::string repo_id;
  /// The ref (branch or tag) that holds the version.
  std::string branch;
  /// Commit id or the registry's equivalent; empty when the registry has none.
  std::string commit_id;
  /// Where a person can look at this version.
  std::string repo_url;
  /// Files and bytes actually sent (0 for blobs the registry already had).
  uint64_t files_uploaded = 0;
  uint64_t bytes_uploaded = 0;
};

/// A version a registry already holds.
struct VersionInfo {
  std::string version;
  std::string ref;
  std::string commit_id;
  /// "sha256:<hex>" as in PushRequest::digest, when the registry recorded it; else empty.
  std::string digest;
  /// Metrics recorded with the version, when the registry keeps them.
  std::map<std::string, double> metrics;
};

/// Publishes versions to one repository (or folder, or remote).
///
/// Contract for every implementation (the conformance suite checks it):
/// - Publish is atomic: a reader sees the whole new version or nothing; a failure leaves no
///   half-published version behind.
/// - An existing version ref is never overwritten: kAlreadyExists, with the ref named.
/// - Publishing content identical to the newest version makes no new version: the result is
///   kUnchanged with that version's ref and commit.
/// - Files are streamed through PushRequest::open; memory stays flat whatever their size.
/// - No secret (token, signed URL) appears in a Status message, log line or result.
/// Thread safety: one Publish at a time per object; separate objects are independent.
class ModelRegistry {
 public:
  virtual ~ModelRegistry() = default;

  /// The registry's id for results and logs: "owner/name", a URL without credentials, or a
  /// folder path.
  virtual std::string RepoId() const = 0;

  /// Versions already published, oldest first when the registry can tell.
  /// Errors: kUnauthenticated, kPermissionDenied, kUnavailable. A repository that does not
  /// exist yet is not an error: it holds no versions.
  virtual Result<std::vector<VersionInfo>> ListVersions() = 0;

  /// Publishes `request`. Returns a PushResult for kPushed / kUnchanged / kDryRun; any
  /// failure is an error Status whose message says what to do:
  /// kAlreadyExists (the ref is taken), kUnauthenticated, kPermissionDenied (e.g. a
  /// read-only token), kInvalidArgument (bad path or ref), kUnavailable (gave up retrying),
  /// kResourceExhausted (payload limits), kDataLoss (a checksum did not match).
  virtual Result<PushResult> Publish(const PushRequest& request) = 0;
};

}  // namespace modelpusher
