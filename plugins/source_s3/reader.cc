// S3Source::Open: ranged GETs behind a reader that resumes where a broken download stopped.

#include <charconv>

#include "modelpusher/log.h"
#include "s3_source.h"

namespace modelpusher::s3 {
namespace {

constexpr int kMaxResumes = 5;

// Checks that the answer carries exactly the bytes asked for, so that an ignored Range or a
// proxy's page is never taken for content.
Status CheckRange(const HttpResponse& response, const std::optional<std::string>& range,
                  uint64_t offset, uint64_t length, const std::string& what) {
  if (!range.has_value()) {
    if (response.status != 200) {
      return InternalError("GET " + what + ": expected 200, got " +
                           std::to_string(response.status));
    }
  } else {
    uint64_t start = 0, end = 0, total = 0;
    std::string content_range = response.headers.Get("Content-Range").value_or("");
    if (response.status != 206 ||
        !object_store::ParseContentRange(content_range, &start, &end, &total) ||
        start != offset || end + 1 != offset + length) {
      return InternalError("GET " + what + " with " + *range + ": the server answered " +
                           std::to_string(response.status) + " \"" + content_range +
                           "\" instead of that range");
    }
  }
  if (auto header = response.headers.Get("Content-Length")) {
    uint64_t announced = 0;
    auto [ptr, ec] = std::from_chars(header->data(), header->data() + header->size(), announced);
    if (ec == std::errc() && announced != length) {
      return DataLossError("GET " + what + ": the server announced " + *header +
                           " bytes where " + std::to_string(length) +
                           " were listed; the object changed, run again");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<ByteReader>> S3Source::Open(const std::string& path, uint64_t offset,
                                                   uint64_t length) {
  MP_ASSIGN_OR_RETURN(FileEntry entry, Lookup(path));
  if (offset > entry.size) {
    return InvalidArgumentError("offset " + std::to_string(offset) + " is past the end of " +
                                Describe() + "/" + path + " (" + std::to_string(entry.size) +
                                " bytes)");
  }
  length = std::min(length, entry.size - offset);
  return OpenRange(root_.folder + path, entry.size, offset, length);
}

Result<std::unique_ptr<ByteReader>> S3Source::OpenRange(const std::string& key, uint64_t size,
                                                        uint64_t offset, uint64_t length) {
  std::string what = "s3://" + root_.bucket + "/" + key;
  auto opener = [this, key, size, what](uint64_t at,
                                        uint64_t count) -> Result<std::unique_ptr<ByteReader>> {
    std::optional<std::string> range = object_store::RangeHeader(at, count, size);
    HttpHeaders headers;
    if (range.has_value()) headers.Set("Range", *range);
    MP_ASSIGN_OR_RETURN(HttpResponse response, client_.Send("GET", key, {}, headers, true));
    MP_RETURN_IF_ERROR(CheckRange(response, range, at, count, what));
    log::Debug("s3 read", {{"object", what}, {"offset", at}, {"bytes", count}});
    return std::move(response.stream);
  };
  return object_store::MakeResumableReader(opener, what, offset, length, kMaxResumes);
}

}  // namespace modelpusher::s3
