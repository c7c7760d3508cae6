#include <gtest/gtest.h>

#include <cstdlib>

#include "config/push_config.h"
#include "config/yaml_loader.h"
#include "modelpusher/secret.h"

namespace modelpusher::internal {
namespace {

constexpr const char* kMinimal = R"(source: ./model
registries:
  - type: filesystem
    path: /srv/models/m
)";

TEST(ConfigLoader, AppliesDefaultsToASinglePush) {
  auto config = ParseConfig(kMinimal, "/etc/mp/push.yaml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_EQ(config->pushes.size(), 1u);
  const PushSpec& push = config->pushes[0];
  EXPECT_EQ(push.name, "default");
  EXPECT_EQ(push.source_uri, "/etc/mp/model");  // relative to the config file
  EXPECT_EQ(push.blessing.kind, BlessingRule::Kind::kNone);
  EXPECT_EQ(push.versioning.scheme, "timestamp");
  EXPECT_EQ(push.versioning.ref_template, "{version}");
  ASSERT_EQ(push.registries.size(), 1u);
  EXPECT_EQ(push.registries[0].type, "filesystem");
  EXPECT_EQ(push.registries[0].block.Find("path")->text(), "/srv/models/m");
}

TEST(ConfigLoader, RejectsDuplicateKeyNamingBothLines) {
  auto config = ParseConfig(R"(source: ./model
registries:
  - type: huggingface
    repo: a/b
    repo: a/c
)", "push.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(config.status().message().find("push.yaml:5:5"), std::string::npos)
      << config.status().message();
  EXPECT_NE(config.status().message().find("duplicate key 'repo'"), std::string::npos);
  EXPECT_NE(config.status().message().find("line 4"), std::string::npos);
  EXPECT_NE(config.status().message().find("line 5"), std::string::npos);
}

TEST(ConfigLoader, RejectsUnknownKeyWithLineColumnAndSuggestion) {
  auto config = ParseConfig(R"(source: ./model
regsitries:
  - type: filesystem
)", "push.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("push.yaml:2:1"), std::string::npos)
      << config.status().message();
  EXPECT_NE(config.status().message().find("did you mean 'registries'"), std::string::npos)
      << config.status().message();
}

TEST(ConfigLoader, RejectsUnknownSchemeWithSuggestion) {
  auto config = ParseConfig(std::string(kMinimal) + "versioning: {scheme: timestmp}\n", "p.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("p.yaml:5:22"), std::string::npos)
      << config.status().message();
  EXPECT_NE(config.status().message().find("did you mean 'timestamp'"), std::string::npos);
}

TEST(ConfigLoader, ReportsYamlSyntaxErrorsWithLocation) {
  auto config = ParseConfig("source: [unclosed\n", "bad.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message().rfind("bad.yaml:", 0), 0u) << config.status().message();
}

TEST(ConfigLoader, ExpandsEnvironmentVariables) {
  setenv("MP_TEST_MODEL_DIR", "/data/model", 1);
  auto config = ParseConfig(R"(source: ${MP_TEST_MODEL_DIR}/export
registries:
  - type: filesystem
    path: ${MP_TEST_UNSET_VAR:-/srv/default}
)", "/x/p.yaml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->pushes[0].source_uri, "/data/model/export");
  EXPECT_EQ(config->pushes[0].registries[0].block.Find("path")->text(), "/srv/default");
}

TEST(ConfigLoader, RejectsUnsetEnvironmentVariableByName) {
  unsetenv("MP_TEST_NOT_SET");
  auto config = ParseConfig("source: ${MP_TEST_NOT_SET}\n", "p.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("MP_TEST_NOT_SET is not set"), std::string::npos);
  EXPECT_NE(config.status().message().find("p.yaml:1:9"), std::string::npos)
      << config.status().message();
}

TEST(ConfigLoader, BatchPushesInheritTopLevelDefaults) {
  auto config = ParseConfig(R"(blessing: {tfx: /b/13}
versioning: {scheme: semver, ref: "v{version}"}
registries:
  - type: filesystem
    path: /srv/m
pushes:
  - name: penguin
    source: gs://bucket/penguin
  - name: iris
    source: s3://bucket/iris
    blessing: none
)", "/x/batch.yaml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_EQ(config->pushes.size(), 2u);
  EXPECT_TRUE(config->batch);
  EXPECT_EQ(config->pushes[0].source_uri, "gs://bucket/penguin");
  EXPECT_EQ(config->pushes[0].blessing.kind, BlessingRule::Kind::kTfx);
  EXPECT_EQ(config->pushes[0].blessing.path, "/b/13");
  EXPECT_EQ(config->pushes[1].blessing.kind, BlessingRule::Kind::kNone);
  EXPECT_EQ(config->pushes[1].versioning.scheme, "semver");
  EXPECT_EQ(config->pushes[1].registries.size(), 1u);
}

TEST(ConfigLoader, RejectsDuplicatePushNames) {
  auto config = ParseConfig(R"(registries: [{type: filesystem, path: /m}]
pushes:
  - {name: a, source: /x}
  - {name: a, source: /y}
)", "p.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("two pushes are called 'a'"), std::string::npos);
}

TEST(ConfigLoader, RequiresSourceAndRegistries) {
  auto config = ParseConfig("source: /x\n", "p.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("no registries"), std::string::npos);
}

TEST(ConfigLoader, RefTemplateMustContainVersion) {
  auto config = ParseConfig(std::string(kMinimal) + "versioning: {ref: release}\n", "p.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("must contain {version}"), std::string::npos);
}

TEST(ConfigLoader, ParsesNestedBlessingRules) {
  auto config = ParseConfig(std::string(kMinimal) + R"(blessing:
  all:
    - tfx: ./blessing
    - infra: gs://b/infra/3
    - metrics: {file: eval/metrics.json, require: {accuracy: ">= 0.90", loss: "< 0.3"}}
)", "/cfg/p.yaml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const BlessingRule& rule = config->pushes[0].blessing;
  ASSERT_EQ(rule.kind, BlessingRule::Kind::kAll);
  ASSERT_EQ(rule.children.size(), 3u);
  EXPECT_EQ(rule.children[0].path, "/cfg/blessing");
  EXPECT_EQ(rule.children[1].kind, BlessingRule::Kind::kInfra);
  EXPECT_EQ(rule.children[1].path, "gs://b/infra/3");
  EXPECT_EQ(rule.children[2].path, "/cfg/eval/metrics.json");
  ASSERT_EQ(rule.children[2].require.size(), 2u);
  EXPECT_EQ(rule.children[2].require[1].second, "< 0.3");
}

TEST(ConfigLoader, RejectsMalformedMetricRequirement) {
  auto config = ParseConfig(std::string(kMinimal) +
                                "blessing: {metrics: {file: m.json, require: {acc: \"about 0.9\"}}}\n",
                            "p.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("p.yaml:5:"), std::string::npos)
      << config.status().message();
}

TEST(ConfigLoader, RefusesASecretWrittenInline) {
  // Tokens are references; the secret resolver refuses literal strings.
  auto value = ParseYaml("token: hf_abcdefgh\n", "p.yaml");
  ASSERT_TRUE(value.ok());
  auto secret = ResolveSecret(*value->Find("token"), "/");
  ASSERT_FALSE(secret.ok());
  EXPECT_NE(secret.status().message().find("{env: VARIABLE}"), std::string::npos);
  EXPECT_EQ(secret.status().message().find("hf_abcdefgh"), std::string::npos);
}

}  // namespace
}  // namespace modelpusher::internal
