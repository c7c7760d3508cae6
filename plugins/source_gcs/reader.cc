// GcsSource::Open: alt=media downloads with Range, resumed where they broke, and checked
// against the listed size and (for whole objects) the listed CRC32C.

#include <charconv>

#include "gcs_source.h"
#include "modelpusher/log.h"

namespace modelpusher::gcs {
namespace {

constexpr int kMaxResumes = 5;

// Computes the CRC32C of a whole object while it streams, and checks it at the end.
class Crc32cCheckingReader : public ByteReader {
 public:
  Crc32cCheckingReader(std::unique_ptr<ByteReader> inner, uint32_t expected, std::string what)
      : inner_(std::move(inner)), expected_(expected), what_(std::move(what)) {}

  Result<size_t> Read(char* buffer, size_t size) override {
    MP_ASSIGN_OR_RETURN(size_t n, inner_->Read(buffer, size));
    crc_ = Crc32c(crc_, buffer, n);
    if (n == 0 && !checked_) {
      checked_ = true;
      if (crc_ != expected_) {
        return DataLossError("reading " + what_ + ": CRC32C differs from the listing; the "
                             "object changed or was corrupted in transit, run again");
      }
    }
    return n;
  }

 private:
  std::unique_ptr<ByteReader> inner_;
  uint32_t expected_;
  std::string what_;
  uint32_t crc_ = 0;
  bool checked_ = false;
};

Status CheckAnswer(const HttpResponse& response, const std::optional<std::string>& range,
                   uint64_t offset, uint64_t length, const std::string& what) {
  if (range.has_value()) {
    uint64_t start = 0, end = 0, total = 0;
    std::string content_range = response.headers.Get("Content-Range").value_or("");
    if (response.status != 206 ||
        !object_store::ParseContentRange(content_range, &start, &end, &total) ||
        start != offset || end + 1 != offset + length) {
      return InternalError("GET " + what + " with " + *range + ": the server answered " +
                           std::to_string(response.status) + " \"" + content_range +
                           "\" instead of that range");
    }
  } else if (response.status != 200) {
    return InternalError("GET " + what + ": expected 200, got " +
                         std::to_string(response.status));
  }
  if (auto header = response.headers.Get("Content-Length")) {
    uint64_t announced = 0;
    auto [ptr, ec] = std::from_chars(header->data(), header->data() + header->size(), announced);
    // A 0-byte answer for an object listed as non-empty is an error, never an empty file.
    if (ec == std::errc() && announced != length) {
      return DataLossError("GET " + what + ": the server announced " + *header +
                           " bytes where " + std::to_string(length) +
                           " were listed; the object changed, run again");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<ByteReader>> GcsSource::Open(const std::string& path, uint64_t offset,
                                                    uint64_t length) {
  MP_ASSIGN_OR_RETURN(ListedObject object, Lookup(path));
  if (offset > object.size) {
    return InvalidArgumentError("offset " + std::to_string(offset) + " is past the end of " +
                                Describe() + "/" + path);
  }
  length = std::min(length, object.size - offset);
  std::string what = "gs://" + root_.bucket + "/" + object.name;
  std::string url = ObjectUrl(object.name) + "?alt=media";
  uint64_t size = object.size;
  auto opener = [this, url, size, what](uint64_t at,
                                        uint64_t count) -> Result<std::unique_ptr<ByteReader>> {
    std::optional<std::string> range = object_store::RangeHeader(at, count, size);
    HttpHeaders headers;
    if (range.has_value()) headers.Set("Range", *range);
    // Cloud Storage may gzip-transcode; ask for the stored bytes.
    headers.Set("Accept-Encoding", "identity");
    MP_ASSIGN_OR_RETURN(HttpResponse response, Get(url, headers, true, what));
    MP_RETURN_IF_ERROR(CheckAnswer(response, range, at, count, what));
    return std::move(response.stream);
  };
  auto reader = object_store::MakeResumableReader(opener, what, offset, length, kMaxResumes);
  if (offset == 0 && length == object.size && object.crc32c.has_value()) {
    reader = std::make_unique<Crc32cCheckingReader>(std::move(reader), *object.crc32c, what);
  }
  return reader;
}

}  // namespace modelpusher::gcs
