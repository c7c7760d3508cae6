// The git registry against bare repositories over file://, checked with the real git and
// git-lfs.

#include <gtest/gtest.h>

#include <filesystem>

#include "git_registry.h"
#include "git_test_env.h"
#include "modelpusher/testing/fixtures.h"

namespace modelpusher::git {
namespace {

using namespace modelpusher::git::testing;
namespace fs = std::filesystem;

const std::string kAuthor = "Model Bot";
const std::string kEmail = "bot@example.invalid";

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

class GitRegistryFile : public ::testing::Test {
 protected:
  void SetUp() override {
    remote_ = sandbox_.root() + "/remote.git";
    MakeBareRepo(remote_, {{"LICENSE", "MIT\n"}});
  }

  std::unique_ptr<ModelRegistry> Registry(std::map<std::string, std::string> scalars = {},
                                          std::map<std::string, ConfigValue> extra = {}) {
    scalars.emplace("url", "file://" + remote_);
    scalars.emplace("lfs_threshold", "1KiB");
    ConfigValue author = ConfigValue::Map({});
    author.Set("name", Scalar(kAuthor));
    author.Set("email", Scalar(kEmail));
    extra.emplace("author", author);
    config_ = MakeConfig(scalars, extra);
    RegistryContext context{&config_, "v{version}", sandbox_.root()};
    auto registry = MakeGitRegistry(context);
    EXPECT_TRUE(registry.ok()) << registry.status().ToString();
    return std::move(registry).value();
  }

  Result<PushResult> Push(ModelRegistry& registry, std::map<std::string, std::string> files,
                          const std::string& version) {
    sources_.push_back(modelpusher::testing::MakeMemorySource(std::move(files)));
    PushRequest request =
        modelpusher::testing::MakePushRequest(*sources_.back(), version, "v" + version);
    request.commit_summary = "Publish model " + version;
    return registry.Publish(request);
  }

  std::string Git(const std::string& args) {
    return MustRun("git --git-dir='" + remote_ + "' " + args);
  }

  Sandbox sandbox_;
  std::string remote_;
  ConfigValue config_;
  std::vector<std::unique_ptr<StorageSource>> sources_;
};

TEST_F(GitRegistryFile, PublishesOneCommitPerVersionOnItsOwnBranch) {
  auto registry = Registry();
  auto first =
      Push(*registry, {{"model.bin", std::string(5000, 'a')}, {"config.json", "{}"}}, "1");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second =
      Push(*registry, {{"model.bin", std::string(5000, 'b')}, {"config.json", "{}"}}, "2");
  ASSERT_TRUE(second.ok()) << second.status().ToString();

  EXPECT_EQ(first->status, PushStatus::kPushed);
  EXPECT_EQ(first->branch, "v1");
  EXPECT_EQ(first->repo_id, "file://" + remote_);
  EXPECT_EQ(Git("rev-parse refs/heads/v1"), first->commit_id);
  EXPECT_EQ(Git("rev-parse refs/heads/v2"), second->commit_id);
  // One commit per version, straight on top of main, with the configured author.
  EXPECT_EQ(Git("rev-list --count main..v1"), "1");
  EXPECT_EQ(Git("rev-list --count main..v2"), "1");
  EXPECT_EQ(Git("log -1 --format=%an%n%ae%n%s v2"), kAuthor + "\n" + kEmail + "\nPublish model 2");
  EXPECT_EQ(Git("rev-parse v2^"), Git("rev-parse main"));
  MustRun("git --git-dir='" + remote_ + "' fsck --strict");

  auto files = CloneFiles("file://" + remote_, "v2", sandbox_.Folder("clone"));
  EXPECT_EQ(files["model.bin"], std::string(5000, 'b'));
  EXPECT_EQ(files["config.json"], "{}");
  EXPECT_EQ(files["LICENSE"], "MIT\n");  // the base's files stay
}

TEST_F(GitRegistryFile, ThresholdDecidesWhatIsLfsAndCloneRestoresEveryByte) {
  auto registry = Registry();
  auto model = ThresholdModel();
  auto result = Push(*registry, model, "1");
  ASSERT_TRUE(result.ok()) << result.status().ToString();

  for (const char* lfs : {"tokenizer.json", "logs/events.out.tfevents.1625668537.host.1.v2",
                          "weights.safetensors.part-001", "weights.7z.193"}) {
    std::string blob = Git(std::string("cat-file -p v1:") + lfs);
    EXPECT_EQ(blob.rfind("version https://git-lfs.github.com/spec/v1\noid sha256:", 0), 0u)
        << lfs;
  }
  EXPECT_EQ(Git("cat-file -p v1:config.json"), model["config.json"]);
  EXPECT_EQ(Git("cat-file -p v1:README.md"), model["README.md"]);
  EXPECT_EQ(Git("cat-file -s v1:empty.pkl"), "0");
  EXPECT_EQ(Git("cat-file -s v1:assets/.gitkeep"), "0");
  MustRun("git --git-dir='" + remote_ + "' fsck --strict");

  auto files = CloneFiles("file://" + remote_, "v1", sandbox_.Folder("clone"));
  for (const auto& [path, content] : model) EXPECT_EQ(files[path], content) << path;
  // Every LFS file is known to git-lfs on the clone, and nothing looks modified.
  std::string clone = sandbox_.root() + "/clone";
  EXPECT_EQ(MustRun("git lfs ls-files -n | sort", clone),
            "logs/events.out.tfevents.1625668537.host.1.v2\ntokenizer.json\nweights.7z.193\n"
            "weights.safetensors.part-001");
  EXPECT_EQ(MustRun("git status --porcelain", clone), "");
}

TEST_F(GitRegistryFile, ManyShardsAddOneAttributesLine) {
  auto registry = Registry();
  std::map<std::string, std::string> model;
  for (int i = 0; i < 300; ++i) {
    char name[64];
    std::snprintf(name, sizeof(name), "shards/shard.%05d.mds", i);
    model[name] = std::string(1100, 'a' + i % 26) + std::to_string(i);
  }
  auto result = Push(*registry, model, "1");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Git("cat-file -p v1:.gitattributes"), "*.mds filter=lfs diff=lfs merge=lfs -text");
  auto files = CloneFiles("file://" + remote_, "v1", sandbox_.Folder("clone"));
  EXPECT_EQ(files["shards/shard.00299.mds"], model["shards/shard.00299.mds"]);
  EXPECT_EQ(files.size(), 302u);  // 300 shards, LICENSE, .gitattributes
}

TEST_F(GitRegistryFile, SameContentIsUnchangedAndPushesNothing) {
  auto registry = Registry();
  auto model = ThresholdModel();
  auto first = Push(*registry, model, "1");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::string refs = RefsOf(remote_);

  auto again = Push(*registry, model, "2");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->status, PushStatus::kUnchanged);
  EXPECT_EQ(again->branch, "v1");
  EXPECT_EQ(again->version, "1");
  EXPECT_EQ(again->commit_id, first->commit_id);
  EXPECT_EQ(RefsOf(remote_), refs);

  model["config.json"] = "{\"changed\": true}";
  auto changed = Push(*registry, model, "3");
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_EQ(changed->status, PushStatus::kPushed);
}

TEST_F(GitRegistryFile, ExistingVersionBranchIsNeverOverwritten) {
  auto registry = Registry();
  ASSERT_TRUE(Push(*registry, {{"a.txt", "one"}}, "1").ok());
  std::string refs = RefsOf(remote_);
  auto result = Push(*registry, {{"a.txt", "two"}}, "1");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(result.status().message().find("already published"), std::string::npos);
  EXPECT_EQ(RefsOf(remote_), refs);
}

TEST_F(GitRegistryFile, RefCreatedDuringThePushIsNotOverwritten) {
  auto registry = Registry();
  sources_.push_back(modelpusher::testing::MakeMemorySource({{"a.txt", "mine"}}));
  PushRequest request = modelpusher::testing::MakePushRequest(*sources_.back(), "1", "v1");
  FileOpener good = request.open;
  // Another publisher takes the ref after our listing, while our files are being read: the
  // push connection itself must refuse, not only the early check.
  request.open = [&](const ManifestEntry& file, uint64_t offset, uint64_t length) {
    Git("update-ref refs/heads/v1 main");
    return good(file, offset, length);
  };
  std::string main_commit = Git("rev-parse main");
  auto result = registry->Publish(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kAlreadyExists) << result.status().ToString();
  EXPECT_EQ(Git("rev-parse refs/heads/v1"), main_commit);
}

TEST_F(GitRegistryFile, FailingOpenerLeavesRefsUntouchedAndRerunCompletes) {
  auto registry = Registry();
  auto model = ThresholdModel();
  sources_.push_back(modelpusher::testing::MakeMemorySource(model));
  PushRequest request = modelpusher::testing::MakePushRequest(*sources_.back(), "1", "v1");
  FileOpener good = request.open;
  int opened = 0;
  request.open = [&](const ManifestEntry& file, uint64_t offset,
                     uint64_t length) -> Result<std::unique_ptr<ByteReader>> {
    if (++opened == 3) return UnavailableError("source went away");
    return good(file, offset, length);
  };
  std::string refs = RefsOf(remote_);
  auto failed = registry->Publish(request);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(RefsOf(remote_), refs);

  request.open = good;
  auto rerun = registry->Publish(request);
  ASSERT_TRUE(rerun.ok()) << rerun.status().ToString();
  auto files = CloneFiles("file://" + remote_, "v1", sandbox_.Folder("clone"));
  for (const auto& [path, content] : model) EXPECT_EQ(files[path], content) << path;
}

TEST_F(GitRegistryFile, MergesTheBaseAttributes) {
  fs::remove_all(remote_);
  std::string base_attributes = "*.txt text eol=lf\n*.bin filter=lfs diff=lfs merge=lfs -text\n";
  MakeBareRepo(remote_, {{".gitattributes", base_attributes}, {"LICENSE", "MIT\n"}});
  auto registry = Registry();
  auto result = Push(*registry, {{"small.bin", "tiny"}, {"big.mds", std::string(3000, 'm')}}, "1");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Git("cat-file -p v1:.gitattributes"),
            base_attributes + "*.mds filter=lfs diff=lfs merge=lfs -text");
  // The base's rule makes even a small .bin an LFS file, as git-lfs would.
  EXPECT_EQ(Git("cat-file -p v1:small.bin").rfind("version https://git-lfs", 0), 0u);
  auto files = CloneFiles("file://" + remote_, "v1", sandbox_.Folder("clone"));
  EXPECT_EQ(files["small.bin"], "tiny");
  EXPECT_EQ(files["big.mds"], std::string(3000, 'm'));
}

TEST_F(GitRegistryFile, DryRunPushesNothing) {
  auto registry = Registry();
  std::string refs = RefsOf(remote_);
  sources_.push_back(modelpusher::testing::MakeMemorySource(ThresholdModel()));
  PushRequest request = modelpusher::testing::MakePushRequest(*sources_.back(), "1", "v1");
  request.dry_run = true;
  auto result = registry->Publish(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->status, PushStatus::kDryRun);
  EXPECT_EQ(RefsOf(remote_), refs);
  EXPECT_FALSE(fs::exists(remote_ + "/lfs"));
}

TEST_F(GitRegistryFile, TagsAndFoldersAsConfigured) {
  auto registry = Registry({{"ref_type", "tag"}, {"path_in_repo", "models/penguin"}});
  auto first = Push(*registry, {{"a.txt", "one"}, {"old.txt", "old"}}, "1");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = Push(*registry, {{"a.txt", "two"}}, "2");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(Git("rev-parse refs/tags/v2"), second->commit_id);
  EXPECT_EQ(Git("cat-file -p v2:models/penguin/a.txt"), "two");
  // The model owns its folder: files of an older model do not linger.
  std::string old_file = "git --git-dir='" + remote_ + "' cat-file -e v2:models/penguin/old.txt";
  EXPECT_NE(testing::Run(old_file).exit_code, 0);
  EXPECT_EQ(Git("show-ref --heads"), Git("show-ref refs/heads/main"));  // no branches made

  auto versions = registry->ListVersions();
  ASSERT_TRUE(versions.ok()) << versions.status().ToString();
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[1].version, "2");
  EXPECT_EQ((*versions)[1].commit_id, second->commit_id);
}

TEST_F(GitRegistryFile, EmptyRemoteGetsRootCommitsUntilTheBaseExists) {
  fs::remove_all(remote_);
  MakeBareRepo(remote_);
  auto registry = Registry({{"base", "main"}});
  auto first = Push(*registry, {{"a.txt", "one"}}, "1");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = Push(*registry, {{"a.txt", "two"}}, "2");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(Git("rev-list --count v1"), "1");
  EXPECT_EQ(Git("rev-list --count v2"), "1");
  auto versions = registry->ListVersions();
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(versions->size(), 2u);
}

TEST_F(GitRegistryFile, MissingBaseBranchIsAClearError) {
  auto registry = Registry({{"base", "release"}});
  auto result = Push(*registry, {{"a.txt", "one"}}, "1");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(result.status().message().find("release"), std::string::npos);
}

}  // namespace
}  // namespace modelpusher::git
