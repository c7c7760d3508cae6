#include "hf_commit.h"

#include "hf_json.h"
#include "modelpusher/hash.h"

namespace modelpusher::hf {
namespace {

uint64_t Base64Size(uint64_t n) { return (n + 2) / 3 * 4; }

std::string InlinePrefix(const CommitOp& op) {
  return "{\"key\":\"file\",\"value\":{\"path\":" + JsonQuote(op.path) +
         ",\"encoding\":\"base64\",\"content\":\"";
}
constexpr const char* kInlineSuffix = "\"}}\n";

std::string LfsLine(const CommitOp& op) {
  return "{\"key\":\"lfsFile\",\"value\":{\"path\":" + JsonQuote(op.path) +
         ",\"algo\":\"sha256\",\"oid\":\"" + op.sha256 + "\",\"size\":" +
         std::to_string(op.size) + "}}\n";
}

std::string HeaderLine(const CommitHeader& h) {
  std::string value = "{\"summary\":" + JsonQuote(h.summary) +
                      ",\"description\":" + JsonQuote(h.description);
  if (!h.parent_commit.empty()) value += ",\"parentCommit\":" + JsonQuote(h.parent_commit);
  return "{\"key\":\"header\",\"value\":" + value + "}}\n";
}

Result<std::string> ReadInline(const CommitOp& op, const FileOpener& open) {
  if (op.file == nullptr) return op.generated;
  MP_ASSIGN_OR_RETURN(auto reader, open(*op.file, 0, op.size));
  MP_ASSIGN_OR_RETURN(std::string content, ReadAll(*reader, op.size + 1));
  if (content.size() != op.size) {
    return DataLossError("file " + op.file->source_path + " changed size while publishing (" +
                         std::to_string(op.size) + " bytes staged, " +
                         std::to_string(content.size()) + " read); rerun the push");
  }
  return content;
}

}  // namespace

uint64_t CommitLineSize(const CommitOp& op) {
  if (!op.inline_file) return LfsLine(op).size();
  return InlinePrefix(op).size() + Base64Size(op.size) + std::string(kInlineSuffix).size();
}

uint64_t CommitHeaderSize(const CommitHeader& header) { return HeaderLine(header).size(); }

std::vector<std::vector<size_t>> PlanCommitGroups(const std::vector<CommitOp>& ops,
                                                  const CommitHeader& header, uint64_t budget) {
  std::vector<std::vector<size_t>> groups;
  uint64_t head = CommitHeaderSize(header);
  uint64_t used = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    uint64_t line = CommitLineSize(ops[i]);
    if (groups.empty() || (used + line > budget && !groups.back().empty())) {
      groups.emplace_back();
      used = head;
    }
    groups.back().push_back(i);
    used += line;
  }
  return groups;
}

Result<std::string> RenderCommitBody(const CommitHeader& header, const std::vector<CommitOp>& ops,
                                     const std::vector<size_t>& indexes, const FileOpener& open) {
  std::string body = HeaderLine(header);
  for (size_t i : indexes) {
    const CommitOp& op = ops[i];
    if (!op.inline_file) {
      body += LfsLine(op);
      continue;
    }
    MP_ASSIGN_OR_RETURN(std::string content, ReadInline(op, open));
    body += InlinePrefix(op);
    body += Base64Encode(content);
    body += kInlineSuffix;
  }
  return body;
}

}  // namespace modelpusher::hf
