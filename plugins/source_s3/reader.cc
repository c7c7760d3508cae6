// S3Source::Open: ranged GETs behind a reader that resumes where a broken download stopped.

#include "modelpusher/log.h"
#include "s3_source.h"

namespace modelpusher::s3 {
namespace {

constexpr int kMaxResumes = 5;

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
    MP_RETURN_IF_ERROR(object_store::CheckRangeAnswer(response, range, at, count, what));
    log::Debug("s3 read", {{"object", what}, {"offset", at}, {"bytes", count}});
    return std::move(response.stream);
  };
  return object_store::MakeResumableReader(opener, what, offset, length, kMaxResumes);
}

}  // namespace modelpusher::s3
