// The git registry over smart HTTP (`git http-backend`) with the LFS batch API, against the
// loopback server in tests/git_server, checked with the real git and git-lfs.

#include <gtest/gtest.h>

#include <cstdlib>
#include <mutex>

#include "git_registry.h"
#include "git_test_env.h"
#include "modelpusher/log.h"
#include "modelpusher/testing/fixtures.h"

namespace modelpusher::git {
namespace {

using namespace modelpusher::git::testing;

constexpr const char* kToken = "mp-test-token-8c41f0e2";

std::map<std::string, std::string> ThresholdModel() {
  return {{"tokenizer.json", std::string(1025, 't')},
          {"logs/events.out.tfevents.1625668537.host.1.v2", std::string(2000, 'e')},
          {"weights.safetensors.part-001", std::string(1500, 'w')},
          {"weights.7z.193", std::string(1500, 'z')},
          {"config.json", std::string(100, 'c')},
          {"README.md", std::string(1024, 'r')},
          {"empty.pkl", ""},
          {"assets/.gitkeep", ""}};
}

class GitRegistryHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    repos_ = sandbox_.Folder("repos");
    remote_ = repos_ + "/model.git";
    MakeBareRepo(remote_, {{"LICENSE", "MIT\n"}});
    server_ = std::make_unique<GitServer>(repos_, kToken);
    setenv("MP_GIT_HTTP_TOKEN", kToken, 1);
    setenv("MP_GIT_HTTP_WRONG", "not-the-token-1234", 1);
    log::SetSink([this](LogLevel, const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mutex_);
      log_ += line + "\n";
    });
  }

  void TearDown() override {
    log::SetSink(nullptr);
    EXPECT_EQ(log_.find(kToken), std::string::npos) << log_;
  }

  std::unique_ptr<ModelRegistry> Registry(const std::string& token_variable) {
    config_ = MakeConfig({{"url", server_->Url("model.git")}, {"lfs_threshold", "1KiB"}},
                         {{"token", EnvSecret(token_variable)}});
    RegistryContext context{&config_, "v{version}", sandbox_.root()};
    auto registry = MakeGitRegistry(context);
    EXPECT_TRUE(registry.ok()) << registry.status().ToString();
    return std::move(registry).value();
  }

  PushRequest Request(const std::map<std::string, std::string>& files,
                      const std::string& version) {
    sources_.push_back(modelpusher::testing::MakeMemorySource(files));
    return modelpusher::testing::MakePushRequest(*sources_.back(), version, "v" + version);
  }

  Sandbox sandbox_;
  std::string repos_;
  std::string remote_;
  std::unique_ptr<GitServer> server_;
  ConfigValue config_;
  std::vector<std::unique_ptr<StorageSource>> sources_;
  std::mutex log_mutex_;
  std::string log_;
};

TEST_F(GitRegistryHttp, PushesOverSmartHttpWithLfsBatchAndCloneRestoresEveryByte) {
  auto registry = Registry("MP_GIT_HTTP_TOKEN");
  auto model = ThresholdModel();
  auto result = registry->Publish(Request(model, "1"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->status, PushStatus::kPushed);
  EXPECT_EQ(result->repo_id, server_->Url("model.git"));
  EXPECT_EQ(result->repo_url, server_->Url("model") + "/tree/v1");
  EXPECT_EQ(server_->LfsUploads(), 4);

  auto files = CloneFiles(server_->Url("model.git"), "v1", sandbox_.root() + "/clone");
  for (const auto& [path, content] : model) EXPECT_EQ(files[path], content) << path;
  EXPECT_EQ(files["LICENSE"], "MIT\n");
  MustRun("git --git-dir='" + remote_ + "' fsck --strict");
  EXPECT_EQ(MustRun("git --git-dir='" + remote_ + "' rev-list --count main..v1"), "1");

  auto versions = registry->ListVersions();
  ASSERT_TRUE(versions.ok()) << versions.status().ToString();
  ASSERT_EQ(versions->size(), 1u);
  EXPECT_EQ((*versions)[0].commit_id, result->commit_id);
}

TEST_F(GitRegistryHttp, ServerFaultBeforeRefPushLeavesRefsAndRerunSkipsUploadedObjects) {
  auto registry = Registry("MP_GIT_HTTP_TOKEN");
  auto model = ThresholdModel();
  std::string refs = RefsOf(remote_);
  server_->FailReceivePack(1);
  auto failed = registry->Publish(Request(model, "1"));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(RefsOf(remote_), refs);
  EXPECT_EQ(server_->LfsUploads(), 4);  // the objects went up before the ref push failed

  auto rerun = registry->Publish(Request(model, "1"));
  ASSERT_TRUE(rerun.ok()) << rerun.status().ToString();
  EXPECT_EQ(server_->LfsUploads(), 4);  // the server had them: nothing sent twice
  auto files = CloneFiles(server_->Url("model.git"), "v1", sandbox_.root() + "/clone");
  for (const auto& [path, content] : model) EXPECT_EQ(files[path], content) << path;
}

TEST_F(GitRegistryHttp, WrongTokenIsUnauthenticatedAndChangesNothing) {
  auto registry = Registry("MP_GIT_HTTP_WRONG");
  std::string refs = RefsOf(remote_);
  auto result = registry->Publish(Request(ThresholdModel(), "1"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kUnauthenticated) << result.status().ToString();
  EXPECT_EQ(result.status().message().find("not-the-token"), std::string::npos);
  EXPECT_EQ(RefsOf(remote_), refs);
  EXPECT_EQ(server_->LfsUploads(), 0);
}

TEST_F(GitRegistryHttp, ExistingBranchFailsClearlyOverHttp) {
  auto registry = Registry("MP_GIT_HTTP_TOKEN");
  ASSERT_TRUE(registry->Publish(Request({{"a.txt", "one"}}, "1")).ok());
  std::string refs = RefsOf(remote_);
  auto again = registry->Publish(Request({{"a.txt", "two"}}, "1"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("v1"), std::string::npos);
  EXPECT_EQ(RefsOf(remote_), refs);
}

}  // namespace
}  // namespace modelpusher::git
