#include "modelpusher/cancel.h"

#include <atomic>

namespace modelpusher {
namespace {

// A lock-free atomic, so that a signal handler may set it.
std::atomic<bool> g_cancel{false};
static_assert(std::atomic<bool>::is_always_lock_free);

}  // namespace

bool CancelRequested() { return g_cancel.load(std::memory_order_relaxed); }

void RequestCancel() { g_cancel.store(true, std::memory_order_relaxed); }

}  // namespace modelpusher
