#pragma once

// Git LFS pointer files (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace modelpusher::git {

/// The three-line pointer git-lfs itself writes: version, "oid sha256:<hex>", "size N",
/// each ending in LF. Always under 1024 bytes.
std::string LfsPointerText(const std::string& sha256_hex, uint64_t size);

struct LfsPointer {
  std::string sha256;
  uint64_t size = 0;
};

/// Parses a pointer written by LfsPointerText or git-lfs; nullopt for anything else.
std::optional<LfsPointer> ParseLfsPointer(std::string_view text);

}  // namespace modelpusher::git
