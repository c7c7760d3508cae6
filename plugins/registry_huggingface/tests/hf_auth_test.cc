// Tokens: missing, invalid, read-only, wrong namespace; and the token never leaks into a log
// line, a Status message or a result.

#include <gtest/gtest.h>

#include "hub_env.h"
#include "modelpusher/http.h"

using namespace modelpusher;
using namespace hftest;

namespace {

class HubAuth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { SetRetryDelayScaleForTesting(0.01); }
};

TEST_F(HubAuth, ReadOnlyTokenIsPermissionDeniedWhetherBranchExistsOrNot) {
  HubServer hub;
  auto writer = MakeRegistry(hub, {});
  auto first = MakePushable({{"a.txt", "one"}}, "1");
  ASSERT_TRUE(writer->Publish(first.request).ok());
  hub.ResetStats();

  auto reader = MakeRegistry(hub, {.token = kReadToken});
  for (const char* version : {"1", "2"}) {  // the branch exists, then is absent
    auto p = MakePushable({{"a.txt", std::string("new ") + version}}, version);
    auto result = reader->Publish(p.request);
    ASSERT_FALSE(result.ok()) << version;
    EXPECT_EQ(result.status().code(), StatusCode::kPermissionDenied) << version;
    EXPECT_NE(result.status().message().find("read-only"), std::string::npos)
        << result.status().message();
    EXPECT_NE(result.status().message().find("write"), std::string::npos);
  }
  EXPECT_EQ(StatInt(hub.Stats(), "commits"), 0);
}

TEST_F(HubAuth, InvalidTokenIsUnauthenticated) {
  HubServer hub;
  auto reg = MakeRegistry(hub, {.token = "hf_mptest_not_a_known_token"});
  auto p = MakePushable({{"a.txt", "x"}}, "1");
  auto result = reg->Publish(p.request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(result.status().message().find("HF_TOKEN"), std::string::npos);
  EXPECT_EQ(result.status().message().find("hf_mptest_not_a_known_token"), std::string::npos);
}

TEST_F(HubAuth, MissingTokenIsUnauthenticatedAndSaysWhatToSet) {
  HubServer hub;
  // No token key; the default lookup finds nothing in an empty HF_HOME.
  std::string home = hub.workdir() + "/empty_home";
  setenv("HF_HOME", home.c_str(), 1);
  unsetenv("HF_TOKEN");
  unsetenv("HUGGING_FACE_HUB_TOKEN");
  unsetenv("HF_TOKEN_PATH");
  auto reg = MakeRegistry(hub, {.token = ""});
  unsetenv("HF_HOME");
  auto p = MakePushable({{"a.txt", "x"}}, "1");
  auto result = reg->Publish(p.request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(result.status().message().find("HF_TOKEN"), std::string::npos);
}

TEST_F(HubAuth, ForeignNamespaceIsPermissionDenied) {
  HubServer hub;
  auto reg = MakeRegistry(hub, {.repo = "acme/model", .token = kBobToken});
  auto p = MakePushable({{"a.txt", "x"}}, "1");
  auto result = reg->Publish(p.request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(result.status().message().find("acme"), std::string::npos);
}

TEST_F(HubAuth, TokenNeverAppearsInLogsMessagesOrResults) {
  HubServer hub({"--chunk-size", "1048576", "--multipart-threshold", "1048576"});
  LogCapture logs;
  auto reg = MakeRegistry(hub, {.extra = {{"lfs_threshold", "1024"}}});
  hub.SetFaults(R"({"rules": [{"endpoint": "commit", "status": 429, "retry_after": 1, "count": 1},
                              {"endpoint": "lfs_batch", "status": 500, "count": 1}]})");
  auto p = MakePushable({{"big.bin", RandomBytes(1200000, 4)}, {"s.txt", TextOfSize(2000)},
                         {"c.json", "{}"}}, "1");
  auto pushed = reg->Publish(p.request);
  ASSERT_TRUE(pushed.ok()) << pushed.status().ToString();
  auto same = MakePushable({{"big.bin", RandomBytes(1200000, 4)}, {"s.txt", TextOfSize(2000)},
                            {"c.json", "{}"}}, "1");
  auto refused = reg->Publish(MakePushable({{"c.json", "[]"}}, "1").request);
  auto reader = MakeRegistry(hub, {.token = kReadToken});
  auto denied = reader->Publish(same.request);
  ASSERT_FALSE(refused.ok());
  ASSERT_FALSE(denied.ok());

  std::vector<std::string> texts = {refused.status().message(), denied.status().message(),
                                    pushed->repo_url, pushed->commit_id, pushed->branch,
                                    pushed->repo_id};
  for (const auto& line : logs.Lines()) texts.push_back(line);
  EXPECT_GT(logs.Lines().size(), 3u) << "expected info lines per step";
  for (const auto& t : texts) {
    EXPECT_EQ(t.find(kWriteToken), std::string::npos) << t;
    EXPECT_EQ(t.find(kReadToken), std::string::npos) << t;
  }
  EXPECT_EQ(StatInt(hub.Stats(), "upload_host.authorization_count"), 0);
}

}  // namespace
