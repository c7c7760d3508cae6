// The filesystem registry runs the shared registry conformance suite.

#include <filesystem>

#include "modelpusher/temp_dir.h"
#include "modelpusher/testing/registry_conformance.h"
#include "test_support.h"

namespace modelpusher::registry_filesystem {
namespace {

using modelpusher::testing::RegistryConformanceSetup;
using modelpusher::testing::RegistryUnderTest;

class FilesystemUnderTest : public RegistryUnderTest {
 public:
  explicit FilesystemUnderTest(TempDir temp)
      : temp_(std::move(temp)), path_(temp_.path() + "/serving/penguin") {
    registry_ = Make();
  }

  bool ok() const { return registry_ != nullptr; }
  ModelRegistry& registry() override { return *registry_; }

  Result<std::unique_ptr<ModelRegistry>> Reopen() override { return Make(); }

  // Reads the version folder directly, as TF Serving would.
  Result<std::map<std::string, std::string>> ReadBack(const PushResult& result) override {
    std::string folder = path_ + "/" + result.version;
    if (!std::filesystem::is_directory(folder)) return NotFoundError("no folder " + folder);
    return test::ReadTree(folder);
  }

 private:
  // The registry folder does not exist yet: the first publish creates it. The config names it
  // relative to the config file's folder, as users usually write it.
  std::unique_ptr<ModelRegistry> Make() {
    ConfigValue config = test::RegistryConfig({{"path", "serving/penguin"}});
    RegistryContext context{&config, "v{version}", temp_.path()};
    auto made = MakeFilesystemRegistry(context);
    return made.ok() ? std::move(made).value() : nullptr;
  }

  TempDir temp_;
  std::string path_;
  std::unique_ptr<ModelRegistry> registry_;
};

RegistryConformanceSetup FilesystemSetup() {
  RegistryConformanceSetup setup;
  setup.name = "filesystem";
  setup.ref_template = "v{version}";
  setup.capabilities.supports_dry_run = true;
  setup.capabilities.records_metrics = true;
  setup.capabilities.records_digest = true;
  setup.capabilities.allows_empty_model = false;  // An empty folder is no loadable model.
  setup.capabilities.branch_is_ref = false;       // The folder is named after the version.
  setup.make = []() -> Result<std::unique_ptr<RegistryUnderTest>> {
    MP_ASSIGN_OR_RETURN(TempDir temp, TempDir::Make("mp-fs-conformance-"));
    auto under_test = std::make_unique<FilesystemUnderTest>(std::move(temp));
    if (!under_test->ok()) return InternalError("the filesystem registry factory failed");
    return std::unique_ptr<RegistryUnderTest>(std::move(under_test));
  };
  return setup;
}

MP_REGISTRY_CONFORMANCE_TESTS(Filesystem, FilesystemSetup());

}  // namespace
}  // namespace modelpusher::registry_filesystem
