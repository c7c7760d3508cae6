#include "hf_plan.h"

#include <algorithm>
#include <map>

#include "hf_model_card.h"
#include "modelpusher/hash.h"
#include "modelpusher/path_map.h"
#include "modelpusher/staging.h"

namespace modelpusher::hf {
namespace {

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The Hub refuses these paths (hub-protocol.md 7.2).
Status CheckRepoPath(const std::string& path) {
  if (path.empty() || path.front() == '/') {
    return InvalidArgumentError("file path '" + path + "' is not a relative repository path");
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (part == "." || part == ".." || part == ".git" || part == ".cache" || part.empty()) {
      return InvalidArgumentError("file path '" + path + "' has a component '" + part +
                                  "' that the Hub refuses; rename or exclude the file");
    }
    start = end + 1;
  }
  return Status::Ok();
}

bool AlwaysRegular(const CommitOp& op) {
  std::string name = BaseName(op.path);
  return op.size == 0 || name == ".gitattributes" || name == ".gitignore";
}

}  // namespace

std::vector<const ManifestEntry*> PublishPlan::LfsEntries() const {
  std::vector<const ManifestEntry*> out;
  for (const auto& op : ops) {
    if (!op.inline_file && op.file != nullptr) out.push_back(op.file);
  }
  return out;
}

Result<PublishPlan> MapFiles(const PushRequest& request, const HfConfig& config) {
  PublishPlan plan;
  bool ships_card = false;
  for (const auto& f : request.files) {
    ships_card = ships_card || f.path == "README.md";
    CommitOp op;
    op.path = JoinPath(config.path_in_repo, f.path);
    MP_RETURN_IF_ERROR(CheckRepoPath(op.path));
    op.file = &f;
    op.size = f.size;
    op.sha256 = f.sha256;
    plan.ops.push_back(std::move(op));
  }
  if (config.model_card && !ships_card) {
    CommitOp card;
    card.path = "README.md";
    card.generated = RenderModelCard(request, config.RepoId());
    card.size = card.generated.size();
    card.sha256 = Sha256Hex(card.generated);
    plan.ops.push_back(std::move(card));
    plan.generated_card = true;
  }
  std::sort(plan.ops.begin(), plan.ops.end(),
            [](const CommitOp& a, const CommitOp& b) { return a.path < b.path; });
  for (size_t i = 1; i < plan.ops.size(); ++i) {
    if (plan.ops[i].path == plan.ops[i - 1].path) {
      return InvalidArgumentError("two files map to '" + plan.ops[i].path +
                                  "' in the repository (the generated model card and a model "
                                  "file?); set model_card: false or change path_in_repo");
    }
  }
  return plan;
}

Status ClassifyFiles(HubApi& api, const PushRequest& request, const std::string& ask_rev,
                     PublishPlan* plan) {
  const uint64_t threshold = api.config().lfs_threshold;
  std::vector<PreuploadFile> ask;
  std::vector<size_t> asked;
  for (size_t i = 0; i < plan->ops.size(); ++i) {
    CommitOp& op = plan->ops[i];
    if (op.file == nullptr) {
      op.inline_file = true;  // the generated card: small text that has no reader to upload
    } else if (AlwaysRegular(op)) {
      if (op.size > kHubRegularFileLimit) {
        return InvalidArgumentError(op.path + " is " + std::to_string(op.size) +
                                    " bytes; the Hub refuses it above 10 MiB and it cannot go "
                                    "through LFS; shrink it");
      }
      op.inline_file = true;
    } else if (op.size > threshold) {
      op.inline_file = false;
    } else if (!ask_rev.empty() && op.file != nullptr) {
      PreuploadFile pf{op.path, op.size, ""};
      MP_ASSIGN_OR_RETURN(auto reader, request.open(*op.file, 0, std::min<uint64_t>(512, op.size)));
      MP_ASSIGN_OR_RETURN(pf.sample, ReadAll(*reader, 512));
      ask.push_back(std::move(pf));
      asked.push_back(i);
    }
  }
  if (!ask.empty()) {
    MP_ASSIGN_OR_RETURN(auto lfs, api.PreuploadModes(ask_rev, ask));
    for (size_t k = 0; k < asked.size(); ++k) plan->ops[asked[k]].inline_file = !lfs[k];
  }
  plan->inline_files = plan->inline_bytes = plan->lfs_files = plan->lfs_bytes = 0;
  for (const auto& op : plan->ops) {
    (op.inline_file ? plan->inline_files : plan->lfs_files) += 1;
    (op.inline_file ? plan->inline_bytes : plan->lfs_bytes) += op.size;
  }
  return Status::Ok();
}

bool TreeMatches(const std::vector<TreeFile>& tree, const PublishPlan& plan) {
  std::map<std::string, const TreeFile*> by_path;
  for (const auto& t : tree) by_path[t.path] = &t;
  // The Hub owns .gitattributes: it adds a pattern for every LFS path it was not covering,
  // so its text differs from what was sent even for identical content.
  // Limitation: a change to nothing but a shipped .gitattributes is not seen as a change; the
  // Hub rewrites that file anyway, so comparing it would make every push look changed.
  size_t matched = 0;
  for (const auto& op : plan.ops) {
    // The generated card is skipped too: its text names the version, so it always differs.
    if (op.file == nullptr || op.path == ".gitattributes") continue;
    auto it = by_path.find(op.path);
    if (it == by_path.end() || it->second->size != op.size) return false;
    const TreeFile& t = *it->second;
    bool same = !t.lfs_oid.empty()
                    ? t.lfs_oid == op.sha256
                    : (!op.file->git_blob_id.empty() && t.oid == op.file->git_blob_id);
    if (!same) return false;
    ++matched;
  }
  size_t ignored = by_path.count(".gitattributes") +
                   (plan.generated_card ? by_path.count("README.md") : 0);
  return matched + ignored == by_path.size();
}

bool TreeHolds(const std::vector<TreeFile>& tree, const std::vector<CommitOp>& ops,
               const std::vector<size_t>& indexes) {
  std::map<std::string, const TreeFile*> by_path;
  for (const auto& t : tree) by_path[t.path] = &t;
  for (size_t i : indexes) {
    auto it = by_path.find(ops[i].path);
    if (it == by_path.end() || it->second->size != ops[i].size) return false;
    const TreeFile& t = *it->second;
    std::string blob =
        ops[i].file != nullptr ? ops[i].file->git_blob_id : GitBlobId(ops[i].generated);
    if (t.lfs_oid.empty() ? t.oid != blob : t.lfs_oid != ops[i].sha256) return false;
  }
  return true;
}

}  // namespace modelpusher::hf
