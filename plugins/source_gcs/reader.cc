// GcsSource::Open: alt=media downloads with Range, resumed where they broke, and checked
// against the listed size and (for whole objects) the listed CRC32C.

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
    MP_RETURN_IF_ERROR(object_store::CheckRangeAnswer(response, range, at, count, what));
    return std::move(response.stream);
  };
  auto reader = object_store::MakeResumableReader(opener, what, offset, length, kMaxResumes);
  if (offset == 0 && length == object.size && object.crc32c.has_value()) {
    reader = std::make_unique<Crc32cCheckingReader>(std::move(reader), *object.crc32c, what);
  }
  return reader;
}

}  // namespace modelpusher::gcs
