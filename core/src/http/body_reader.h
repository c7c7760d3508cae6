#pragma once

// A response body read straight off a connection, with its framing checked: exactly
// Content-Length bytes, or well-formed chunks up to the last one, or bytes up to EOF.

#include <cstdint>
#include <memory>
#include <string>

#include "http/connection.h"
#include "http/connection_pool.h"
#include "modelpusher/io.h"

namespace modelpusher::internal {

enum class BodyFraming { kEmpty, kLength, kChunked, kUntilClose };

/// Owns the connection while the body is read. Once the body has been read to its end the
/// connection goes back to `pool` (when `reusable`), otherwise it is closed on destruction.
class BodyReader final : public ByteReader {
 public:
  /// `what` names the request in error messages ("GET http://host/path", already redacted).
  BodyReader(std::unique_ptr<Connection> connection, BodyFraming framing, uint64_t length,
             bool reusable, std::shared_ptr<ConnectionPool> pool, std::string what);
  ~BodyReader() override;

  /// Errors: kDataLoss (the body ended early or its chunks are malformed), kUnavailable
  /// (the connection failed or timed out).
  Result<size_t> Read(char* buffer, size_t size) override;

  uint64_t bytes_read() const { return bytes_read_; }
  bool finished() const { return finished_; }
  /// After a failed Read: the cause and what to do, without the request prefix.
  const std::string& failure_cause() const { return cause_; }
  const std::string& failure_hint() const { return hint_; }

 private:
  Result<size_t> ReadLength(char* buffer, size_t size);
  Result<size_t> ReadChunked(char* buffer, size_t size);
  Result<size_t> ReadUntilClose(char* buffer, size_t size);
  /// Reads a CRLF-terminated line (chunk size, trailer); false at EOF or when too long.
  bool ReadLine(std::string* line);
  void Finish();
  Status Fail(StatusCode code, std::string cause, std::string hint);
  Status Truncated(const std::string& detail);

  std::unique_ptr<Connection> connection_;
  BodyFraming framing_;
  uint64_t length_;  // kLength: the announced size.
  bool reusable_;
  std::shared_ptr<ConnectionPool> pool_;
  std::string what_;
  uint64_t bytes_read_ = 0;
  uint64_t chunk_left_ = 0;  // kChunked: bytes left in the current chunk.
  bool in_chunk_ = false;
  bool finished_ = false;
  Status failure_;  // Sticky: a broken body stays broken.
  std::string cause_;
  std::string hint_;
};

}  // namespace modelpusher::internal
