#include "git_blob_writer.h"

#include <memory>
#include <vector>

#include "git_error.h"

namespace modelpusher::git {
namespace {

constexpr size_t kChunk = 256 * 1024;

using StreamPtr = std::unique_ptr<git_odb_stream, decltype(&git_odb_stream_free)>;

Status CopyInto(git_odb_stream* stream, ByteReader& reader, const ManifestEntry& file,
                Progress* progress) {
  std::vector<char> buffer(kChunk);
  uint64_t total = 0;
  while (true) {
    MP_ASSIGN_OR_RETURN(size_t n, reader.Read(buffer.data(), buffer.size()));
    if (n == 0) break;
    total += n;
    if (total > file.size) break;
    MP_RETURN_IF_ERROR(GitCheck(git_odb_stream_write(stream, buffer.data(), n),
                                "storing '" + file.path + "' in the object database"));
    if (progress) progress->Advance(file.path, n);
  }
  if (total != file.size) {
    return DataLossError("'" + file.path + "' has " + std::to_string(total) +
                         " bytes or more, the manifest says " + std::to_string(file.size) +
                         "; the source changed during the push, run it again");
  }
  return Status::Ok();
}

}  // namespace

Result<git_oid> WriteFileBlob(git_odb* odb, const ManifestEntry& file, const FileOpener& open,
                              Progress* progress, bool* written) {
  *written = false;
  git_oid expected;
  bool known = !file.git_blob_id.empty() &&
               git_oid_fromstr(&expected, file.git_blob_id.c_str()) == 0;
  if (known && git_odb_exists(odb, &expected)) return expected;

  MP_ASSIGN_OR_RETURN(auto reader, open(file, 0, file.size));
  git_odb_stream* raw = nullptr;
  MP_RETURN_IF_ERROR(GitCheck(git_odb_open_wstream(&raw, odb, file.size, GIT_OBJECT_BLOB),
                              "opening a blob stream for '" + file.path + "'"));
  StreamPtr stream(raw, git_odb_stream_free);
  MP_RETURN_IF_ERROR(CopyInto(stream.get(), *reader, file, progress));

  git_oid id;
  MP_RETURN_IF_ERROR(GitCheck(git_odb_stream_finalize_write(&id, stream.get()),
                              "finishing the blob of '" + file.path + "'"));
  if (known && !git_oid_equal(&id, &expected)) {
    return DataLossError("'" + file.path + "' changed since it was hashed (blob " +
                         git_oid_tostr_s(&id) + ", expected " + file.git_blob_id +
                         "); run the push again");
  }
  *written = true;
  return id;
}

Result<git_oid> WriteSmallBlob(git_repository* repo, const std::string& content) {
  git_oid id;
  MP_RETURN_IF_ERROR(GitCheck(git_blob_create_from_buffer(&id, repo, content.data(),
                                                          content.size()),
                              "writing a small blob"));
  return id;
}

Result<std::string> ReadSmallBlob(git_repository* repo, const git_tree* tree,
                                  const std::string& path, size_t limit) {
  if (tree == nullptr) return std::string();
  git_tree_entry* entry = nullptr;
  int rc = git_tree_entry_bypath(&entry, tree, path.c_str());
  if (rc == GIT_ENOTFOUND) {
    git_error_clear();
    return std::string();
  }
  MP_RETURN_IF_ERROR(GitCheck(rc, "looking up '" + path + "' in the base"));
  std::unique_ptr<git_tree_entry, decltype(&git_tree_entry_free)> owned(entry,
                                                                        git_tree_entry_free);
  if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB) return std::string();
  git_blob* blob = nullptr;
  MP_RETURN_IF_ERROR(GitCheck(git_blob_lookup(&blob, repo, git_tree_entry_id(entry)),
                              "reading '" + path + "' of the base"));
  std::unique_ptr<git_blob, decltype(&git_blob_free)> owned_blob(blob, git_blob_free);
  auto size = static_cast<size_t>(git_blob_rawsize(blob));
  if (size > limit) {
    return ResourceExhaustedError("'" + path + "' in the base is larger than " +
                                  std::to_string(limit) + " bytes");
  }
  return std::string(static_cast<const char*>(git_blob_rawcontent(blob)), size);
}

}  // namespace modelpusher::git
