#include "progress_bar.h"

#include <unistd.h>

#include <cstdio>

#include "modelpusher/log.h"

namespace modelpusher::cli {

ProgressBar::ProgressBar()
    : enabled_(isatty(STDERR_FILENO) == 1 && !log::Enabled(LogLevel::kDebug)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() {
  if (enabled_ && bytes_ > 0) std::fputs("\r\033[K", stderr);
}

void ProgressBar::Advance(const std::string& path, uint64_t bytes) {
  uint64_t total = bytes_ += bytes;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  if (now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  double seconds = std::chrono::duration<double>(now - start_).count();
  double mib = total / 1048576.0;
  std::fprintf(stderr, "\r\033[K%.1f MiB processed, %.1f MiB/s  %s", mib,
               seconds > 0 ? mib / seconds : 0.0, path.substr(0, 60).c_str());
  std::fflush(stderr);
}

}  // namespace modelpusher::cli
