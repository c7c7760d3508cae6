#pragma once

// NDJSON commit bodies (hub-protocol.md section 7): a header line, then one line per file,
// regular files inline as base64, LFS files as pointers. Bodies are planned by size before
// anything is read, so a version that cannot fit one commit is known before sending.

#include <cstdint>
#include <string>
#include <vector>

#include "modelpusher/model_registry.h"

namespace modelpusher::hf {

/// One file of a commit.
struct CommitOp {
  /// Path inside the repository.
  std::string path;
  /// Inline (regular) file, else an LFS pointer.
  bool inline_file = true;
  /// The manifest file, or null for generated content.
  const ManifestEntry* file = nullptr;
  /// Generated content (the model card), used when `file` is null.
  std::string generated;
  /// Size of the content in bytes.
  uint64_t size = 0;
  /// sha256 hex (needed for LFS pointers).
  std::string sha256;
};

struct CommitHeader {
  std::string summary;
  std::string description;
  /// Pinned parent commit; empty to leave it out.
  std::string parent_commit;
};

/// Exact byte length of the op's NDJSON line, newline included, computed without reading
/// the file.
uint64_t CommitLineSize(const CommitOp& op);
/// Exact byte length of the header line.
uint64_t CommitHeaderSize(const CommitHeader& header);

/// Splits `ops` (in order) into consecutive groups whose bodies stay within `budget` bytes
/// (header included). A single op larger than the budget gets a group of its own.
std::vector<std::vector<size_t>> PlanCommitGroups(const std::vector<CommitOp>& ops,
                                                  const CommitHeader& header, uint64_t budget);

/// Renders the body of one commit holding `ops[indexes]`, reading inline files through
/// `open`. Errors: those of `open`; kDataLoss if a file's size changed.
Result<std::string> RenderCommitBody(const CommitHeader& header, const std::vector<CommitOp>& ops,
                                     const std::vector<size_t>& indexes, const FileOpener& open);

}  // namespace modelpusher::hf
