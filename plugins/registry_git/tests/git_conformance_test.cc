// The registry conformance suite, over file:// and over smart HTTP with the LFS batch API.
// LFS is in play in both: the threshold is 1 MiB and the suite's tree has a 3 MiB file.

#include <cstdlib>
#include <filesystem>

#include "git_registry.h"
#include "git_test_env.h"
#include "modelpusher/testing/registry_conformance.h"

namespace modelpusher::git {
namespace {

using namespace modelpusher::git::testing;

constexpr const char* kTokenVariable = "MP_GIT_CONFORMANCE_TOKEN";
constexpr const char* kToken = "mp-made-up-token-5d1e9a";

class GitUnderTest : public modelpusher::testing::RegistryUnderTest {
 public:
  explicit GitUnderTest(bool over_http) {
    std::string repos = sandbox_.Folder("repos");
    MakeBareRepo(repos + "/model.git");
    if (over_http) {
      server_ = std::make_unique<GitServer>(repos, kToken);
      url_ = server_->Url("model.git");
    } else {
      url_ = "file://" + repos + "/model.git";
    }
    setenv(kTokenVariable, kToken, 1);
    config_ = MakeConfig({{"url", url_}, {"lfs_threshold", "1MiB"}},
                         {{"token", EnvSecret(kTokenVariable)}});
  }

  Status Init() {
    MP_ASSIGN_OR_RETURN(registry_, Reopen());
    return Status::Ok();
  }

  ModelRegistry& registry() override { return *registry_; }

  Result<std::unique_ptr<ModelRegistry>> Reopen() override {
    RegistryContext context{&config_, "v{version}", sandbox_.root()};
    return MakeGitRegistry(context);
  }

  // A real clone with git and git-lfs; .gitattributes is the registry's bookkeeping, not
  // model content.
  Result<std::map<std::string, std::string>> ReadBack(const PushResult& result) override {
    std::string dir = sandbox_.root() + "/clone-" + std::to_string(++clones_);
    auto files = CloneFiles(url_, result.branch, dir);
    files.erase(".gitattributes");
    return files;
  }

  std::vector<std::string> Secrets() const override { return {kToken}; }

 private:
  Sandbox sandbox_;
  std::unique_ptr<GitServer> server_;
  std::string url_;
  ConfigValue config_;
  std::unique_ptr<ModelRegistry> registry_;
  int clones_ = 0;
};

modelpusher::testing::RegistryConformanceSetup Setup(bool over_http) {
  modelpusher::testing::RegistryConformanceSetup setup;
  setup.name = over_http ? "http" : "file";
  setup.ref_template = "v{version}";
  // Limitation: ListVersions reads refs only (one round trip); the digest lives in each
  // commit's message trailer, which would need fetching every version.
  setup.capabilities.records_digest = false;
  setup.make = [over_http]() -> Result<std::unique_ptr<modelpusher::testing::RegistryUnderTest>> {
    auto under_test = std::make_unique<GitUnderTest>(over_http);
    MP_RETURN_IF_ERROR(under_test->Init());
    return std::unique_ptr<modelpusher::testing::RegistryUnderTest>(std::move(under_test));
  };
  return setup;
}

MP_REGISTRY_CONFORMANCE_TESTS(GitFile, Setup(false));
MP_REGISTRY_CONFORMANCE_TESTS(GitHttp, Setup(true));

}  // namespace
}  // namespace modelpusher::git
