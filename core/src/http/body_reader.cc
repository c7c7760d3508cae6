// Strict response-body framing. Poco's own body streams treat a connection that ends early
// as a normal end of body; a model file cut short must be an error instead.

#include "http/body_reader.h"

#include <Poco/Exception.h>

#include <algorithm>
#include <exception>
#include <cctype>

#include "http/net_error.h"

namespace modelpusher::internal {
namespace {

constexpr size_t kMaxLine = 8192;  // Longest chunk-size or trailer line accepted.

bool ParseChunkSize(const std::string& line, uint64_t* size) {
  // chunk-size [; extensions] (RFC 9112 7.1); extensions are ignored.
  size_t end = line.find_first_of("; \t");
  std::string digits = line.substr(0, end);
  if (digits.empty() || digits.size() > 15) return false;
  uint64_t value = 0;
  for (char c : digits) {
    int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
            : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
            : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                        : -1;
    if (v < 0) return false;
    value = value * 16 + static_cast<uint64_t>(v);
  }
  *size = value;
  return true;
}

}  // namespace

BodyReader::BodyReader(std::unique_ptr<Connection> connection, BodyFraming framing,
                       uint64_t length, bool reusable, std::shared_ptr<ConnectionPool> pool,
                       std::string what)
    : connection_(std::move(connection)),
      framing_(framing),
      length_(length),
      reusable_(reusable && framing != BodyFraming::kUntilClose),
      pool_(std::move(pool)),
      what_(std::move(what)) {
  if (framing_ == BodyFraming::kEmpty || (framing_ == BodyFraming::kLength && length_ == 0)) {
    Finish();
  }
}

BodyReader::~BodyReader() = default;  // An unfinished connection is closed with it.

Result<size_t> BodyReader::Read(char* buffer, size_t size) {
  if (!failure_.ok()) return failure_;
  if (finished_ || size == 0) return size_t{0};
  Result<size_t> result = InternalError("unreachable");
  try {
    switch (framing_) {
      case BodyFraming::kLength: result = ReadLength(buffer, size); break;
      case BodyFraming::kChunked: result = ReadChunked(buffer, size); break;
      case BodyFraming::kUntilClose: result = ReadUntilClose(buffer, size); break;
      case BodyFraming::kEmpty: result = size_t{0}; break;
    }
  } catch (const Poco::Exception& e) {
    NetError error = DescribeNetException(e);
    result = Fail(StatusCode::kUnavailable,
                  "reading the response body failed after " + std::to_string(bytes_read_) +
                      " bytes: " + error.cause,
                  error.hint);
  } catch (const std::exception& e) {
    result = Fail(StatusCode::kInternal, std::string("reading the response body failed: ") +
                  e.what(), "this is unexpected; retry or report it");
  }
  if (!result.ok()) {
    connection_.reset();
  } else {
    bytes_read_ += *result;
  }
  return result;
}

Result<size_t> BodyReader::ReadLength(char* buffer, size_t size) {
  uint64_t left = length_ - bytes_read_;
  size_t n = connection_->ReadSome(buffer, static_cast<size_t>(std::min<uint64_t>(size, left)));
  if (n == 0) {
    return Truncated("the connection closed after " + std::to_string(bytes_read_) + " of " +
                     std::to_string(length_) + " bytes");
  }
  if (n == left) Finish();
  return n;
}

Result<size_t> BodyReader::ReadChunked(char* buffer, size_t size) {
  if (!in_chunk_) {
    std::string line;
    if (!ReadLine(&line)) return Truncated("a chunk header is missing or too long");
    if (!ParseChunkSize(line, &chunk_left_)) return Truncated("bad chunk size line");
    if (chunk_left_ == 0) {
      // Last chunk: skip trailer fields up to the empty line that ends the message.
      while (true) {
        if (!ReadLine(&line)) return Truncated("the trailer section is incomplete");
        if (line.empty()) break;
      }
      Finish();
      return size_t{0};
    }
    in_chunk_ = true;
  }

  size_t want = static_cast<size_t>(std::min<uint64_t>(size, chunk_left_));
  size_t n = connection_->ReadSome(buffer, want);
  if (n == 0) return Truncated("the connection closed inside a chunk");
  chunk_left_ -= n;
  if (chunk_left_ == 0) {
    std::string line;
    if (!ReadLine(&line) || !line.empty()) return Truncated("a chunk is not followed by CRLF");
    in_chunk_ = false;
  }
  return n;
}

Result<size_t> BodyReader::ReadUntilClose(char* buffer, size_t size) {
  size_t n = connection_->ReadSome(buffer, size);
  if (n == 0) Finish();
  return n;
}

bool BodyReader::ReadLine(std::string* line) {
  line->clear();
  while (line->size() < kMaxLine) {
    int c = connection_->ReadByte();
    if (c < 0) return false;
    if (c == '\n') {
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return true;
    }
    line->push_back(static_cast<char>(c));
  }
  return false;
}

void BodyReader::Finish() {
  finished_ = true;
  if (connection_ && reusable_ && pool_) {
    pool_->Give(std::move(connection_));
  }
  connection_.reset();
}

Status BodyReader::Fail(StatusCode code, std::string cause, std::string hint) {
  cause_ = std::move(cause);
  hint_ = std::move(hint);
  failure_ = Status(code, what_ + ": " + cause_ + "; " + hint_);
  return failure_;
}

Status BodyReader::Truncated(const std::string& detail) {
  return Fail(StatusCode::kDataLoss, "the response body is incomplete: " + detail,
              "retry the download");
}

}  // namespace modelpusher::internal
