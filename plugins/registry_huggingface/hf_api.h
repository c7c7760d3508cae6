#pragma once

// The Hub's REST endpoints used by the registry: URL shapes, credentials, retry policies and
// the mapping of HTTP answers to Status codes (hub-protocol.md sections 1-5, 7, 8).

#include <cstdint>
#include <string>
#include <vector>

#include "hf_config.h"
#include "modelpusher/http.h"
#include "modelpusher/status.h"

namespace modelpusher::hf {

struct WhoAmIInfo {
  std::string name;
  std::vector<std::string> orgs;
  /// auth.accessToken.role: "read", "write", "admin", "contributor", "fineGrained", or "".
  std::string role;
};

struct RefInfo {
  std::string name;
  std::string target_commit;
};

struct RefList {
  std::vector<RefInfo> branches;
  std::vector<RefInfo> tags;
  /// The commit `name` points at among branches (or tags), or "".
  std::string BranchHead(const std::string& name) const;
  std::string TagTarget(const std::string& name) const;
};

struct TreeFile {
  std::string path;
  /// Git blob id (of the pointer for LFS files).
  std::string oid;
  uint64_t size = 0;
  /// sha256 for LFS files, "" for regular ones.
  std::string lfs_oid;
};

/// One file offered to preupload.
struct PreuploadFile {
  std::string path;
  uint64_t size = 0;
  /// Up to the first 512 bytes.
  std::string sample;
};

/// Maps a non-2xx Hub answer to a Status whose message says what to do. `doing` describes
/// the step ("creating branch v3 of acme/net"). Server error text is included, redacted.
Status MapHubError(const HttpResponse& response, const std::string& doing,
                   const std::string& repo_id);

/// One revision as a single URL path segment: every reserved character encoded, '/' too
/// ("release/v1.2" -> "release%2Fv1.2", "a%20b" -> "a%2520b").
std::string EncodeRevision(const std::string& rev);
/// A file path inside the repo for URLs: '/' kept, everything else reserved encoded.
std::string EncodeRepoPath(const std::string& path);

/// Calls the Hub for one model repository. Thread safe as far as HttpClient is.
class HubApi {
 public:
  HubApi(const HfConfig& config, HttpClient& http) : config_(config), http_(http) {}

  const HfConfig& config() const { return config_; }
  HttpClient& http() { return http_; }
  std::string RepoId() const { return config_.RepoId(); }
  /// {endpoint}/api/models/{owner}/{name}
  std::string ApiRepoUrl() const;
  /// {endpoint}/{owner}/{name}
  std::string WebRepoUrl() const;

  /// A request to the Hub's own origin, carrying the token when there is one.
  HttpRequest HubRequest(const std::string& method, const std::string& url) const;
  /// True when `url` is on the endpoint's origin (only then may the token go there).
  bool IsHubOrigin(const std::string& url) const;

  /// Errors: kUnauthenticated (missing/invalid token), kUnavailable.
  Result<WhoAmIInfo> WhoAmI();
  /// True when the repository exists and the token can see it.
  Result<bool> RepoExists();
  /// Creates the repository; returns true when created, false when it already existed.
  Result<bool> CreateRepo();
  /// Errors: kAlreadyExists (409), kNotFound (bad starting point), kPermissionDenied.
  Status CreateBranch(const std::string& branch, const std::string& starting_point);
  Status DeleteBranch(const std::string& branch);
  /// Tags `revision` (a commit id) as `tag`. kAlreadyExists on 409.
  Status CreateTag(const std::string& tag, const std::string& revision);
  /// Errors: kNotFound when the repository does not exist (or is invisible).
  Result<RefList> ListRefs();
  /// Every file of `rev`, recursively, following `Link: rel=next` pages.
  Result<std::vector<TreeFile>> ListTree(const std::string& rev);
  /// For each file, true when the Hub wants it through LFS. Sends batches of at most 256
  /// files, halving a batch that the server answers with 413.
  Result<std::vector<bool>> PreuploadModes(const std::string& rev,
                                           const std::vector<PreuploadFile>& files);
  /// Sends one NDJSON commit to branch `rev`. Not retried except on 429/503 with their
  /// Retry-After (safe because the body pins parentCommit). Returns the raw answer for any
  /// status; `attempts` receives how many sends were made.
  Result<HttpResponse> PostCommit(const std::string& rev, std::string body, int* attempts);

 private:
  /// Sends a request that must not be retried blindly: only 429/503 are retried, honouring
  /// Retry-After, at most `max_attempts` times within `deadline_s`.
  Result<HttpResponse> SendRateLimited(HttpRequest request, int max_attempts, double deadline_s,
                                       int* attempts = nullptr);
  Result<std::vector<bool>> PreuploadBatch(const std::string& rev,
                                           const std::vector<PreuploadFile>& files,
                                           size_t begin, size_t end);

  HfConfig config_;
  HttpClient& http_;
};

}  // namespace modelpusher::hf
