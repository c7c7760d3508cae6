#pragma once

// ListObjectsV2: parsing one page, and walking the pages without looping forever.

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "modelpusher/status.h"

namespace modelpusher::s3 {

struct ListedObject {
  std::string key;
  uint64_t size = 0;
  /// Without quotes. An MD5 of the content only for single-part uploads (no '-').
  std::string etag;
};

struct ListPage {
  std::vector<ListedObject> objects;
  bool truncated = false;
  std::string next_token;
};

/// Parses a ListBucketResult document. Errors: kInternal when it is not one (the message
/// quotes the start of the body).
Result<ListPage> ParseListPage(const std::string& xml);

/// The Code and Message of an S3 <Error> document ("" when absent or not XML).
struct S3Error {
  std::string code;
  std::string message;
  std::string region;  // <Region>, sent with some redirects
};
S3Error ParseError(const std::string& xml);

/// Decides the next ListObjectsV2 request from the pages seen so far. A truncated page
/// without a token continues with start-after its last key; a server that hands back a
/// token, a start key or a whole page twice makes Accept fail instead of looping.
class ListPager {
 public:
  ListPager(std::string prefix, int page_size)
      : prefix_(std::move(prefix)), page_size_(page_size) {}

  /// Query parameters for the next page (unencoded).
  std::vector<std::pair<std::string, std::string>> NextQuery() const;

  /// Takes a page in. Returns true when more pages follow. Errors: kInternal naming the
  /// repeated token or key, or a truncated page that gives nothing to continue from.
  Result<bool> Accept(const ListPage& page);

  size_t pages() const { return pages_; }

 private:
  std::string prefix_;
  int page_size_;
  std::string token_;
  std::string start_after_;
  std::set<std::string> seen_tokens_;
  std::set<std::string> seen_first_keys_;
  size_t pages_ = 0;
};

}  // namespace modelpusher::s3
