// Ref names: one percent-encoded path segment on the wire, the raw name in git; invalid
// names refused before any request.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "hub_env.h"
#include "modelpusher/http.h"

using namespace modelpusher;
using namespace hftest;

namespace {

class HubRefs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { SetRetryDelayScaleForTesting(0.01); }
};

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(HubRefs, RefWithReservedCharactersIsOneEncodedSegment) {
  HubServer hub;
  auto reg = MakeRegistry(hub, {.ref_template = "{version}"});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"release/v1.2", "release%2Fv1.2"}, {"exp#1", "exp%231"}, {"a%20b", "a%2520b"}};
  int n = 0;
  for (const auto& [name, encoded] : cases) {
    auto p = MakePushable({{"f.txt", "content " + std::to_string(++n)}}, name, "{version}");
    auto result = reg->Publish(p.request);
    ASSERT_TRUE(result.ok()) << name << ": " << result.status().ToString();
    EXPECT_EQ(result->branch, name);
    EXPECT_EQ(result->repo_url, hub.url() + "/alice/model/tree/" + encoded);
  }
  std::string access = ReadText(hub.access_log());
  std::string refs = hub.Get("/api/models/alice/model/refs", kWriteToken).body;
  std::string git_out;
  ASSERT_EQ(RunCommand({"git", "-C", hub.RepoDir("alice/model"), "for-each-ref",
                        "--format=%(refname)"}, {}, &git_out), 0) << git_out;
  for (const auto& [name, encoded] : cases) {
    EXPECT_NE(access.find("/branch/" + encoded), std::string::npos) << encoded << "\n" << access;
    // The version is assembled on modelpusher-staging/<ref>: one segment as well.
    EXPECT_NE(access.find("/commit/modelpusher-staging%2F" + encoded), std::string::npos)
        << encoded;
    EXPECT_NE(refs.find("\"" + name + "\""), std::string::npos) << name << refs;
    EXPECT_NE(git_out.find("refs/heads/" + name + "\n"), std::string::npos) << git_out;
  }
  auto versions = reg->ListVersions();
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(versions->size(), 3u);
}

TEST_F(HubRefs, InvalidRefNamesAreRefusedBeforeAnyRequest) {
  HubServer hub;
  auto reg = MakeRegistry(hub, {.ref_template = "{version}"});
  hub.ResetStats();
  for (const char* bad : {"refs/pr/1", "a..b", "x.lock", "sp ace", "t~1", "end/"}) {
    auto p = MakePushable({{"f.txt", "x"}}, bad, "{version}");
    auto result = reg->Publish(p.request);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  auto stats = hub.Stats();
  auto requests = stats->getObject("requests");
  int64_t total = 0;
  for (const auto& [k, v] : *requests) {
    if (k != "test") total += v.convert<int64_t>();
  }
  EXPECT_EQ(total, 0) << "a request was sent for an invalid ref";
}

}  // namespace
