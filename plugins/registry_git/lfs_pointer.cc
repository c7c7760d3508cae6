#include "lfs_pointer.h"

#include <cctype>

namespace modelpusher::git {
namespace {

constexpr std::string_view kVersionLine = "version https://git-lfs.github.com/spec/v1\n";

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

}  // namespace

std::string LfsPointerText(const std::string& sha256_hex, uint64_t size) {
  return std::string(kVersionLine) + "oid sha256:" + sha256_hex + "\nsize " +
         std::to_string(size) + "\n";
}

std::optional<LfsPointer> ParseLfsPointer(std::string_view text) {
  if (text.size() >= 1024 || text.substr(0, kVersionLine.size()) != kVersionLine) {
    return std::nullopt;
  }
  text.remove_prefix(kVersionLine.size());
  constexpr std::string_view kOid = "oid sha256:";
  if (text.substr(0, kOid.size()) != kOid || text.size() < kOid.size() + 65) return std::nullopt;
  std::string_view hex = text.substr(kOid.size(), 64);
  if (!IsLowerHex(hex) || text[kOid.size() + 64] != '\n') return std::nullopt;
  text.remove_prefix(kOid.size() + 65);
  constexpr std::string_view kSize = "size ";
  if (text.substr(0, kSize.size()) != kSize || text.back() != '\n') return std::nullopt;
  std::string_view digits = text.substr(kSize.size(), text.size() - kSize.size() - 1);
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  LfsPointer pointer{std::string(hex), 0};
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    pointer.size = pointer.size * 10 + static_cast<uint64_t>(c - '0');
  }
  return pointer;
}

}  // namespace modelpusher::git
