#include "git_version_tree.h"

#include <memory>
#include <set>

#include "git_blob_writer.h"
#include "git_error.h"
#include "git_tree_builder.h"
#include "lfs_attributes.h"
#include "lfs_pointer.h"
#include "modelpusher/log.h"
#include "modelpusher/path_map.h"

namespace modelpusher::git {
namespace {

constexpr size_t kAttributesLimit = 1 << 20;

using TreePtr = std::unique_ptr<git_tree, decltype(&git_tree_free)>;

bool IsRootAttributes(const GitConfig& config, const ManifestEntry& file) {
  return config.path_in_repo.empty() && file.path == ".gitattributes";
}

// Lines of `extra` that `base` does not hold yet, appended to it.
std::string MergeLines(std::string base, const std::string& extra) {
  if (!base.empty() && base.back() != '\n') base += '\n';
  size_t start = 0;
  while (start < extra.size()) {
    size_t end = extra.find('\n', start);
    if (end == std::string::npos) end = extra.size();
    std::string line = extra.substr(start, end - start);
    if (!line.empty() && ("\n" + base).find("\n" + line + "\n") == std::string::npos) {
      base += line + "\n";
    }
    start = end + 1;
  }
  return base;
}

}  // namespace

// The base's root .gitattributes, merged with the model's own root one, if it ships one.
Result<std::string> VersionTreeBuilder::ExistingAttributes(const git_tree* base_tree) {
  MP_ASSIGN_OR_RETURN(std::string base,
                      ReadSmallBlob(repo_, base_tree, ".gitattributes", kAttributesLimit));
  if (!model_attributes_) {
    model_attributes_ = "";
    for (const ManifestEntry& file : request_.files) {
      if (!IsRootAttributes(config_, file)) continue;
      MP_ASSIGN_OR_RETURN(auto reader, request_.open(file, 0, file.size));
      MP_ASSIGN_OR_RETURN(*model_attributes_, ReadAll(*reader, kAttributesLimit));
    }
  }
  return MergeLines(base, *model_attributes_);
}

Result<git_oid> VersionTreeBuilder::PlainBlob(size_t index) {
  if (!plain_blobs_[index]) {
    const ManifestEntry& file = request_.files[index];
    git_odb* odb = nullptr;
    MP_RETURN_IF_ERROR(GitCheck(git_repository_odb(&odb, repo_), "opening the object database"));
    std::unique_ptr<git_odb, decltype(&git_odb_free)> owned(odb, git_odb_free);
    bool written = false;
    MP_ASSIGN_OR_RETURN(plain_blobs_[index],
                        WriteFileBlob(odb, file, request_.open, request_.progress, &written));
    if (written) {
      ++files_written_;
      bytes_written_ += file.size;
    }
  }
  return *plain_blobs_[index];
}

Result<VersionTree> VersionTreeBuilder::Build(const git_commit* base) {
  TreePtr base_tree(nullptr, git_tree_free);
  if (base != nullptr) {
    git_tree* raw = nullptr;
    MP_RETURN_IF_ERROR(GitCheck(git_commit_tree(&raw, base), "reading the base's tree"));
    base_tree.reset(raw);
  }

  std::vector<PlannedFile> planned;
  for (const ManifestEntry& file : request_.files) {
    planned.push_back({JoinPath(config_.path_in_repo, file.path), file.size});
  }
  MP_ASSIGN_OR_RETURN(std::string existing, ExistingAttributes(base_tree.get()));
  LfsPlan plan = PlanLfs(planned, config_.lfs_threshold, config_.lfs_patterns, existing);

  VersionTree out;
  out.added_patterns = plan.added_patterns;
  std::vector<TreeEntrySpec> entries;
  std::set<std::string> seen_oids;
  for (size_t i = 0; i < request_.files.size(); ++i) {
    const ManifestEntry& file = request_.files[i];
    if (IsRootAttributes(config_, file)) continue;  // merged into the one written below
    TreeEntrySpec entry{planned[i].path, {}, GIT_FILEMODE_BLOB};
    if (plan.lfs[i]) {
      std::string pointer = LfsPointerText(file.sha256, file.size);
      MP_ASSIGN_OR_RETURN(entry.blob, WriteSmallBlob(repo_, pointer));
      if (seen_oids.insert(file.sha256).second) {
        out.lfs_objects.push_back({file.sha256, file.size, &file});
      }
    } else {
      MP_ASSIGN_OR_RETURN(entry.blob, PlainBlob(i));
    }
    entries.push_back(std::move(entry));
  }
  if (!plan.gitattributes.empty()) {
    MP_ASSIGN_OR_RETURN(git_oid attributes, WriteSmallBlob(repo_, plan.gitattributes));
    entries.push_back({".gitattributes", attributes, GIT_FILEMODE_BLOB});
  }
  MP_ASSIGN_OR_RETURN(out.tree, BuildTree(repo_, base_tree.get(), config_.path_in_repo, entries));
  return out;
}

}  // namespace modelpusher::git
