// What the oci-layout registry does beyond the shared contract: the OCI layout on disk,
// blob deduplication, config handling, and the plugin's descriptor.

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "layout_reader.h"
#include "modelpusher/hash.h"
#include "modelpusher/temp_dir.h"
#include "modelpusher/testing/fixtures.h"

namespace oci_layout {
namespace {

namespace fs = std::filesystem;
using modelpusher::PushStatus;
using modelpusher::StatusCode;
using modelpusher::TempDir;
using modelpusher::testing::MakeMemorySource;
using modelpusher::testing::MakePushRequest;

const std::map<std::string, std::string> kModel = {
    {"saved_model.pb", std::string(5000, '\x08')},
    {"variables/variables.index", "index"},
    {"variables/variables.data-00000-of-00001", std::string(300000, 'w')},
    {"assets/vocab.txt", "a\nb\n"},
};

class OciLayoutRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::Make("oci-layout-test-");
    ASSERT_TRUE(temp.ok()) << temp.status().ToString();
    temp_ = std::make_unique<TempDir>(std::move(temp).value());
    root_ = temp_->path() + "/layout";
  }

  // Publishes `files` as `version` (ref "v<version>") through a fresh registry object.
  modelpusher::PushResult Publish(const std::map<std::string, std::string>& files,
                                  const std::string& version) {
    auto registry = test::MakeRegistry(temp_->path(), "layout");
    EXPECT_TRUE(registry.ok()) << registry.status().ToString();
    auto source = MakeMemorySource(files);
    auto result = (*registry)->Publish(MakePushRequest(*source, version, "v" + version));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ValueOr({});
  }

  std::set<std::string> BlobNames() const {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(root_ + "/blobs/sha256")) {
      names.insert(entry.path().filename().string());
    }
    return names;
  }

  std::unique_ptr<TempDir> temp_;
  std::string root_;
};

TEST_F(OciLayoutRegistryTest, WritesAnOciImageLayout) {
  auto result = Publish(kModel, "1000");
  ASSERT_EQ(result.status, PushStatus::kPushed);

  EXPECT_EQ(test::ReadFile(root_ + "/oci-layout"), R"({"imageLayoutVersion":"1.0.0"})");
  auto index = test::ReadJson(root_ + "/index.json");
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_EQ(index->GetString("mediaType"), kIndexMediaType);
  ASSERT_EQ(index->Find("manifests")->items().size(), 1u);
  const json::Value& entry = index->Find("manifests")->items()[0];
  EXPECT_EQ(entry.GetString("mediaType"), kManifestMediaType);
  EXPECT_EQ(entry.GetString("digest"), result.commit_id);
  EXPECT_EQ(entry.Find("annotations")->GetString(kRefNameAnnotation), "v1000");
  EXPECT_EQ(entry.Find("annotations")->GetString(kVersionAnnotation), "1000");

  auto manifest = test::ReadJson(root_ + "/blobs/sha256/" + result.commit_id.substr(7));
  ASSERT_TRUE(manifest.ok()) << manifest.status().ToString();
  EXPECT_EQ(manifest->GetString("mediaType"), kManifestMediaType);
  EXPECT_EQ(manifest->GetString("artifactType"), kArtifactType);
  EXPECT_EQ(manifest->Find("config")->GetString("mediaType"), kConfigMediaType);
  EXPECT_EQ(manifest->Find("layers")->items().size(), kModel.size());

  // Content addressing: every blob's name is the sha256 of its bytes.
  for (const auto& name : BlobNames()) {
    EXPECT_EQ(modelpusher::Sha256Hex(test::ReadFile(root_ + "/blobs/sha256/" + name)), name);
  }
  // The staging folder holds no leftovers once a publish is done.
  EXPECT_TRUE(fs::is_empty(root_ + "/.modelpusher-staging"));
  auto back = test::ReadVersion(root_, result.commit_id);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, kModel);
}

TEST_F(OciLayoutRegistryTest, StoresUnchangedFilesOnce) {
  auto first = Publish(kModel, "1000");
  ASSERT_EQ(first.status, PushStatus::kPushed);
  EXPECT_EQ(first.files_uploaded, kModel.size());
  auto changed = kModel;
  changed["assets/vocab.txt"] = "a\nb\nc\n";

  auto second = Publish(changed, "1001");
  ASSERT_EQ(second.status, PushStatus::kPushed);
  EXPECT_EQ(second.files_uploaded, 1u);
  EXPECT_EQ(second.bytes_uploaded, changed["assets/vocab.txt"].size());
  // Five distinct contents over both versions, plus a config and a manifest per version.
  EXPECT_EQ(BlobNames().size(), kModel.size() + 1 + 2 * 2);
  auto back = test::ReadVersion(root_, second.commit_id);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, changed);
}

TEST_F(OciLayoutRegistryTest, ResolvesARelativePathAgainstTheConfigFolder) {
  auto registry = test::MakeRegistry(temp_->path(), "./models/../layout/");
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  EXPECT_EQ((*registry)->RepoId(), root_);
  auto absolute = test::MakeRegistry("/elsewhere", root_);
  ASSERT_TRUE(absolute.ok()) << absolute.status().ToString();
  EXPECT_EQ((*absolute)->RepoId(), root_);
}

TEST_F(OciLayoutRegistryTest, RefusesABlockWithoutPath) {
  auto registry = test::MakeRegistry(temp_->path(), "");
  ASSERT_FALSE(registry.ok());
  EXPECT_EQ(registry.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(registry.status().message().find("path"), std::string::npos)
      << registry.status().message();
  EXPECT_NE(registry.status().message().find("test.yaml:1:1"), std::string::npos)
      << registry.status().message();
}

TEST_F(OciLayoutRegistryTest, RefusesARefThatIsNotAnOciNameAndWritesNothing) {
  auto registry = test::MakeRegistry(temp_->path(), "layout");
  ASSERT_TRUE(registry.ok());
  auto source = MakeMemorySource(kModel);
  auto result = (*registry)->Publish(MakePushRequest(*source, "1000", "release 1000"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("'release 1000'"), std::string::npos);
  EXPECT_FALSE(fs::exists(root_));
}

// Another tool's image in the same layout survives our publishes and is not a version.
TEST_F(OciLayoutRegistryTest, KeepsWhatOtherToolsPutInTheIndex) {
  fs::create_directories(root_);
  std::ofstream(root_ + "/index.json")
      << R"({"schemaVersion":2,"manifests":[{"mediaType":")" << kManifestMediaType
      << R"(","digest":"sha256:)" << std::string(64, 'a')
      << R"(","size":7,"annotations":{"org.opencontainers.image.ref.name":"base"}}],)"
      << R"("annotations":{"owner":"platform team \u00e9"}})";
  auto result = Publish(kModel, "1000");
  ASSERT_EQ(result.status, PushStatus::kPushed);

  auto index = test::ReadJson(root_ + "/index.json");
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  ASSERT_EQ(index->Find("manifests")->items().size(), 2u);
  EXPECT_EQ(index->Find("manifests")->items()[0].GetString("digest"),
            "sha256:" + std::string(64, 'a'));
  EXPECT_EQ(index->Find("annotations")->GetString("owner"), "platform team \xc3\xa9");
  auto registry = test::MakeRegistry(temp_->path(), "layout");
  auto listed = (*registry)->ListVersions();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].version, "1000");
}

TEST_F(OciLayoutRegistryTest, ReportsADamagedIndexAsDataLoss) {
  fs::create_directories(root_);
  std::ofstream(root_ + "/index.json") << R"({"schemaVersion":2,"manifests":[{"digest":)";
  auto registry = test::MakeRegistry(temp_->path(), "layout");
  auto listed = (*registry)->ListVersions();
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(listed.status().message().find(root_ + "/index.json"), std::string::npos)
      << listed.status().message();
}

// The built module, loaded as the host loads it: an entry point that returns a descriptor
// for the ABI of the SDK it was built against.
TEST(OciLayoutPlugin, ExportsADescriptorForThisAbi) {
  void* handle = dlopen(OCI_LAYOUT_PLUGIN_FILE, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  auto entry = reinterpret_cast<mp_plugin_entry_fn>(dlsym(handle, MP_PLUGIN_ENTRY_SYMBOL));
  ASSERT_NE(entry, nullptr);
  const mp_plugin_descriptor* d = entry();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->abi_version, MP_PLUGIN_ABI_VERSION);
  EXPECT_EQ(d->struct_size, sizeof(mp_plugin_descriptor));
  EXPECT_STREQ(d->name, "oci-layout");
  EXPECT_EQ(d->kind, MP_PLUGIN_KIND_REGISTRY);
  ASSERT_NE(d->names[0], nullptr);
  EXPECT_STREQ(d->names[0], "oci-layout");
  EXPECT_EQ(d->names[1], nullptr);
  EXPECT_NE(d->create_registry, nullptr);
  EXPECT_EQ(d->create_source, nullptr);
}

}  // namespace
}  // namespace oci_layout
