#pragma once

// A one-line progress display on stderr, shown only when stderr is a terminal.

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "modelpusher/io.h"

namespace modelpusher::cli {

/// Counts bytes read and sent across all threads and redraws at most five times a second.
class ProgressBar : public Progress {
 public:
  /// Enabled only when stderr is a TTY and the log level leaves room for it.
  ProgressBar();
  ~ProgressBar() override;

  void Advance(const std::string& path, uint64_t bytes) override;

 private:
  bool enabled_;
  std::atomic<uint64_t> bytes_{0};
  std::mutex mu_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace modelpusher::cli
