// Server limits and faults: a 64 KiB body limit with 610 files and a 429 on the first commit;
// an upload cut mid-way with retries exhausted, then a rerun that resumes.

#include <gtest/gtest.h>

#include <chrono>

#include "hf_json.h"
#include "hub_env.h"
#include "modelpusher/hash.h"
#include "modelpusher/http.h"

using namespace modelpusher;
using namespace hftest;

namespace {

class HubLimits : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { SetRetryDelayScaleForTesting(0.01); }
};

size_t FileCount(HubServer& hub, const std::string& rev) {
  auto r = hub.Get("/api/models/alice/model/tree/" + rev + "?recursive=true", kWriteToken);
  auto arr = hf::ParseArray(r.body, "tree");
  size_t n = 0;
  for (size_t i = 0; arr.ok() && i < (*arr)->size(); ++i) {
    n += hf::GetStr((*arr)->getObject(i), "type") == "file";
  }
  return n;
}

TEST_F(HubLimits, ManySmallFilesUnderBodyLimitLandInOneBranch) {
  HubServer hub({"--body-limit", "65536"});
  auto reg = MakeRegistry(hub, {.extra = {{"lfs_threshold", "1024"}}});
  std::map<std::string, std::string> files;
  for (int i = 0; i < 600; ++i) {
    files["small/f" + std::to_string(i) + ".txt"] = "small file number " + std::to_string(i) + "\n";
  }
  for (int i = 0; i < 10; ++i) files["lfs/w" + std::to_string(i) + ".bin"] = RandomBytes(3000, i);
  hub.SetFaults(R"({"rules": [{"endpoint": "commit", "status": 429, "retry_after": 1,
                               "count": 1}]})");
  auto p = MakePushable(files, "1");
  auto start = std::chrono::steady_clock::now();
  auto result = reg->Publish(p.request);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->status, PushStatus::kPushed);
  EXPECT_GE(seconds, 1.0) << "Retry-After: 1 was not honoured";

  // 610 files + generated README.md + .gitattributes, all on the one version branch.
  EXPECT_EQ(FileCount(hub, "v1"), 612u);
  EXPECT_EQ(Resolve(hub, "alice/model", "v1", "small/f599.txt"), files["small/f599.txt"]);
  EXPECT_EQ(Sha256Hex(Resolve(hub, "alice/model", "v1", "lfs/w9.bin")),
            Sha256Hex(files["lfs/w9.bin"]));
  auto stats = hub.Stats();
  auto status = stats->getObject("status");
  EXPECT_GE(hf::GetInt(status, "429", 0), 1);
  EXPECT_GE(hf::GetInt(status, "413", 0), 1) << "the body limit was never hit";
  // 610 files at most 256 per preupload call: at least three calls, none refused at the end.
  EXPECT_GE(hf::GetInt(stats->getObject("requests"), "preupload", 0), 3);
  std::string refs = hub.Get("/api/models/alice/model/refs", kWriteToken).body;
  EXPECT_EQ(refs.find("modelpusher-staging"), std::string::npos) << refs;
  EXPECT_EQ(StatInt(stats, "lfs.objects_stored"), 10);
}

TEST_F(HubLimits, InterruptedUploadResumesWithoutResendingStoredObjects) {
  HubServer hub;
  auto reg = MakeRegistry(hub, {.extra = {{"lfs_threshold", "1024"}}});
  std::map<std::string, std::string> files = {
      {"a.bin", RandomBytes(4000, 1)}, {"b.bin", RandomBytes(5000, 2)},
      {"c.bin", RandomBytes(6000, 3)}, {"big.bin", RandomBytes(3 << 20, 4)},
      {"config.json", "{}"}};
  // Every PUT is cut after 1 MiB: the small ones pass, big.bin fails on every retry.
  hub.SetFaults(R"({"rules": [{"endpoint": "lfs_put", "drop_after": 1048576, "count": 1000}]})");
  auto p = MakePushable(files, "1");
  auto failed = reg->Publish(p.request);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable) << failed.status().ToString();
  std::string refs = hub.Get("/api/models/alice/model/refs", kWriteToken).body;
  EXPECT_EQ(refs.find("\"v1\""), std::string::npos) << "a half-published version: " << refs;
  auto before = hub.Stats();
  EXPECT_EQ(StatInt(before, "lfs.objects_stored"), 3);

  hub.ResetFaults();
  hub.ResetStats();
  auto again = MakePushable(files, "1");
  auto result = reg->Publish(again.request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  auto stats = hub.Stats();
  EXPECT_EQ(StatInt(stats, "lfs.puts"), 1) << "stored objects were sent again";
  EXPECT_EQ(StatInt(stats, "lfs.bytes_received_total"), 3 << 20);
  EXPECT_EQ(Sha256Hex(Resolve(hub, "alice/model", "v1", "big.bin")),
            Sha256Hex(files["big.bin"]));
}

}  // namespace
