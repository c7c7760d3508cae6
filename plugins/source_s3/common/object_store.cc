#include "object_store.h"

#include <algorithm>
#include <charconv>

#include "modelpusher/log.h"

namespace modelpusher::object_store {
namespace {

bool ValidRelativePath(std::string_view path) {
  if (path.empty() || path.back() == '/') return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    start = end + 1;
  }
  return true;
}

bool ParseUint(std::string_view text, uint64_t* out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

class ResumableReader : public ByteReader {
 public:
  ResumableReader(RangeOpener opener, std::string what, uint64_t offset, uint64_t length,
                  int max_resumes)
      : opener_(std::move(opener)),
        what_(std::move(what)),
        offset_(offset),
        remaining_(length),
        resumes_left_(max_resumes) {}

  Result<size_t> Read(char* buffer, size_t size) override {
    while (true) {
      if (remaining_ == 0) return FinishAtEnd();
      if (inner_ == nullptr) MP_RETURN_IF_ERROR(Reopen());
      size_t want = static_cast<size_t>(std::min<uint64_t>(size, remaining_));
      Result<size_t> got = inner_->Read(buffer, want);
      if (got.ok() && *got > 0) {
        offset_ += *got;
        remaining_ -= *got;
        return *got;
      }
      // The stream broke or ended early: resume from the offset reached, a bounded number
      // of times, so a flaky connection costs a re-request and not the whole file.
      Status cause = got.ok() ? DataLossError("stream ended early") : got.status();
      if (cause.code() != StatusCode::kUnavailable && cause.code() != StatusCode::kDataLoss) {
        return cause;
      }
      if (resumes_left_-- <= 0) {
        return DataLossError("reading " + what_ + ": " + std::to_string(remaining_) +
                             " bytes missing at offset " + std::to_string(offset_) +
                             " after retries (" + cause.message() + "); try again later");
      }
      log::Warn("download broke, resuming",
                {{"object", what_}, {"offset", offset_}, {"cause", cause.message()}});
      inner_.reset();
    }
  }

 private:
  Status Reopen() {
    MP_ASSIGN_OR_RETURN(inner_, opener_(offset_, remaining_));
    return Status::Ok();
  }

  // Everything expected has arrived; a stream that still has bytes means the object is
  // longer than listed (it changed, or the server ignored the range).
  Result<size_t> FinishAtEnd() {
    if (inner_ != nullptr) {
      char probe;
      Result<size_t> extra = inner_->Read(&probe, 1);
      inner_.reset();
      if (extra.ok() && *extra > 0) {
        return DataLossError("reading " + what_ + ": more bytes than the listed size; the "
                             "object changed while reading, run again");
      }
    }
    return size_t{0};
  }

  RangeOpener opener_;
  std::string what_;
  uint64_t offset_;
  uint64_t remaining_;
  int resumes_left_;
  std::unique_ptr<ByteReader> inner_;
};

class EmptyReader : public ByteReader {
 public:
  Result<size_t> Read(char*, size_t) override { return size_t{0}; }
};

}  // namespace

Result<BucketRoot> ParseBucketUri(std::string_view uri, std::string_view scheme) {
  std::string expected = std::string(scheme) + "://";
  if (uri.substr(0, expected.size()) != expected) {
    return InvalidArgumentError("not a " + expected + " URI: " + std::string(uri));
  }
  std::string_view rest = uri.substr(expected.size());
  size_t slash = rest.find('/');
  BucketRoot root;
  root.bucket = std::string(rest.substr(0, slash));
  if (root.bucket.empty() || root.bucket.find_first_of("?#@:") != std::string::npos) {
    return InvalidArgumentError("bad bucket name in " + std::string(uri) +
                                "; write " + expected + "BUCKET/PREFIX");
  }
  std::string_view prefix = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  while (!prefix.empty() && prefix.front() == '/') prefix.remove_prefix(1);
  if (!prefix.empty()) root.folder = std::string(prefix) + "/";
  return root;
}

Result<KeyKind> ClassifyKey(const std::string& key, uint64_t size, const std::string& folder,
                            std::string* relative) {
  if (key.compare(0, folder.size(), folder) != 0) return KeyKind::kSkip;
  std::string_view rest = std::string_view(key).substr(folder.size());
  if (rest.empty() || (rest.back() == '/' && size == 0)) return KeyKind::kSkip;  // Marker.
  if (!ValidRelativePath(rest)) {
    return FailedPreconditionError("object key \"" + key + "\" cannot be stored as a file " +
                                   "path (empty, '.' or '..' segment, or a non-empty object " +
                                   "ending in '/'); rename the object");
  }
  *relative = std::string(rest);
  return KeyKind::kFile;
}

std::unique_ptr<ByteReader> MakeResumableReader(RangeOpener opener, std::string what,
                                                uint64_t offset, uint64_t length,
                                                int max_resumes) {
  if (length == 0) return std::make_unique<EmptyReader>();
  return std::make_unique<ResumableReader>(std::move(opener), std::move(what), offset, length,
                                           max_resumes);
}

bool ParseContentRange(std::string_view text, uint64_t* start, uint64_t* end,
                       uint64_t* total) {
  constexpr std::string_view kUnit = "bytes ";
  if (text.substr(0, kUnit.size()) != kUnit) return false;
  text.remove_prefix(kUnit.size());
  size_t dash = text.find('-'), slash = text.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash) {
    return false;
  }
  return ParseUint(text.substr(0, dash), start) &&
         ParseUint(text.substr(dash + 1, slash - dash - 1), end) &&
         ParseUint(text.substr(slash + 1), total) && *start <= *end;
}

std::optional<std::string> RangeHeader(uint64_t offset, uint64_t length, uint64_t size) {
  if (offset == 0 && length >= size) return std::nullopt;
  return "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1);
}

Status CheckRangeAnswer(const HttpResponse& response, const std::optional<std::string>& range,
                        uint64_t offset, uint64_t length, const std::string& what) {
  if (range.has_value()) {
    uint64_t start = 0, end = 0, total = 0;
    std::string content_range = response.headers.Get("Content-Range").value_or("");
    if (response.status != 206 || !ParseContentRange(content_range, &start, &end, &total) ||
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
    if (ec == std::errc() && announced != length) {
      return DataLossError("GET " + what + ": the server announced " + *header +
                           " bytes where " + std::to_string(length) +
                           " were listed; the object changed, run again");
    }
  }
  return Status::Ok();
}

}  // namespace modelpusher::object_store
