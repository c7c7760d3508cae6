// The oci-layout registry runs the registry conformance suite shipped with the SDK: the
// same tests the bundled filesystem, git and huggingface registries pass.

#include "layout_reader.h"
#include "modelpusher/temp_dir.h"
#include "modelpusher/testing/registry_conformance.h"

namespace oci_layout {
namespace {

using modelpusher::ModelRegistry;
using modelpusher::PushResult;
using modelpusher::Result;
using modelpusher::TempDir;
using modelpusher::testing::RegistryConformanceSetup;
using modelpusher::testing::RegistryUnderTest;

class OciLayoutUnderTest : public RegistryUnderTest {
 public:
  OciLayoutUnderTest(TempDir temp, std::unique_ptr<ModelRegistry> registry)
      : temp_(std::move(temp)), registry_(std::move(registry)) {}

  ModelRegistry& registry() override { return *registry_; }

  // A second object over the same folder, as the next run of the CLI would make.
  Result<std::unique_ptr<ModelRegistry>> Reopen() override {
    return test::MakeRegistry(temp_.path(), "layout");
  }

  // Walks the layout itself: index.json, the manifest the result names, its blobs.
  Result<std::map<std::string, std::string>> ReadBack(const PushResult& result) override {
    return test::ReadVersion(registry_->RepoId(), result.commit_id);
  }

 private:
  TempDir temp_;  // Removed with the layout when the suite destroys this object.
  std::unique_ptr<ModelRegistry> registry_;
};

RegistryConformanceSetup OciLayoutSetup() {
  RegistryConformanceSetup setup;
  setup.name = "oci_layout";
  setup.ref_template = "v{version}";
  setup.capabilities.supports_dry_run = true;
  setup.capabilities.records_metrics = true;     // kept in each version's config blob
  setup.capabilities.records_digest = true;      // an annotation on each index entry
  setup.capabilities.allows_empty_model = true;  // a manifest with no layers is valid OCI
  setup.capabilities.branch_is_ref = true;       // the ref names the manifest in the index
  setup.capabilities.lists_oldest_first = true;  // index order is publish order
  setup.make = []() -> Result<std::unique_ptr<RegistryUnderTest>> {
    MP_ASSIGN_OR_RETURN(TempDir temp, TempDir::Make("oci-layout-conformance-"));
    // The layout folder does not exist yet: the first publish creates it.
    MP_ASSIGN_OR_RETURN(auto registry, test::MakeRegistry(temp.path(), "layout"));
    return std::unique_ptr<RegistryUnderTest>(
        new OciLayoutUnderTest(std::move(temp), std::move(registry)));
  };
  return setup;
}

MP_REGISTRY_CONFORMANCE_TESTS(OciLayout, OciLayoutSetup());

}  // namespace
}  // namespace oci_layout
