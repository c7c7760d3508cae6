#pragma once

// Git LFS uploads to the Hub: the batch API, basic single PUTs, the Hub's multipart scheme,
// and verify (hub-protocol.md section 6). Never Xet.

#include <cstdint>
#include <string>
#include <vector>

#include "hf_api.h"
#include "modelpusher/model_registry.h"

namespace modelpusher::hf {

struct LfsUploadStats {
  uint64_t objects_sent = 0;
  uint64_t bytes_sent = 0;
  /// Objects the server already had (no upload action).
  uint64_t objects_skipped = 0;
};

/// Makes sure the Hub stores every file of `files` (by sha256): asks the batch API (at most
/// 256 objects per call, halving on 413), uploads what it asks for on up to `threads`
/// threads, each file streamed from `open` (never loaded whole), then verifies.
/// `ref_name` goes into the batch body as the target ref (decoded).
/// No Hub token is ever set on upload or completion requests: their URLs are the credential.
/// Errors: kUnimplemented (the server offers only Xet), kDataLoss (a part answer lacked its
/// ETag or the server refused the checksum), those of MapHubError.
Result<LfsUploadStats> UploadLfsFiles(HubApi& api, const std::vector<const ManifestEntry*>& files,
                                      const FileOpener& open, const std::string& ref_name,
                                      size_t threads, Progress* progress);

/// Checks the `transfer` an LFS batch answer picked: "basic", "multipart" or absent are fine;
/// "xet" (or anything else) is kUnimplemented, saying that only basic/multipart are spoken.
Status CheckLfsTransfer(const std::string& transfer);

}  // namespace modelpusher::hf
