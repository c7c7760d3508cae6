#include "git_tree_builder.h"

#include <map>
#include <memory>

#include "git_error.h"

namespace modelpusher::git {
namespace {

// The entries below one folder, by the name of their first path segment.
struct Folder {
  std::map<std::string, const TreeEntrySpec*> files;
  std::map<std::string, Folder> folders;
  bool replaced = false;  // start from an empty tree instead of the base's
};

Status Insert(Folder& root, const TreeEntrySpec& entry) {
  Folder* folder = &root;
  std::string rest = entry.path;
  for (auto slash = rest.find('/'); slash != std::string::npos; slash = rest.find('/')) {
    if (slash == 0) return InvalidArgumentError("empty segment in path '" + entry.path + "'");
    folder = &folder->folders[rest.substr(0, slash)];
    rest.erase(0, slash + 1);
  }
  if (rest.empty()) return InvalidArgumentError("path '" + entry.path + "' names no file");
  folder->files[rest] = &entry;
  return Status::Ok();
}

void MarkReplaced(Folder& root, const std::string& folder_path) {
  Folder* folder = &root;
  std::string rest = folder_path;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    folder = &folder->folders[rest.substr(0, slash)];
    rest = slash == std::string::npos ? "" : rest.substr(slash + 1);
  }
  folder->replaced = true;
}

using TreePtr = std::unique_ptr<git_tree, decltype(&git_tree_free)>;
using BuilderPtr = std::unique_ptr<git_treebuilder, decltype(&git_treebuilder_free)>;

Result<git_oid> Write(git_repository* repo, const git_tree* base, const Folder& folder,
                      const std::string& where) {
  git_treebuilder* raw = nullptr;
  const git_tree* start = folder.replaced ? nullptr : base;
  MP_RETURN_IF_ERROR(GitCheck(git_treebuilder_new(&raw, repo, start),
                              "starting tree '" + where + "'"));
  BuilderPtr builder(raw, git_treebuilder_free);

  for (const auto& [name, sub] : folder.folders) {
    TreePtr sub_base(nullptr, git_tree_free);
    const git_tree_entry* existing = start ? git_tree_entry_byname(start, name.c_str()) : nullptr;
    if (existing && git_tree_entry_type(existing) == GIT_OBJECT_TREE) {
      git_tree* t = nullptr;
      MP_RETURN_IF_ERROR(GitCheck(git_tree_lookup(&t, repo, git_tree_entry_id(existing)),
                                  "reading base folder '" + where + name + "'"));
      sub_base.reset(t);
    }
    MP_ASSIGN_OR_RETURN(git_oid sub_id, Write(repo, sub_base.get(), sub, where + name + "/"));
    MP_RETURN_IF_ERROR(GitCheck(
        git_treebuilder_insert(nullptr, builder.get(), name.c_str(), &sub_id, GIT_FILEMODE_TREE),
        "adding folder '" + where + name + "'"));
  }
  for (const auto& [name, spec] : folder.files) {
    MP_RETURN_IF_ERROR(GitCheck(
        git_treebuilder_insert(nullptr, builder.get(), name.c_str(), &spec->blob, spec->mode),
        "adding file '" + where + name + "'"));
  }
  git_oid id;
  MP_RETURN_IF_ERROR(GitCheck(git_treebuilder_write(&id, builder.get()),
                              "writing tree '" + where + "'"));
  return id;
}

}  // namespace

Result<git_oid> BuildTree(git_repository* repo, const git_tree* base,
                          const std::string& replace_folder,
                          const std::vector<TreeEntrySpec>& entries) {
  Folder root;
  if (!replace_folder.empty()) MarkReplaced(root, replace_folder);
  for (const TreeEntrySpec& entry : entries) MP_RETURN_IF_ERROR(Insert(root, entry));
  return Write(repo, base, root, "");
}

}  // namespace modelpusher::git
