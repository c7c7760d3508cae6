// Throughput and memory of a large LFS upload to the local test server. Opt-in (it writes
// the file twice to disk): MODELPUSHER_HF_BENCH_MIB=1024 runs it with a 1 GiB file.

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "hub_env.h"
#include "modelpusher/http.h"
#include "modelpusher/testing/fixtures.h"

using namespace modelpusher;
using namespace hftest;

namespace {

long MaxRssMiB() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

TEST(HubBench, LargeLfsUploadKeepsMemoryFlat) {
  const char* mib_env = std::getenv("MODELPUSHER_HF_BENCH_MIB");
  if (mib_env == nullptr) {
    GTEST_SKIP() << "benchmark skipped: set MODELPUSHER_HF_BENCH_MIB (e.g. 1024) to run it";
  }
  const uint64_t mib = std::strtoull(mib_env, nullptr, 10);
  HubServer hub({"--chunk-size", std::to_string(64 << 20)});
  std::string dir = hub.workdir() + "/model";
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir + "/weights.bin", std::ios::binary);
    std::string block = RandomBytes(1 << 20, 77);
    for (uint64_t i = 0; i < mib; ++i) {
      block[1] = static_cast<char>(i);  // distinct blocks
      out.write(block.data(), static_cast<std::streamsize>(block.size()));
    }
  }
  auto source = modelpusher::testing::MakeFolderSource(dir);
  PushRequest request = modelpusher::testing::MakePushRequest(*source, "1", "v1");
  request.commit_summary = "bench";
  long rss_before = MaxRssMiB();
  auto reg = MakeRegistry(hub, {});
  auto start = std::chrono::steady_clock::now();
  auto result = reg->Publish(request);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  long rss_after = MaxRssMiB();
  std::cout << "[ figures  ] " << mib << " MiB LFS upload (multipart, 64 MiB parts): " << seconds
            << " s, " << mib / seconds << " MiB/s; max RSS " << rss_before << " -> " << rss_after
            << " MiB\n";
  EXPECT_LT(rss_after - rss_before, 200) << "memory grew with the file size";
}

}  // namespace
