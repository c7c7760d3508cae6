#pragma once

// Hashing and encodings, on OpenSSL. Streaming: feed bytes with Update, read the digest once.
// Thread safety: the free functions may be called from any thread; a Hasher is one stream's.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace modelpusher {

/// An incremental hash. Not thread safe; one object per stream.
class Hasher {
 public:
  enum class Algorithm { kSha256, kSha1, kMd5 };

  explicit Hasher(Algorithm algorithm);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;

  void Update(const void* data, size_t size);
  void Update(std::string_view data) { Update(data.data(), data.size()); }
  /// The raw digest. Call once; the hasher is finished afterwards.
  std::string FinishRaw();
  /// The digest in lower-case hex. Call once.
  std::string FinishHex();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string Sha256Hex(std::string_view data);
std::string Sha1Hex(std::string_view data);
std::string Md5Hex(std::string_view data);
/// Raw HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);

std::string HexEncode(std::string_view raw);
std::string Base64Encode(std::string_view raw);
/// URL-safe alphabet, no padding (JWT).
std::string Base64UrlEncode(std::string_view raw);
/// Returns false on malformed input.
bool Base64Decode(std::string_view text, std::string* out);

}  // namespace modelpusher
