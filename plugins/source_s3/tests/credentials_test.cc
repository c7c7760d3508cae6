// Credential, region and endpoint look-up as AWS's clients do it, from real files.

#include "credentials.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace modelpusher::s3 {
namespace {

namespace fs = std::filesystem;

class S3Credentials : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mp-s3-cred-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                             "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
                             "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"}) {
      ::unsetenv(name);
    }
    Write("credentials",
          "[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = defaultsecret\n"
          "[dev]\naws_access_key_id=DEVKEY\naws_secret_access_key=devsecret\n"
          "aws_session_token = devtoken\n");
    Write("config",
          "[default]\nregion = eu-central-1\n"
          "[profile dev]\nregion = ap-south-1\nendpoint_url = http://127.0.0.1:9/\n"
          "[profile cfgonly]\naws_access_key_id = CFGKEY\naws_secret_access_key = cfgsecret\n"
          "s3 =\n  addressing_style = virtual\n");
    ::setenv("AWS_SHARED_CREDENTIALS_FILE", (dir_ / "credentials").c_str(), 1);
    ::setenv("AWS_CONFIG_FILE", (dir_ / "config").c_str(), 1);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }

  static ConfigValue Options(std::initializer_list<std::pair<std::string, std::string>> kv) {
    ConfigValue map = ConfigValue::Map({});
    for (const auto& [k, v] : kv) map.Set(k, ConfigValue::Scalar(v, false, {}));
    return map;
  }

  fs::path dir_;
};

TEST_F(S3Credentials, DefaultProfileFromSharedFiles) {
  auto settings = ResolveSettings(nullptr);
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  EXPECT_EQ(settings->credentials.access_key_id, "DEFAULTKEY");
  EXPECT_EQ(settings->credentials.secret_access_key.Reveal(), "defaultsecret");
  EXPECT_EQ(settings->region, "eu-central-1");
  EXPECT_EQ(settings->endpoint, "https://s3.eu-central-1.amazonaws.com");
  EXPECT_FALSE(settings->path_style);
}

TEST_F(S3Credentials, EnvironmentKeysWinOverTheDefaultProfile) {
  ::setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
  ::setenv("AWS_SESSION_TOKEN", "envtoken", 1);
  ::setenv("AWS_REGION", "us-west-2", 1);
  ::setenv("AWS_DEFAULT_REGION", "us-east-2", 1);
  auto settings = ResolveSettings(nullptr);
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->credentials.access_key_id, "ENVKEY");
  EXPECT_EQ(settings->credentials.session_token.Reveal(), "envtoken");
  EXPECT_EQ(settings->region, "us-west-2");
  EXPECT_EQ(settings->credential_origin, "environment");
}

TEST_F(S3Credentials, AwsProfileSelectsProfileWithConfigSection) {
  ::setenv("AWS_PROFILE", "dev", 1);
  auto settings = ResolveSettings(nullptr);
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->credentials.access_key_id, "DEVKEY");
  EXPECT_EQ(settings->credentials.session_token.Reveal(), "devtoken");
  EXPECT_EQ(settings->region, "ap-south-1");
  EXPECT_EQ(settings->endpoint, "http://127.0.0.1:9");
  EXPECT_TRUE(settings->path_style);  // custom endpoint: path-style by default
}

TEST_F(S3Credentials, ExplicitProfileOptionBeatsEnvironmentKeys) {
  ::setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
  ConfigValue options = Options({{"profile", "cfgonly"}, {"region", "sa-east-1"}});
  auto settings = ResolveSettings(&options);
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  EXPECT_EQ(settings->credentials.access_key_id, "CFGKEY");
  EXPECT_EQ(settings->region, "sa-east-1");
  EXPECT_FALSE(settings->path_style);
}

TEST_F(S3Credentials, EndpointVariablesAndOptionsOverrideAddressing) {
  ::setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);
  ::setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:2", 1);
  auto settings = ResolveSettings(nullptr);
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->endpoint, "http://127.0.0.1:2");
  EXPECT_TRUE(settings->path_style);
  ConfigValue options = Options({{"endpoint", "http://127.0.0.1:3"}, {"path_style", "false"}});
  settings = ResolveSettings(&options);
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->endpoint, "http://127.0.0.1:3");
  EXPECT_FALSE(settings->path_style);
}

TEST_F(S3Credentials, MissingNamedProfileAndMissingKeysAreErrors) {
  ConfigValue options = Options({{"profile", "nope"}});
  EXPECT_EQ(ResolveSettings(&options).status().code(), StatusCode::kNotFound);
  Write("credentials", "");
  Write("config", "");
  auto none = ResolveSettings(nullptr);
  EXPECT_EQ(none.status().code(), StatusCode::kUnauthenticated);
  ConfigValue anonymous = Options({{"anonymous", "true"}});
  auto settings = ResolveSettings(&anonymous);
  ASSERT_TRUE(settings.ok());
  EXPECT_TRUE(settings->anonymous);
}

}  // namespace
}  // namespace modelpusher::s3
