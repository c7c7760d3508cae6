// Pieces that need no server: config and token lookup, the descriptor, commit sizing,
// percent-encoding of revisions, the model card's YAML.

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <filesystem>
#include <fstream>

#include "hf_api.h"
#include "hf_commit.h"
#include "hf_config.h"
#include "hf_json.h"
#include "hf_lfs.h"
#include "hf_model_card.h"
#include "hf_registry.h"
#include "modelpusher/plugin_abi.h"
#include "modelpusher/testing/fixtures.h"

using namespace modelpusher;
using namespace modelpusher::hf;

namespace {

ConfigValue Block(std::map<std::string, std::string> scalars) {
  SourceLocation here{"cfg.yaml", 3, 5};
  ConfigValue block = ConfigValue::Map(here);
  for (const auto& [k, v] : scalars) block.Set(k, ConfigValue::Scalar(v, false, here));
  return block;
}

// Sets environment variables for one test and restores them afterwards.
class EnvGuard {
 public:
  EnvGuard(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (const auto& [k, v] : vars) {
      const char* old = std::getenv(k);
      saved_[k] = old ? std::optional<std::string>(old) : std::nullopt;
      if (v) setenv(k, v, 1); else unsetenv(k);
    }
  }
  EnvGuard(const EnvGuard&) = delete;
  ~EnvGuard() {
    for (const auto& [k, v] : saved_) {
      if (v) setenv(k.c_str(), v->c_str(), 1); else unsetenv(k.c_str());
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

std::string TempDir() {
  std::string t = (std::filesystem::temp_directory_path() / "hfunit-XXXXXX").string();
  return mkdtemp(t.data());
}

TEST(HfConfig, AppliesDefaults) {
  EnvGuard env{{"HF_ENDPOINT", nullptr}, {"HF_TOKEN", "hf_unit_default_token"}};
  auto cfg = ParseHfConfig(Block({{"type", "huggingface"}, {"repo", "acme/net"}}), "");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->owner, "acme");
  EXPECT_EQ(cfg->name, "net");
  EXPECT_TRUE(cfg->private_repo);
  EXPECT_EQ(cfg->endpoint, "https://huggingface.co");
  EXPECT_EQ(cfg->base, "main");
  EXPECT_EQ(cfg->ref_type, RefType::kBranch);
  EXPECT_TRUE(cfg->model_card);
  EXPECT_EQ(cfg->lfs_threshold, 10u * 1024 * 1024);
  EXPECT_EQ(cfg->token.Reveal(), "hf_unit_default_token");
  EXPECT_EQ(cfg->token_origin, "environment variable HF_TOKEN");
}

TEST(HfConfig, RefusesBadValuesWithLocation) {
  for (auto bad : std::vector<std::map<std::string, std::string>>{
           {{"repo", "no-slash"}},
           {{"repo", "a/b/c"}},
           {{"repo", "a/b"}, {"ref_type", "commit"}},
           {{"repo", "a/b"}, {"lfs_threshold", "0"}},
           {{"repo", "a/b"}, {"lfs_threshold", "10485761"}},
           {{"repo", "a/b"}, {"endpoint", "ftp://x"}},
           {{"repo", "a/b"}, {"colour", "blue"}},
           {{"repo", "a/b"}, {"path_in_repo", "../up"}}}) {
    auto cfg = ParseHfConfig(Block(bad), "");
    ASSERT_FALSE(cfg.ok());
    EXPECT_EQ(cfg.status().code(), StatusCode::kInvalidArgument);
  }
  auto cfg = ParseHfConfig(Block({{"repo", "no-slash"}}), "");
  EXPECT_NE(cfg.status().message().find("cfg.yaml:3:5"), std::string::npos)
      << cfg.status().message();
}

TEST(HfConfig, RefusesTokenWrittenInTheFile) {
  auto cfg = ParseHfConfig(Block({{"repo", "a/b"}, {"token", "hf_plain_text"}}), "");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().message().find("hf_plain_text"), std::string::npos);
}

TEST(HfConfig, LooksUpTokenLikeTheOfficialClient) {
  std::string home = TempDir();
  std::filesystem::create_directories(home + "/xdg/huggingface");
  std::ofstream(home + "/xdg/huggingface/token") << "hf_from_xdg_file\n";
  std::ofstream(home + "/explicit") << "hf_from_token_path\n";
  std::string origin;
  {
    EnvGuard env{{"HF_TOKEN", "hf_env_first"}, {"HUGGING_FACE_HUB_TOKEN", "hf_legacy"}};
    EXPECT_EQ(LookupDefaultToken(&origin)->Reveal(), "hf_env_first");
  }
  {
    EnvGuard env{{"HF_TOKEN", nullptr}, {"HUGGING_FACE_HUB_TOKEN", "hf_legacy_second"}};
    EXPECT_EQ(LookupDefaultToken(&origin)->Reveal(), "hf_legacy_second");
  }
  std::string token_path = home + "/explicit";
  {
    EnvGuard env{{"HF_TOKEN", nullptr}, {"HUGGING_FACE_HUB_TOKEN", nullptr},
                  {"HF_TOKEN_PATH", token_path.c_str()}};
    EXPECT_EQ(LookupDefaultToken(&origin)->Reveal(), "hf_from_token_path");
    EXPECT_EQ(origin, "token file " + token_path);
  }
  std::string xdg = home + "/xdg";
  {
    EnvGuard env{{"HF_TOKEN", nullptr}, {"HUGGING_FACE_HUB_TOKEN", nullptr},
                  {"HF_TOKEN_PATH", nullptr}, {"HF_HOME", nullptr},
                  {"XDG_CACHE_HOME", xdg.c_str()}};
    EXPECT_EQ(LookupDefaultToken(&origin)->Reveal(), "hf_from_xdg_file");
  }
  {
    EnvGuard env{{"HF_TOKEN", nullptr}, {"HUGGING_FACE_HUB_TOKEN", nullptr},
                  {"HF_TOKEN_PATH", nullptr}, {"HF_HOME", nullptr},
                  {"XDG_CACHE_HOME", nullptr}, {"HOME", home.c_str()}};
    EXPECT_TRUE(LookupDefaultToken(&origin)->empty()) << "no ~/.cache/huggingface/token here";
  }
  std::filesystem::remove_all(home);
}

TEST(HfConfig, EndpointComesFromHfEndpoint) {
  EnvGuard env{{"HF_ENDPOINT", "http://127.0.0.1:9/"}};
  EXPECT_EQ(DefaultEndpoint(), "http://127.0.0.1:9");
}

TEST(HfPlugin, DescriptorNamesRegistryAndShipsAJsonSchema) {
  void* handle = dlopen(HF_PLUGIN_FILE, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  auto entry = reinterpret_cast<mp_plugin_entry_fn>(dlsym(handle, MP_PLUGIN_ENTRY_SYMBOL));
  ASSERT_NE(entry, nullptr);
  const mp_plugin_descriptor* d = entry();
  EXPECT_EQ(d->abi_version, MP_PLUGIN_ABI_VERSION);
  EXPECT_EQ(d->struct_size, sizeof(mp_plugin_descriptor));
  EXPECT_EQ(d->kind, MP_PLUGIN_KIND_REGISTRY);
  EXPECT_STREQ(d->names[0], "huggingface");
  EXPECT_EQ(d->names[1], nullptr);
  ASSERT_NE(d->create_registry, nullptr);
  auto schema = ParseObject(d->config_schema, "schema");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  auto props = GetObj(*schema, "properties");
  for (const char* key : {"repo", "private", "endpoint", "token", "ref_type", "base",
                          "path_in_repo", "model_card", "lfs_threshold"}) {
    EXPECT_TRUE(props->has(key)) << key;
  }
  RegistryContext ctx;
  EnvGuard env{{"HF_TOKEN", "hf_unit_factory_token"}};
  ConfigValue block = Block({{"type", "huggingface"}, {"repo", "acme/net"}});
  ctx.config = &block;
  auto reg = d->create_registry(ctx);
  ASSERT_TRUE(reg.ok()) << reg.status().ToString();
  EXPECT_EQ((*reg)->RepoId(), "acme/net");
}

TEST(HfEncoding, RevisionIsOneSegmentAndPathsKeepSlashes) {
  EXPECT_EQ(EncodeRevision("release/v1.2"), "release%2Fv1.2");
  EXPECT_EQ(EncodeRevision("exp#1"), "exp%231");
  EXPECT_EQ(EncodeRevision("a%20b"), "a%2520b");
  EXPECT_EQ(EncodeRepoPath("dir/vocab file.txt"), "dir/vocab%20file.txt");
}

TEST(HfLfs, RefusesXetTransferClearly) {
  EXPECT_TRUE(CheckLfsTransfer("basic").ok());
  EXPECT_TRUE(CheckLfsTransfer("multipart").ok());
  EXPECT_TRUE(CheckLfsTransfer("").ok());
  Status xet = CheckLfsTransfer("xet");
  EXPECT_EQ(xet.code(), StatusCode::kUnimplemented);
  EXPECT_NE(xet.message().find("Xet"), std::string::npos);
  EXPECT_NE(xet.message().find("basic and multipart"), std::string::npos);
}

TEST(HfCommit, PredictsBodySizeExactlyAndSplitsByBudget) {
  auto source = modelpusher::testing::MakeMemorySource(
      {{"a.txt", std::string(100, 'a')}, {"b \"q\".txt", std::string(7, 'b')}, {"e", ""}});
  PushRequest req = modelpusher::testing::MakePushRequest(*source, "1", "v1");
  std::vector<CommitOp> ops;
  for (const auto& f : req.files) ops.push_back({f.path, true, &f, "", f.size, f.sha256});
  ops.push_back({"w.bin", false, nullptr, "", 123456789, std::string(64, 'f')});
  CommitHeader header{"sum", "line1\nline2", std::string(40, 'a')};
  std::vector<size_t> all = {0, 1, 2, 3};
  auto body = RenderCommitBody(header, ops, all, req.open);
  ASSERT_TRUE(body.ok());
  uint64_t predicted = CommitHeaderSize(header);
  for (const auto& op : ops) predicted += CommitLineSize(op);
  EXPECT_EQ(predicted, body->size());
  // Each line is JSON.
  size_t start = 0;
  while (start < body->size()) {
    size_t end = body->find('\n', start);
    EXPECT_TRUE(ParseObject(body->substr(start, end - start), "line").ok());
    start = end + 1;
  }
  uint64_t budget = CommitHeaderSize(header) + CommitLineSize(ops[0]);
  auto groups = PlanCommitGroups(ops, header, budget);
  EXPECT_EQ(groups.size(), 3u) << "a.txt | b+e | the pointer";
  size_t next = 0;
  for (const auto& g : groups) {
    uint64_t size = CommitHeaderSize(header);
    for (size_t i : g) {
      EXPECT_EQ(i, next++) << "groups keep the order";
      size += CommitLineSize(ops[i]);
    }
    EXPECT_LE(size, budget);
  }
  EXPECT_EQ(next, ops.size());
  EXPECT_EQ(PlanCommitGroups(ops, header, 1 << 20).size(), 1u);
}

TEST(HfModelCard, IsValidYamlWithQuotedNumbersAndMetrics) {
  auto source = modelpusher::testing::MakeMemorySource({{"modules.json", "[]"}});
  PushRequest req = modelpusher::testing::MakePushRequest(*source, "1764860400", "v1764860400");
  req.source_uri = "gs://bucket/model: \"x\"";
  req.blessing = {true, "metrics:eval.json", "accuracy 0.93 >= 0.90", {{"accuracy", 0.93}}};
  std::string card = RenderModelCard(req, "acme/net");
  ASSERT_EQ(card.rfind("---\n", 0), 0u);
  size_t end = card.find("\n---\n", 4);
  ASSERT_NE(end, std::string::npos);
  YAML::Node y = YAML::Load(card.substr(4, end - 4));
  EXPECT_EQ(y["library_name"].as<std::string>(), "sentence-transformers");
  EXPECT_EQ(y["pushed_version"].Tag(), "!");  // quoted: a string, not the number 1764860400
  EXPECT_EQ(y["pushed_version"].as<std::string>(), "1764860400");
  EXPECT_EQ(y["source"].as<std::string>(), "gs://bucket/model: \"x\"");
  EXPECT_EQ(y["tags"][0].as<std::string>(), "modelpusher");
  EXPECT_TRUE(y["modelpusher"]["blessing"]["blessed"].as<bool>());
  EXPECT_DOUBLE_EQ(y["modelpusher"]["metrics"]["accuracy"].as<double>(), 0.93);
  auto metric = y["model-index"][0]["results"][0]["metrics"][0];
  EXPECT_EQ(metric["type"].as<std::string>(), "accuracy");
  EXPECT_DOUBLE_EQ(metric["value"].as<double>(), 0.93);
}

TEST(HubLive, PublishesToHuggingFaceCo) {
  // Runs only on explicit request: it writes to a real account.
  const char* opt_in = std::getenv("MODELPUSHER_LIVE_HUB");
  const char* token = std::getenv("HF_TOKEN");
  if (opt_in == nullptr || std::string(opt_in) != "1" || token == nullptr || !*token) {
    GTEST_SKIP() << "live Hub test skipped: set MODELPUSHER_LIVE_HUB=1, HF_TOKEN (a write "
                    "token) and MODELPUSHER_LIVE_REPO=owner/name, with network access";
  }
  const char* repo = std::getenv("MODELPUSHER_LIVE_REPO");
  ASSERT_NE(repo, nullptr) << "set MODELPUSHER_LIVE_REPO=owner/name (a scratch repo)";
  auto cfg = ParseHfConfig(Block({{"repo", repo}, {"endpoint", "https://huggingface.co"}}), "");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  HfRegistry reg(std::move(*cfg), "live-{version}");
  std::string version = std::to_string(std::time(nullptr));
  auto source = modelpusher::testing::MakeMemorySource(
      {{"config.json", "{}"}, {"weights.bin", std::string(2 << 20, '\1')}});
  PushRequest req = modelpusher::testing::MakePushRequest(*source, version, "live-" + version);
  req.commit_summary = "modelpusher live test";
  auto result = reg.Publish(req);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->status, PushStatus::kPushed);
}

}  // namespace
