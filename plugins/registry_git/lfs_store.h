#pragma once

// Where LFS objects go: the remote's LFS server (batch API) or, for file:// remotes, the
// remote repository's own object store, as git-lfs does for local remotes.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "git_config.h"
#include "modelpusher/model_registry.h"

namespace modelpusher::git {

/// One object to send: the file's sha256 and size, and the file to read it from.
struct LfsObject {
  std::string oid;
  uint64_t size = 0;
  const ManifestEntry* file = nullptr;
};

struct LfsUploadStats {
  uint64_t objects = 0;
  uint64_t bytes = 0;
};

/// Sends LFS objects. Thread safety: one Upload at a time.
class LfsStore {
 public:
  virtual ~LfsStore() = default;

  /// Makes sure the store holds every object of `objects` (distinct oids), sending only
  /// those it lacks. `ref` is the full ref name the objects are for (servers may authorise
  /// per ref). Errors: kUnauthenticated, kPermissionDenied, kNotFound (no LFS at that URL),
  /// kUnavailable, kResourceExhausted, kDataLoss (the server or the copy saw other bytes),
  /// kUnimplemented (a remote whose LFS server cannot be derived).
  virtual Result<LfsUploadStats> Upload(const std::vector<LfsObject>& objects,
                                        const FileOpener& open, const std::string& ref,
                                        Progress* progress) = 0;
};

/// The store for `config.url`: a local one for file://, the batch API otherwise.
Result<std::unique_ptr<LfsStore>> MakeLfsStore(const GitConfig& config);

/// The batch API client for the LFS server at `endpoint` (".../info/lfs").
std::unique_ptr<LfsStore> MakeHttpLfsStore(const GitConfig& config, std::string endpoint);

/// The object store of the local repository at `git_dir` (<git_dir>/lfs/objects/aa/bb/oid).
std::unique_ptr<LfsStore> MakeLocalLfsStore(std::string git_dir);

/// git-lfs's default endpoint for a remote URL: "<url>/info/lfs" when it ends in ".git",
/// else "<url>.git/info/lfs". Errors: kUnimplemented for ssh:// (which needs
/// `git-lfs-authenticate`; set `lfs_url` instead).
Result<std::string> DefaultLfsEndpoint(const std::string& url);

}  // namespace modelpusher::git
