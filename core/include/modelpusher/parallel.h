#pragma once

// A small fixed-size worker pool, for plugins that upload or hash several files at once.
// Thread safety: ParallelFor may be called from any thread; it owns the threads it starts.

#include <cstddef>
#include <functional>

#include "modelpusher/status.h"

namespace modelpusher {

/// Runs task(i) for i in [0, count) on up to `threads` threads (the caller's included) and
/// waits for all of them. After the first failure no new index is started; the first error
/// (lowest index among those that failed) is returned. `threads` 0 means the machine's
/// hardware concurrency. Tasks must be thread safe with respect to each other.
Status ParallelFor(size_t count, size_t threads, const std::function<Status(size_t)>& task);

/// The default number of parallel transfers: MODELPUSHER_JOBS when set, else 8.
size_t DefaultTransferThreads();

}  // namespace modelpusher
