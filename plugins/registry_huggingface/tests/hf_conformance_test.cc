// The registry conformance suite, run against the Hub-compatible test server. ReadBack
// downloads every file of the version through /resolve (the Hub's own download path),
// leaving out what the version inherits unchanged from `base` and .gitattributes, which the
// Hub owns (it adds a pattern for each LFS path).

#include <gtest/gtest.h>

#include <atomic>

#include "hf_json.h"
#include "hub_env.h"
#include "modelpusher/http.h"
#include "modelpusher/testing/registry_conformance.h"
#include "modelpusher/url.h"

using namespace modelpusher;
using namespace hftest;

namespace {

// One server for the whole suite (each test gets its own repository); started on first use
// and stopped (by its pid, in ~HubServer) when GoogleTest tears the environment down.
std::unique_ptr<HubServer>& ServerSlot() {
  static std::unique_ptr<HubServer> server;
  return server;
}

HubServer& SharedServer() {
  if (!ServerSlot()) {
    SetRetryDelayScaleForTesting(0.01);
    ServerSlot() = std::make_unique<HubServer>();
  }
  return *ServerSlot();
}

class ServerEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { ServerSlot().reset(); }
};

class HubUnderTest : public modelpusher::testing::RegistryUnderTest {
 public:
  explicit HubUnderTest(std::string repo) : repo_(std::move(repo)) {
    registry_ = MakeRegistry(SharedServer(), Options());
  }
  ModelRegistry& registry() override { return *registry_; }
  Result<std::unique_ptr<ModelRegistry>> Reopen() override {
    return std::unique_ptr<ModelRegistry>(MakeRegistry(SharedServer(), Options()));
  }
  std::vector<std::string> Secrets() const override { return {kWriteToken}; }

  Result<std::map<std::string, std::string>> ReadBack(const PushResult& result) override {
    HubServer& hub = SharedServer();
    auto base = Tree("main");
    auto tree = Tree(result.commit_id);
    std::map<std::string, std::string> out;
    for (const auto& [path, oid] : tree) {
      auto it = base.find(path);
      if (it != base.end() && it->second == oid) continue;  // inherited from base
      if (path == ".gitattributes") continue;  // the Hub rewrites it (LFS patterns)
      out[path] = Resolve(hub, repo_, result.commit_id, path);
    }
    return out;
  }

 private:
  RegistryOptions Options() const {
    // model_card off: the suite compares the version with exactly the model's files.
    return {.repo = repo_, .ref_template = "{version}", .extra = {{"model_card", "false"}}};
  }
  std::map<std::string, std::string> Tree(const std::string& rev) {
    auto r = SharedServer().Get("/api/models/" + repo_ + "/tree/" + PercentEncode(rev) +
                                "?recursive=true", kWriteToken);
    std::map<std::string, std::string> out;
    auto arr = hf::ParseArray(r.body, "tree");
    for (size_t i = 0; arr.ok() && i < (*arr)->size(); ++i) {
      auto e = (*arr)->getObject(i);
      if (hf::GetStr(e, "type") == "file") out[hf::GetStr(e, "path")] = hf::GetStr(e, "oid");
    }
    return out;
  }

  std::string repo_;
  std::unique_ptr<hf::HfRegistry> registry_;
};

modelpusher::testing::RegistryConformanceSetup HubSetup() {
  static bool registered = [] {
    ::testing::AddGlobalTestEnvironment(new ServerEnvironment);
    return true;
  }();
  (void)registered;
  modelpusher::testing::RegistryConformanceSetup setup;
  setup.name = "huggingface";
  setup.ref_template = "{version}";
  setup.capabilities.supports_dry_run = true;
  setup.capabilities.records_metrics = true;
  setup.capabilities.records_digest = true;
  setup.capabilities.allows_empty_model = false;
  setup.capabilities.branch_is_ref = true;
  setup.capabilities.lists_oldest_first = true;
  setup.make = []() -> Result<std::unique_ptr<modelpusher::testing::RegistryUnderTest>> {
    static std::atomic<int> n{0};
    return std::unique_ptr<modelpusher::testing::RegistryUnderTest>(
        new HubUnderTest("alice/conformance-" + std::to_string(++n)));
  };
  return setup;
}

}  // namespace

MP_REGISTRY_CONFORMANCE_TESTS(Huggingface, HubSetup());
