#include "git_config.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "git_test_env.h"

namespace modelpusher::git {
namespace {

using namespace modelpusher::git::testing;

Result<GitConfig> Parse(const ConfigValue& block) {
  RegistryContext context{&block, "v{version}", "/etc/mp"};
  return ParseGitConfig(context);
}

TEST(GitConfig, ReadsEverySetting) {
  setenv("MP_GIT_TEST_TOKEN", "tok-123456", 1);
  ConfigValue author = ConfigValue::Map({});
  author.Set("name", Scalar("Bot"));
  author.Set("email", Scalar("bot@x.invalid"));
  auto config = Parse(MakeConfig(
      {{"url", "https://git.example.invalid/org/model.git"}, {"ref_type", "tag"},
       {"base", "release"}, {"lfs_threshold", "1KiB"}, {"username", "me"},
       {"ssh_key", "keys/id"}, {"path_in_repo", "./models//a/"}},
      {{"author", author}, {"lfs_patterns", List({"*.onnx"})},
       {"token", EnvSecret("MP_GIT_TEST_TOKEN")}}));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->ref_type, "tag");
  EXPECT_EQ(config->base, "release");
  EXPECT_EQ(config->lfs_threshold, 1024u);
  EXPECT_EQ(config->lfs_patterns, std::vector<std::string>{"*.onnx"});
  EXPECT_EQ(config->password.Reveal(), "tok-123456");
  EXPECT_EQ(config->ssh_key, "/etc/mp/keys/id");
  EXPECT_EQ(config->path_in_repo, "models/a");
  EXPECT_EQ(config->author_name, "Bot");
  EXPECT_EQ(config->ref_template, "v{version}");
}

TEST(GitConfig, RefusesCredentialsInTheUrl) {
  auto config = Parse(MakeConfig({{"url", "https://me:secret@git.example.invalid/m.git"}}));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message().find("secret"), std::string::npos);
}

TEST(GitConfig, RefusesUnknownKeysAndSchemes) {
  EXPECT_FALSE(Parse(MakeConfig({{"url", "ftp://x/y"}})).ok());
  EXPECT_FALSE(Parse(MakeConfig({{"url", "file://relative/path"}})).ok());
  EXPECT_FALSE(Parse(MakeConfig({{"url", "file:///a"}, {"colour", "red"}})).ok());
  EXPECT_FALSE(Parse(MakeConfig({{"url", "file:///a"}, {"ref_type", "note"}})).ok());
  EXPECT_FALSE(Parse(MakeConfig({{"url", "file:///a"}, {"lfs_threshold", "20MiB"}})).ok());
  EXPECT_FALSE(Parse(MakeConfig({{"url", "file:///a"}, {"token", "plain"}})).ok());
}

TEST(GitConfig, UnsetTokenVariableIsMissingCredentials) {
  unsetenv("MP_GIT_TEST_UNSET");
  auto config = Parse(MakeConfig({{"url", "https://h.invalid/m"}},
                                 {{"token", EnvSecret("MP_GIT_TEST_UNSET")}}));
  ASSERT_FALSE(config.ok());
  // Missing credentials, so the CLI exits with its credentials code (3), naming the variable.
  EXPECT_EQ(config.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(config.status().message().find("MP_GIT_TEST_UNSET"), std::string::npos);
}

}  // namespace
}  // namespace modelpusher::git
