#pragma once

// Byte streams that cross the plugin boundary: a pull-style reader and a push-style sink.
// Everything in modelpusher streams through these in bounded buffers; nothing loads a model
// file whole.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "modelpusher/status.h"

namespace modelpusher {

/// A pull-style stream of bytes. Not thread safe: one reader, one thread at a time.
class ByteReader {
 public:
  virtual ~ByteReader() = default;

  /// Reads up to `size` bytes into `buffer`. Returns the count read; 0 means end of stream.
  /// A short read is not an error. Errors: kUnavailable (transport broke; the caller may
  /// reopen at an offset), kDataLoss (fewer bytes than announced), kInternal.
  virtual Result<size_t> Read(char* buffer, size_t size) = 0;
};

/// Opens a fresh reader over the same bytes, for retries that must resend a body. Called on
/// the thread that sends the request, once per attempt.
using ReaderFactory = std::function<Result<std::unique_ptr<ByteReader>>()>;

/// A reader over an in-memory string (owned).
std::unique_ptr<ByteReader> MakeStringReader(std::string data);

/// Reads everything left in `reader` into a string, failing with kResourceExhausted past
/// `limit` bytes. For small payloads only (JSON answers, metrics files).
Result<std::string> ReadAll(ByteReader& reader, size_t limit);

/// Progress for one long operation. Implementations must be thread safe: uploads report
/// from several threads at once.
class Progress {
 public:
  virtual ~Progress() = default;
  /// `bytes` more have been sent (or read) for the file at `path`.
  virtual void Advance(const std::string& path, uint64_t bytes) = 0;
};

/// Wraps `inner` so that every byte read is reported to `progress` under `path` (nothing
/// is reported when `progress` is null). A body read again on a retry is counted again.
std::unique_ptr<ByteReader> MakeProgressReader(std::unique_ptr<ByteReader> inner,
                                               Progress* progress, std::string path);

}  // namespace modelpusher
