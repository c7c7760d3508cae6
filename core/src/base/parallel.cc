#include "modelpusher/parallel.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace modelpusher {

Status ParallelFor(size_t count, size_t threads, const std::function<Status(size_t)>& task) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, count);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  size_t first_index = count;
  Status first_error;

  auto worker = [&] {
    while (!failed.load()) {
      size_t i = next.fetch_add(1);
      if (i >= count) return;
      Status s = task(i);
      if (s.ok()) continue;
      std::lock_guard<std::mutex> lock(mu);
      if (i < first_index) {
        first_index = i;
        first_error = s;
      }
      failed = true;
    }
  };

  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return first_error;
}

size_t DefaultTransferThreads() {
  if (const char* v = std::getenv("MODELPUSHER_JOBS")) {
    long n = std::strtol(v, nullptr, 10);
    if (n > 0 && n <= 256) return static_cast<size_t>(n);
  }
  return 8;
}

}  // namespace modelpusher
