#include <algorithm>
#include <atomic>
#include <map>
#include <vector>

#include "modelpusher/cancel.h"
#include "modelpusher/hash.h"
#include "modelpusher/log.h"
#include "modelpusher/parallel.h"
#include "modelpusher/path_map.h"
#include "modelpusher/staging.h"

namespace modelpusher {
namespace {

// Large enough to keep syscalls and hash calls cheap, small enough that eight transfers in
// flight stay far below the memory budget.
constexpr size_t kReadBuffer = 1 << 20;

Result<ManifestEntry> HashOne(StorageSource& source, const FileEntry& file,
                              const std::string& prefix, Progress* progress) {
  ManifestEntry entry;
  entry.path = JoinPath(prefix, file.path);
  entry.source_path = file.path;
  entry.size = file.size;

  MP_ASSIGN_OR_RETURN(auto reader, source.Open(file.path));
  Hasher sha256(Hasher::Algorithm::kSha256);
  bool want_blob_id = file.size <= kGitBlobIdLimit;
  Hasher sha1(Hasher::Algorithm::kSha1);
  if (want_blob_id) {
    std::string header = "blob " + std::to_string(file.size);
    sha1.Update(header.data(), header.size() + 1);  // The NUL terminator is part of it.
  }

  std::vector<char> buffer(kReadBuffer);
  uint64_t total = 0;
  while (true) {
    if (CancelRequested()) return CancelledError("interrupted while reading " + file.path);
    MP_ASSIGN_OR_RETURN(size_t n, reader->Read(buffer.data(), buffer.size()));
    if (n == 0) break;
    sha256.Update(buffer.data(), n);
    if (want_blob_id) sha1.Update(buffer.data(), n);
    total += n;
    if (progress != nullptr) progress->Advance(file.path, n);
  }
  if (total != file.size) {
    return DataLossError("read " + std::to_string(total) + " bytes of " + file.path +
                         " but the listing said " + std::to_string(file.size) +
                         "; the file changed while it was read, or the source is corrupt");
  }
  entry.sha256 = sha256.FinishHex();
  if (want_blob_id) entry.git_blob_id = sha1.FinishHex();
  if (!file.sha256.empty() && file.sha256 != entry.sha256) {
    return DataLossError("sha256 of " + file.path + " is " + entry.sha256 +
                         " but the source records " + file.sha256);
  }
  return entry;
}

}  // namespace

Result<std::vector<ManifestEntry>> BuildManifest(StorageSource& source,
                                                 const std::vector<FileEntry>& files,
                                                 const std::string& prefix, size_t threads,
                                                 Progress* progress) {
  std::vector<ManifestEntry> manifest(files.size());
  Status status = ParallelFor(files.size(), threads, [&](size_t i) -> Status {
    auto entry = HashOne(source, files[i], prefix, progress);
    if (!entry.ok()) return entry.status().WithContext("while reading " + source.Describe());
    manifest[i] = std::move(entry).value();
    log::Debug("hashed", {{"path", manifest[i].path}, {"bytes", manifest[i].size}});
    return Status::Ok();
  });
  MP_RETURN_IF_ERROR(status);

  std::sort(manifest.begin(), manifest.end(),
            [](const ManifestEntry& a, const ManifestEntry& b) { return a.path < b.path; });
  for (size_t i = 1; i < manifest.size(); ++i) {
    if (manifest[i].path == manifest[i - 1].path) {
      return InvalidArgumentError("two files publish to the same path '" + manifest[i].path +
                                  "': " + manifest[i - 1].source_path + " and " +
                                  manifest[i].source_path);
    }
  }
  return manifest;
}

std::string ManifestDigest(const std::vector<ManifestEntry>& files) {
  Hasher h(Hasher::Algorithm::kSha256);
  for (const auto& f : files) {
    std::string line = f.path;
    line.push_back('\0');
    line += std::to_string(f.size);
    line.push_back('\0');
    line += f.sha256;
    line.push_back('\n');
    h.Update(line);
  }
  return "sha256:" + h.FinishHex();
}

FileOpener MakeSourceOpener(StorageSource& source) {
  return [&source](const ManifestEntry& file, uint64_t offset, uint64_t length) {
    return source.Open(file.source_path, offset, length);
  };
}

std::string GitBlobId(std::string_view content) {
  Hasher h(Hasher::Algorithm::kSha1);
  std::string header = "blob " + std::to_string(content.size());
  h.Update(header.data(), header.size() + 1);
  h.Update(content);
  return h.FinishHex();
}

}  // namespace modelpusher
