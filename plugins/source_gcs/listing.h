#pragma once

// Cloud Storage JSON API listings (objects.list): one page, parsed.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "modelpusher/status.h"

namespace modelpusher::gcs {

struct ListedObject {
  std::string name;
  uint64_t size = 0;
  /// Lower-case hex of md5Hash; empty for composite objects, which have none.
  std::string md5;
  /// The CRC32C from the listing, when present.
  std::optional<uint32_t> crc32c;
};

struct ListPage {
  std::vector<ListedObject> objects;
  std::string next_page_token;
};

/// Parses an objects.list answer. Errors: kInternal (not JSON, or an item without a name or
/// a numeric size: the message quotes the start of the body).
Result<ListPage> ParseListPage(const std::string& json);

/// Parses one object resource (objects.get). Errors: as ParseListPage.
Result<ListedObject> ParseObject(const std::string& json);

/// The `error.message` of a JSON API error answer, or "".
std::string ParseErrorMessage(const std::string& json);

/// CRC32C (Castagnoli), as Cloud Storage computes it; `crc` is the running value.
uint32_t Crc32c(uint32_t crc, const char* data, size_t size);

}  // namespace modelpusher::gcs
