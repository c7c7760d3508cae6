#pragma once

// Temporary storage that cleans up after itself.
// Thread safety: TempDir::Make may be called from any thread; each folder's name is unique.
// A TempDir object has one owner.

#include <string>

#include "modelpusher/status.h"

namespace modelpusher {

/// A fresh folder under TMPDIR (or /tmp), removed with its contents on destruction.
/// Move-only.
class TempDir {
 public:
  /// Errors: kInternal when the folder cannot be made.
  static Result<TempDir> Make(const std::string& prefix);

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace modelpusher
