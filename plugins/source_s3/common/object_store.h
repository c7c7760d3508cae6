#pragma once

// Shared by the object-store sources (s3, gs): what "a folder" means in a flat key space,
// and a reader that resumes a broken download where it stopped.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "modelpusher/http.h"
#include "modelpusher/io.h"
#include "modelpusher/status.h"

namespace modelpusher::object_store {

/// "s3://bucket/a/b" or "gs://bucket/a/b/" split into the bucket and the folder prefix.
struct BucketRoot {
  std::string bucket;
  /// "" for the whole bucket, else the folder with exactly one trailing '/' ("a/b/"), so
  /// that "m1" never matches "m1-hf/", "m10/" or "m1.tar.gz".
  std::string folder;
};

/// Parses `uri` whose scheme must be `scheme` ("s3", "gs"). Errors: kInvalidArgument.
Result<BucketRoot> ParseBucketUri(std::string_view uri, std::string_view scheme);

/// What one listed key means below `folder`.
enum class KeyKind { kFile, kSkip };

/// Classifies `key` (size `size`) below `folder` and sets `*relative` for files. Keys outside
/// the folder and zero-byte folder markers ("x/") are skipped. A key that cannot be a file
/// path (empty, "." or ".." segments, "//", a non-empty object ending in '/') is an error:
/// kFailedPrecondition naming the key, because dropping bytes silently would publish an
/// incomplete model.
Result<KeyKind> ClassifyKey(const std::string& key, uint64_t size, const std::string& folder,
                            std::string* relative);

/// Opens the object's bytes [offset, offset + length) as a fresh stream.
using RangeOpener =
    std::function<Result<std::unique_ptr<ByteReader>>(uint64_t offset, uint64_t length)>;

/// A reader over exactly `length` bytes that reopens the range from the offset reached when
/// the transport breaks (kUnavailable or kDataLoss, or an early end), at most `max_resumes`
/// times. It fails with kDataLoss when the object yields more or fewer bytes than expected.
std::unique_ptr<ByteReader> MakeResumableReader(RangeOpener opener, std::string what,
                                                uint64_t offset, uint64_t length,
                                                int max_resumes);

/// Parses "bytes START-END/TOTAL" (Content-Range). False when malformed.
bool ParseContentRange(std::string_view text, uint64_t* start, uint64_t* end, uint64_t* total);

/// A Range header value for [offset, offset + length), or nullopt when the whole object of
/// `size` bytes is wanted (no header then: a Range on an empty object is a 416).
std::optional<std::string> RangeHeader(uint64_t offset, uint64_t length, uint64_t size);

/// Checks that a GET answer carries exactly the bytes asked for — 200 for a whole object,
/// 206 with the matching Content-Range for `range` — and that its Content-Length equals
/// `length`, so that an ignored Range, a proxy's page or a 0-byte answer for a non-empty
/// object is never taken for content. Errors: kInternal (wrong status or range), kDataLoss
/// (wrong length: the object changed).
Status CheckRangeAnswer(const HttpResponse& response, const std::optional<std::string>& range,
                        uint64_t offset, uint64_t length, const std::string& what);

}  // namespace modelpusher::object_store
