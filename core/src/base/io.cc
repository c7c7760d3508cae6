#include "modelpusher/io.h"

#include <algorithm>
#include <cstring>

namespace modelpusher {
namespace {

class StringReader : public ByteReader {
 public:
  explicit StringReader(std::string data) : data_(std::move(data)) {}

  Result<size_t> Read(char* buffer, size_t size) override {
    size_t n = std::min(size, data_.size() - offset_);
    std::memcpy(buffer, data_.data() + offset_, n);
    offset_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t offset_ = 0;
};

class ProgressReader : public ByteReader {
 public:
  ProgressReader(std::unique_ptr<ByteReader> inner, Progress* progress, std::string path)
      : inner_(std::move(inner)), progress_(progress), path_(std::move(path)) {}

  Result<size_t> Read(char* buffer, size_t size) override {
    MP_ASSIGN_OR_RETURN(size_t n, inner_->Read(buffer, size));
    if (progress_ != nullptr && n > 0) progress_->Advance(path_, n);
    return n;
  }

 private:
  std::unique_ptr<ByteReader> inner_;
  Progress* progress_;
  std::string path_;
};

}  // namespace

std::unique_ptr<ByteReader> MakeProgressReader(std::unique_ptr<ByteReader> inner,
                                               Progress* progress, std::string path) {
  return std::make_unique<ProgressReader>(std::move(inner), progress, std::move(path));
}

std::unique_ptr<ByteReader> MakeStringReader(std::string data) {
  return std::make_unique<StringReader>(std::move(data));
}

Result<std::string> ReadAll(ByteReader& reader, size_t limit) {
  std::string out;
  char buffer[64 * 1024];
  while (true) {
    MP_ASSIGN_OR_RETURN(size_t n, reader.Read(buffer, sizeof(buffer)));
    if (n == 0) return out;
    if (out.size() + n > limit) {
      return ResourceExhaustedError("stream is larger than " + std::to_string(limit) + " bytes");
    }
    out.append(buffer, n);
  }
}

}  // namespace modelpusher
