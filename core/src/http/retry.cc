// Retry policy arithmetic: exponential backoff, Retry-After, the deadline and the test scale.

#include "http/retry.h"

#include "modelpusher/cancel.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <thread>

namespace modelpusher {
namespace internal {
namespace {

double ScaleFromEnvironment() {
  const char* text = std::getenv("MODELPUSHER_RETRY_DELAY_SCALE");
  if (text == nullptr || *text == '\0') return 1.0;
  char* end = nullptr;
  double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(value >= 0) || !std::isfinite(value)) return 1.0;
  return value;
}

std::atomic<double>& ScaleCell() {
  static std::atomic<double> cell{ScaleFromEnvironment()};
  return cell;
}

}  // namespace

double RetryDelayScale() { return ScaleCell().load(); }

bool IsRetryableStatus(int status) {
  switch (status) {
    case 408: case 429: case 500: case 502: case 503: case 504: return true;
    default: return false;
  }
}

RetrySchedule::RetrySchedule(const RetryPolicy& policy)
    : policy_(policy), start_(std::chrono::steady_clock::now()) {}

double RetrySchedule::Remaining() const {
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
  return policy_.deadline_s - elapsed.count();
}

std::optional<double> RetrySchedule::NextDelay(int attempts,
                                               std::optional<double> retry_after) const {
  if (attempts >= policy_.max_attempts) return std::nullopt;
  double remaining = Remaining();
  if (remaining <= 0) return std::nullopt;

  double backoff = policy_.initial_delay_s * std::pow(2.0, std::max(0, attempts - 1));
  if (retry_after) {
    // The server said when it will answer. If that is past our deadline, waiting would only
    // end in the same refusal: give up now and let the caller report the server's answer.
    double wait = *retry_after * RetryDelayScale();
    if (wait > remaining) return std::nullopt;
    return std::max(wait, 0.0);
  }
  // The final attempt goes out when the deadline arrives.
  return std::clamp(std::min(backoff, policy_.max_delay_s) * RetryDelayScale(), 0.0, remaining);
}

void SleepSeconds(double seconds) {
  // Short slices, so that a cancelled run does not sit out a long backoff.
  using Clock = std::chrono::steady_clock;
  Clock::time_point end =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(seconds));
  while (!CancelRequested()) {
    Clock::duration left = end - Clock::now();
    if (left <= Clock::duration::zero()) return;
    std::this_thread::sleep_for(std::min<Clock::duration>(left, std::chrono::milliseconds(100)));
  }
}

}  // namespace internal

void SetRetryDelayScaleForTesting(double scale) {
  internal::ScaleCell().store(scale >= 0 ? scale : 1.0);
}

}  // namespace modelpusher
