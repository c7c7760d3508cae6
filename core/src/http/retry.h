#pragma once

// When and how long to wait before trying a request again.

#include <chrono>
#include <optional>

#include "modelpusher/http.h"

namespace modelpusher::internal {

/// The factor applied to every retry sleep (SetRetryDelayScaleForTesting or
/// MODELPUSHER_RETRY_DELAY_SCALE; 1.0 by default).
double RetryDelayScale();

/// 408, 429, 500, 502, 503, 504.
bool IsRetryableStatus(int status);

/// Backoff and deadline bookkeeping for one request, from its first attempt on.
/// Not thread safe; one object per request.
class RetrySchedule {
 public:
  explicit RetrySchedule(const RetryPolicy& policy);

  /// How long to sleep after `attempts` attempts have failed before the next one, already
  /// scaled and never past the deadline; nullopt when the policy allows no further attempt.
  /// `retry_after` (the server's wish, in seconds) replaces the exponential backoff.
  std::optional<double> NextDelay(int attempts, std::optional<double> retry_after) const;

  /// Seconds left before the deadline (may be negative).
  double Remaining() const;

 private:
  RetryPolicy policy_;
  std::chrono::steady_clock::time_point start_;
};

/// Sleeps `seconds` (already scaled).
void SleepSeconds(double seconds);

}  // namespace modelpusher::internal
