// The filesystem registry's own behaviour, beyond the shared conformance suite.

#include "filesystem_registry.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "disk_ops.h"
#include "file_source.h"
#include "modelpusher/staging.h"
#include "modelpusher/temp_dir.h"
#include "modelpusher/testing/fixtures.h"
#include "modelpusher/testing/registry_conformance.h"
#include "test_support.h"
#include "version_record.h"

namespace modelpusher::registry_filesystem {
namespace {

namespace fs = std::filesystem;
using modelpusher::testing::MakeMemorySource;
using modelpusher::testing::MakePushRequest;
using modelpusher::testing::WriteTree;
using test::Children;
using test::ReadTree;
using test::RegistryAt;
using test::RegistryConfig;

constexpr auto kPatience = std::chrono::seconds(30);

// Holds readers at a chosen point until the test lets them go. Waits are bounded, so a bug
// fails the test instead of hanging it.
class Gate {
 public:
  // release_at > 0: the gate opens by itself once that many readers wait (a barrier).
  explicit Gate(int release_at = 0) : release_at_(release_at) {}

  // Called by a reader: announce arrival, then wait until the gate opens.
  void Arrive() {
    std::unique_lock<std::mutex> lock(mu_);
    ++arrived_;
    if (release_at_ > 0 && arrived_ >= release_at_) released_ = true;
    cv_.notify_all();
    cv_.wait_for(lock, kPatience, [&] { return released_; });
  }
  bool WaitArrived(int count) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kPatience, [&] { return arrived_ >= count; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int release_at_;
  int arrived_ = 0;
  bool released_ = false;
};

// Passes the first read through, then stops at the gate: the file is half written.
class GatedReader : public ByteReader {
 public:
  GatedReader(std::unique_ptr<ByteReader> inner, Gate* gate, bool before_first)
      : inner_(std::move(inner)), gate_(gate), reads_(before_first ? 1 : 0) {}
  Result<size_t> Read(char* buffer, size_t size) override {
    if (++reads_ == 2) gate_->Arrive();
    return inner_->Read(buffer, size);
  }

 private:
  std::unique_ptr<ByteReader> inner_;
  Gate* gate_;
  int reads_;
};

FileOpener GateFile(FileOpener inner, std::string path, Gate* gate, bool before_first = false) {
  return [inner = std::move(inner), path = std::move(path), gate, before_first](
             const ManifestEntry& file, uint64_t offset,
             uint64_t length) -> Result<std::unique_ptr<ByteReader>> {
    MP_ASSIGN_OR_RETURN(auto reader, inner(file, offset, length));
    if (file.path != path) return reader;
    return std::unique_ptr<ByteReader>(new GatedReader(std::move(reader), gate, before_first));
  };
}

// Opens the gate and joins the threads on every way out of a test, so a failed ASSERT
// reports a failure instead of terminating the binary with joinable threads.
class JoinOnExit {
 public:
  JoinOnExit(Gate* gate, std::atomic<bool>* stop) : gate_(gate), stop_(stop) {}
  ~JoinOnExit() { Finish(); }
  void Add(std::thread thread) { threads_.push_back(std::move(thread)); }
  void Finish() {
    if (gate_ != nullptr) gate_->Release();
    if (stop_ != nullptr) *stop_ = true;
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }

 private:
  Gate* gate_;
  std::atomic<bool>* stop_;
  std::vector<std::thread> threads_;
};

std::map<std::string, uint64_t> TreeSizes(const std::string& root) {
  std::map<std::string, uint64_t> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) {
      out[fs::relative(it->path(), root, ec).generic_string()] = it->file_size(ec);
    }
  }
  return out;
}

std::vector<std::string> StagingLeftovers(const std::string& path) {
  std::vector<std::string> out;
  for (const auto& name : Children(path)) {
    if (name.rfind(".staging-", 0) == 0) out.push_back(name);
  }
  for (const auto& name : Children(path + "/.modelpusher")) {
    if (name.front() == '.') out.push_back(".modelpusher/" + name);
  }
  return out;
}

class FilesystemRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Make("mp-fs-registry-");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    temp_ = std::make_unique<TempDir>(std::move(dir).value());
    path_ = temp_->path() + "/srv/m";
    registry_ = RegistryAt(path_);
    ASSERT_NE(registry_, nullptr);
  }

  PushRequest Request(const std::map<std::string, std::string>& files,
                      const std::string& version) {
    sources_.push_back(MakeMemorySource(files));
    return MakePushRequest(*sources_.back(), version, version);
  }

  std::vector<std::string> Versions(ModelRegistry& registry) {
    auto listed = registry.ListVersions();
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    std::vector<std::string> out;
    for (const auto& info : listed.ValueOr({})) out.push_back(info.version);
    return out;
  }

  std::unique_ptr<TempDir> temp_;
  std::string path_;
  std::unique_ptr<ModelRegistry> registry_;
  std::vector<std::unique_ptr<StorageSource>> sources_;
};

std::string Bytes(size_t size, unsigned seed) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>((i * 131 + seed * 7) % 256);
  return out;
}

// The model of the issue: a TF SavedModel with assets, an empty folder and TensorBoard logs,
// read by the real `file` source and published in one version.
TEST_F(FilesystemRegistryTest, PublishesASavedModelTreeExactlyThroughTheFileSource) {
  const std::map<std::string, std::string> model = {
      {"saved_model.pb", Bytes(40000, 1)},
      {"keras_metadata.pb", Bytes(1200, 2)},
      {"fingerprint.pb", Bytes(56, 3)},
      {"variables/variables.index", Bytes(900, 4)},
      {"variables/variables.data-00000-of-00001", Bytes((5u << 20) + 3, 5)},
      {"assets/vocab.txt", "a\nb\nc\n"},
      {"logs/train/events.out.tfevents.1.v2", Bytes(3000, 6)},
      {"logs/validation/events.out.tfevents.2.v2", Bytes(2000, 7)},
  };
  std::string model_dir = temp_->path() + "/trainer/Format-Serving";
  WriteTree(model_dir, model);
  fs::create_directories(model_dir + "/assets/empty_dir");

  auto source = source_file::MakeFileSource(SourceContext{"file://" + model_dir});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto listing = (*source)->List();
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  auto manifest = BuildManifest(**source, *listing, "", 2);
  ASSERT_TRUE(manifest.ok()) << manifest.status().ToString();
  PushRequest request;
  request.files = *manifest;
  request.digest = ManifestDigest(request.files);
  request.version = "1764860400";
  request.ref = "1764860400";
  request.open = MakeSourceOpener(**source);

  auto result = registry_->Publish(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->status, PushStatus::kPushed);
  EXPECT_EQ(ReadTree(path_ + "/1764860400"), model);
  EXPECT_EQ(result->files_uploaded, model.size());
  EXPECT_EQ(Children(path_), (std::vector<std::string>{".modelpusher", "1764860400"}));
}

// A reader is stopped in the middle of the big file: the version folder must not exist yet,
// only the hidden staging folder; meanwhile a watcher polling like TF Serving never sees a
// partial version.
TEST_F(FilesystemRegistryTest, MakesTheVersionVisibleOnlyWhenComplete) {
  const auto tree = modelpusher::testing::ConformanceModelTree();
  PushRequest request = Request(tree, "17");
  Gate gate;
  request.open = GateFile(request.open, "variables/variables.data-00000-of-00001", &gate);
  const std::string version_dir = path_ + "/17";
  std::map<std::string, uint64_t> expected;
  for (const auto& [file, content] : tree) expected[file] = content.size();

  std::atomic<bool> stop{false};
  std::atomic<int> partial_views{0}, complete_views{0};
  Result<PushResult> result = InternalError("not run");
  JoinOnExit pusher_done(&gate, nullptr);
  JoinOnExit watcher_done(nullptr, &stop);
  watcher_done.Add(std::thread([&] {
    auto deadline = std::chrono::steady_clock::now() + 2 * kPatience;
    while (!stop && std::chrono::steady_clock::now() < deadline) {
      if (fs::exists(version_dir)) {
        (TreeSizes(version_dir) == expected ? complete_views : partial_views)++;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }));
  pusher_done.Add(std::thread([&] { result = registry_->Publish(request); }));

  ASSERT_TRUE(gate.WaitArrived(1)) << "the push never reached the big file";
  EXPECT_FALSE(fs::exists(version_dir)) << "the version is visible before it is complete";
  auto staging = StagingLeftovers(path_);
  ASSERT_EQ(staging.size(), 1u);
  EXPECT_EQ(staging[0].rfind(".staging-17-", 0), 0u) << staging[0];
  EXPECT_GT(TreeSizes(path_ + "/" + staging[0]).size(), 0u);
  EXPECT_TRUE(Versions(*RegistryAt(path_)).empty());
  pusher_done.Finish();

  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(ReadTree(version_dir), tree);
  EXPECT_TRUE(StagingLeftovers(path_).empty());
  auto settle = std::chrono::steady_clock::now() + kPatience;
  while (complete_views == 0 && std::chrono::steady_clock::now() < settle) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  watcher_done.Finish();
  EXPECT_EQ(partial_views, 0);
  EXPECT_GT(complete_views, 0);
}

TEST_F(FilesystemRegistryTest, RefusesAnExistingVersionNamingItsFolder) {
  ASSERT_TRUE(registry_->Publish(Request({{"model.pkl", "a"}}, "17")).ok());
  auto again = registry_->Publish(Request({{"model.pkl", "b"}}, "17"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("version 17 already exists at " + path_ + "/17"),
            std::string::npos)
      << again.status().message();
  EXPECT_EQ(ReadTree(path_ + "/17"), (std::map<std::string, std::string>{{"model.pkl", "a"}}));
}

TEST_F(FilesystemRegistryTest, AForeignFolderBlocksItsVersionToo) {
  WriteTree(path_ + "/17", {{"saved_model.pb", "made by hand"}});
  auto result = registry_->Publish(Request({{"saved_model.pb", "ours"}}, "17"));
  EXPECT_EQ(result.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(ReadTree(path_ + "/17"),
            (std::map<std::string, std::string>{{"saved_model.pb", "made by hand"}}));
}

// Two processes publishing the same version at once: RENAME_NOREPLACE lets exactly one win,
// and the folder holds the winner's files only.
TEST_F(FilesystemRegistryTest, ConcurrentPushesOfOneVersionHaveOneWinner) {
  const std::map<std::string, std::string> a = {{"model.pkl", Bytes(300000, 1)}, {"a", "a"}};
  const std::map<std::string, std::string> b = {{"model.pkl", Bytes(200000, 2)}, {"b", "b"}};
  Gate both_copying(2);
  PushRequest first = Request(a, "17");
  PushRequest second = Request(b, "17");
  first.open = GateFile(first.open, "model.pkl", &both_copying, /*before_first=*/true);
  second.open = GateFile(second.open, "model.pkl", &both_copying, /*before_first=*/true);
  auto other = RegistryAt(path_);

  Result<PushResult> r1 = InternalError("not run"), r2 = InternalError("not run");
  {
    JoinOnExit pushes(nullptr, nullptr);
    pushes.Add(std::thread([&] { r1 = registry_->Publish(first); }));
    pushes.Add(std::thread([&] { r2 = other->Publish(second); }));
    EXPECT_TRUE(both_copying.WaitArrived(2)) << "the pushes did not overlap";
  }

  ASSERT_NE(r1.ok(), r2.ok()) << r1.status().ToString() << " / " << r2.status().ToString();
  const Result<PushResult>& loser = r1.ok() ? r2 : r1;
  EXPECT_EQ(loser.status().code(), StatusCode::kAlreadyExists) << loser.status().ToString();
  EXPECT_EQ(ReadTree(path_ + "/17"), r1.ok() ? a : b);
  EXPECT_TRUE(StagingLeftovers(path_).empty());
}

TEST_F(FilesystemRegistryTest, ComparesTheTreeOfANewestFolderWithoutRecord) {
  const std::map<std::string, std::string> tree = {{"saved_model.pb", "pb"},
                                                   {"variables/v.index", "index"}};
  WriteTree(path_ + "/5", tree);
  PushRequest same = Request(tree, "6");
  auto unchanged = registry_->Publish(same);
  ASSERT_TRUE(unchanged.ok()) << unchanged.status().ToString();
  EXPECT_EQ(unchanged->status, PushStatus::kUnchanged);
  EXPECT_EQ(unchanged->version, "5");
  EXPECT_EQ(unchanged->commit_id, same.digest);

  // Same paths and sizes, one byte different: only the sha256 tells them apart.
  auto changed = registry_->Publish(Request({{"saved_model.pb", "pb"},
                                             {"variables/v.index", "indeX"}}, "6"));
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_EQ(changed->status, PushStatus::kPushed);
  EXPECT_EQ(Versions(*registry_), (std::vector<std::string>{"5", "6"}));
}

TEST_F(FilesystemRegistryTest, RepublishingAnOlderModelMakesANewVersion) {
  const std::map<std::string, std::string> a = {{"model.pkl", "a"}};
  ASSERT_TRUE(registry_->Publish(Request(a, "1")).ok());
  ASSERT_TRUE(registry_->Publish(Request({{"model.pkl", "b"}}, "2")).ok());
  auto rollback = registry_->Publish(Request(a, "3"));
  ASSERT_TRUE(rollback.ok()) << rollback.status().ToString();
  EXPECT_EQ(rollback->status, PushStatus::kPushed);
  EXPECT_EQ(rollback->version, "3");
}

TEST_F(FilesystemRegistryTest, NewestIsTheHighestVersionNumerically) {
  ASSERT_TRUE(registry_->Publish(Request({{"model.pkl", "nine"}}, "9")).ok());
  ASSERT_TRUE(registry_->Publish(Request({{"model.pkl", "ten"}}, "10")).ok());
  EXPECT_EQ(Versions(*registry_), (std::vector<std::string>{"9", "10"}));
  auto again = registry_->Publish(Request({{"model.pkl", "ten"}}, "11"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->status, PushStatus::kUnchanged);
  EXPECT_EQ(again->version, "10");
}

TEST_F(FilesystemRegistryTest, RefusesAChecksumMismatchAndCleansUp) {
  PushRequest request = Request({{"model.pkl", "real bytes"}, {"z.txt", "z"}}, "17");
  request.files[0].sha256 = std::string(64, '0');
  auto result = registry_->Publish(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(result.status().message().find("model.pkl"), std::string::npos);
  EXPECT_FALSE(fs::exists(path_ + "/17"));
  EXPECT_TRUE(StagingLeftovers(path_).empty());
  EXPECT_FALSE(fs::exists(path_ + "/.modelpusher/17.json"));
}

TEST_F(FilesystemRegistryTest, RefusesAFileThatIsShorterThanItsManifest) {
  PushRequest request = Request({{"model.pkl", "12345"}}, "17");
  request.files[0].size = 6;
  auto result = registry_->Publish(request);
  EXPECT_EQ(result.status().code(), StatusCode::kDataLoss);
  EXPECT_FALSE(fs::exists(path_ + "/17"));
  EXPECT_TRUE(StagingLeftovers(path_).empty());
}

TEST_F(FilesystemRegistryTest, RefusesAFileAndAFolderOfTheSameName) {
  PushRequest request = Request({{"a", "file"}, {"a/b", "below"}}, "17");
  auto result = registry_->Publish(request);
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition)
      << result.status().ToString();
  EXPECT_FALSE(fs::exists(path_ + "/17"));
  EXPECT_TRUE(StagingLeftovers(path_).empty());
}

TEST_F(FilesystemRegistryTest, KeepsItsRecordBesideTheVersionNotInIt) {
  PushRequest request = Request({{"saved_model.pb", "pb"}, {"variables/v.index", "i"}}, "17");
  request.blessing = {true, "tfx:/pipe/blessing/3", "BLESSED marker present", {{"auc", 0.91}}};
  ASSERT_TRUE(registry_->Publish(request).ok());

  EXPECT_EQ(ReadTree(path_ + "/17"),
            (std::map<std::string, std::string>{{"saved_model.pb", "pb"},
                                                {"variables/v.index", "i"}}));
  auto text = ReadTree(path_ + "/.modelpusher");
  ASSERT_EQ(text.count("17.json"), 1u);
  auto record = RecordFromJson(text["17.json"], "17.json");
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  EXPECT_EQ(record->version, "17");
  EXPECT_EQ(record->digest, request.digest);
  EXPECT_EQ(record->blessing.rule, "tfx:/pipe/blessing/3");
  EXPECT_DOUBLE_EQ(record->blessing.metrics["auc"], 0.91);
  ASSERT_EQ(record->files.size(), 2u);
  EXPECT_EQ(record->files[1].path, "variables/v.index");
  EXPECT_EQ(record->files[1].sha256, request.files[1].sha256);
  EXPECT_EQ(record->published_at.size(), 20u) << record->published_at;
}

TEST_F(FilesystemRegistryTest, ListsFoldersWithoutOrWithDamagedRecords) {
  ASSERT_TRUE(registry_->Publish(Request({{"m", "4"}}, "4")).ok());
  ASSERT_TRUE(registry_->Publish(Request({{"m", "5"}}, "5")).ok());
  WriteTree(path_ + "/3", {{"m", "by hand"}});
  WriteTree(path_, {{".modelpusher/5.json", "{not json"}, {"README.txt", "not a version"}});
  auto listed = registry_->ListVersions();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].version, "3");
  EXPECT_TRUE((*listed)[0].digest.empty());
  EXPECT_EQ((*listed)[1].version, "4");
  EXPECT_EQ((*listed)[1].digest.rfind("sha256:", 0), 0u);
  EXPECT_EQ((*listed)[2].version, "5");
  EXPECT_TRUE((*listed)[2].digest.empty());
}

TEST_F(FilesystemRegistryTest, ResultNamesTheFolderAndIgnoresTheRef) {
  auto registry = RegistryAt(temp_->path() + "/my models/penguin");
  PushRequest request = Request({{"model.pkl", "x"}}, "17");
  request.ref = "v17";
  auto result = registry->Publish(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->repo_id, temp_->path() + "/my models/penguin");
  EXPECT_EQ(result->branch, "17");
  EXPECT_EQ(result->commit_id, request.digest);
  EXPECT_EQ(result->repo_url, "file://" + temp_->path() + "/my%20models/penguin/17");
  EXPECT_TRUE(fs::is_directory(temp_->path() + "/my models/penguin/17"));
  EXPECT_FALSE(fs::exists(temp_->path() + "/my models/penguin/v17"));
}

TEST_F(FilesystemRegistryTest, DryRunWritesNothing) {
  PushRequest request = Request({{"model.pkl", "x"}}, "17");
  request.dry_run = true;
  auto result = registry_->Publish(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->status, PushStatus::kDryRun);
  EXPECT_EQ(result->repo_url, "file://" + path_ + "/17");
  EXPECT_FALSE(fs::exists(temp_->path() + "/srv")) << "a dry run created the registry folder";
}

TEST_F(FilesystemRegistryTest, DryRunReportsAPathBlockedByAFile) {
  WriteTree(temp_->path(), {{"srv", "a file where a folder should be"}});
  PushRequest request = Request({{"model.pkl", "x"}}, "17");
  request.dry_run = true;
  auto result = registry_->Publish(request);
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition)
      << result.status().ToString();
}

TEST_F(FilesystemRegistryTest, RegistryPathThatIsAFileIsRefused) {
  WriteTree(temp_->path(), {{"srv/m", "file"}});
  auto listed = registry_->ListVersions();
  EXPECT_EQ(listed.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(listed.status().message().find(path_), std::string::npos);
}

TEST_F(FilesystemRegistryTest, RefusesVersionsThatCannotNameAFolder) {
  for (const std::string version : {"", "../x", ".hidden", "a/b", "a\\b", "tab\tname"}) {
    auto result = registry_->Publish(Request({{"model.pkl", "x"}}, version));
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << "'" << version << "'";
  }
  EXPECT_FALSE(fs::exists(temp_->path() + "/srv"));
}

TEST_F(FilesystemRegistryTest, RefusesManifestPathsThatLeaveTheVersionFolder) {
  for (const std::string bad : {"../evil", "/etc/evil", "a/../../evil", "a//b", "./a"}) {
    PushRequest request = Request({{"model.pkl", "x"}}, "17");
    request.files[0].path = bad;
    auto result = registry_->Publish(request);
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(fs::exists(temp_->path() + "/evil"));
  EXPECT_FALSE(fs::exists(temp_->path() + "/srv/evil"));
}

TEST_F(FilesystemRegistryTest, StreamsEachFileOnceFromTheStart) {
  PushRequest request = Request(modelpusher::testing::ConformanceModelTree(), "17");
  std::mutex mu;
  std::vector<std::string> opened;
  FileOpener inner = request.open;
  request.open = [&](const ManifestEntry& file, uint64_t offset, uint64_t length) {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(offset, 0u);
    opened.push_back(file.path);
    return inner(file, offset, length);
  };
  ASSERT_TRUE(registry_->Publish(request).ok());
  std::vector<std::string> expected;
  for (const auto& file : request.files) expected.push_back(file.path);
  std::sort(opened.begin(), opened.end());
  EXPECT_EQ(opened, expected);
}

TEST(FilesystemRegistryConfig, ResolvesARelativePathAgainstTheConfigFolder) {
  ConfigValue config = RegistryConfig({{"path", "../serving/./penguin/"}});
  RegistryContext context{&config, "{version}", "/etc/modelpusher/conf"};
  auto parsed = ParseConfig(context);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->path, "/etc/modelpusher/serving/penguin");
  EXPECT_FALSE(parsed->mode.has_value());
}

TEST(FilesystemRegistryConfig, RefusesPathInRepoWithItsLocation) {
  ConfigValue config = RegistryConfig({{"path", "/srv/m"}, {"path_in_repo", "models"}});
  auto parsed = ParseConfig(RegistryContext{&config, "{version}", "/"});
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("path_in_repo"), std::string::npos);
  EXPECT_NE(parsed.status().message().find("push.yaml:8:11"), std::string::npos)
      << parsed.status().message();
}

TEST(FilesystemRegistryConfig, RefusesMissingPathUnknownKeysAndBadModes) {
  ConfigValue no_path = RegistryConfig({});
  EXPECT_EQ(ParseConfig(RegistryContext{&no_path, "", "/"}).status().code(),
            StatusCode::kInvalidArgument);
  ConfigValue typo = RegistryConfig({{"path", "/srv/m"}, {"pth", "/srv/n"}});
  auto refused = ParseConfig(RegistryContext{&typo, "", "/"});
  EXPECT_NE(refused.status().message().find("'pth'"), std::string::npos);
  for (const std::string mode : {"0999", "rwx", "0055", "12345"}) {
    ConfigValue bad = RegistryConfig({{"path", "/srv/m"}, {"mode", mode}});
    EXPECT_EQ(ParseConfig(RegistryContext{&bad, "", "/"}).status().code(),
              StatusCode::kInvalidArgument) << mode;
  }
  ConfigValue other = RegistryConfig({{"path", "/srv/m"}, {"type", "git"}});
  EXPECT_EQ(ParseConfig(RegistryContext{&other, "", "/"}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(FilesystemRegistryConfig, AppliesTheConfiguredMode) {
  auto temp = TempDir::Make("mp-fs-mode-");
  ASSERT_TRUE(temp.ok());
  ConfigValue config = RegistryConfig({{"path", temp->path() + "/m"}, {"mode", "0o750"},
                                       {"name", "serving"}});
  auto registry = MakeFilesystemRegistry(RegistryContext{&config, "", "/"});
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  auto source = MakeMemorySource({{"sub/model.pkl", "x"}});
  ASSERT_TRUE((*registry)->Publish(MakePushRequest(*source, "1", "1")).ok());

  struct stat st {};
  ASSERT_EQ(stat((temp->path() + "/m/1").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  ASSERT_EQ(stat((temp->path() + "/m/1/sub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  ASSERT_EQ(stat((temp->path() + "/m/1/sub/model.pkl").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

// The fallback for file systems without RENAME_NOREPLACE, and the primary path, both refuse
// an existing target, even an empty folder that rename(2) alone would replace.
TEST(FilesystemRegistryRename, NeverReplacesAnExistingFolder) {
  auto temp = TempDir::Make("mp-fs-rename-");
  ASSERT_TRUE(temp.ok());
  const std::string from = temp->path() + "/.staging", to = temp->path() + "/17";
  WriteTree(from, {{"f", "new"}});
  fs::create_directories(to);
  EXPECT_EQ(internal::RenameNoReplace(from, to).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(internal::RenameCheckingFirst(from, to).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(fs::exists(from + "/f"));
  fs::remove(to);
  EXPECT_TRUE(internal::RenameCheckingFirst(from, to).ok());
  EXPECT_EQ(ReadTree(to), (std::map<std::string, std::string>{{"f", "new"}}));
}

// The built shared object, as the plugin host will load it.
TEST(FilesystemRegistryPlugin, ExportsADescriptorForTheFilesystemType) {
  void* handle = dlopen(MP_REGISTRY_FILESYSTEM_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  auto entry = reinterpret_cast<mp_plugin_entry_fn>(dlsym(handle, MP_PLUGIN_ENTRY_SYMBOL));
  ASSERT_NE(entry, nullptr) << dlerror();
  const mp_plugin_descriptor* descriptor = entry();
  EXPECT_EQ(descriptor->abi_version, MP_PLUGIN_ABI_VERSION);
  EXPECT_EQ(descriptor->struct_size, sizeof(mp_plugin_descriptor));
  EXPECT_EQ(descriptor->kind, MP_PLUGIN_KIND_REGISTRY);
  ASSERT_NE(descriptor->names[0], nullptr);
  EXPECT_STREQ(descriptor->names[0], "filesystem");
  EXPECT_EQ(descriptor->names[1], nullptr);
  EXPECT_NE(std::string(descriptor->config_schema).find("\"path\""), std::string::npos);
  EXPECT_EQ(descriptor->create_source, nullptr);
  ASSERT_NE(descriptor->create_registry, nullptr);

  auto temp = TempDir::Make("mp-fs-plugin-");
  ASSERT_TRUE(temp.ok());
  ConfigValue config = RegistryConfig({{"path", "models"}});
  auto registry = descriptor->create_registry(RegistryContext{&config, "{version}",
                                                              temp->path()});
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  EXPECT_EQ((*registry)->RepoId(), temp->path() + "/models");
  auto source = MakeMemorySource({{"model.pkl", "via the module"}});
  auto result = (*registry)->Publish(MakePushRequest(*source, "1", "1"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(ReadTree(temp->path() + "/models/1"),
            (std::map<std::string, std::string>{{"model.pkl", "via the module"}}));
  // Never dlclose: the plugin ABI says the host keeps plugins loaded while objects live.
}

}  // namespace
}  // namespace modelpusher::registry_filesystem
