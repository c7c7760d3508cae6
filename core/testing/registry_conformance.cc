// The registry conformance suite (see the header for how a plugin instantiates it).
//
// The testing library is built from every file in core/testing/, also in builds without
// GoogleTest; the suite then compiles to nothing.
#if __has_include(<gtest/gtest.h>)

#include "modelpusher/testing/registry_conformance.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <utility>

#include "modelpusher/io.h"
#include "modelpusher/log.h"
#include "modelpusher/testing/fixtures.h"
#include "modelpusher/versioning.h"

namespace modelpusher::testing {
namespace {

// Fails after `fail_after` bytes, as a connection that drops mid-file would.
class FailingReader : public ByteReader {
 public:
  FailingReader(std::unique_ptr<ByteReader> inner, uint64_t fail_after)
      : inner_(std::move(inner)), left_(fail_after) {}

  Result<size_t> Read(char* buffer, size_t size) override {
    if (left_ == 0) return DataLossError("injected failure: the stream broke mid-file");
    MP_ASSIGN_OR_RETURN(size_t n, inner_->Read(buffer, std::min<uint64_t>(size, left_)));
    left_ -= n;
    return n;
  }

 private:
  std::unique_ptr<ByteReader> inner_;
  uint64_t left_;
};

// An opener that breaks `path` after `fail_after` bytes, or refuses to open it at all.
FileOpener BreakFile(FileOpener inner, std::string path, uint64_t fail_after, bool at_open) {
  return [inner = std::move(inner), path = std::move(path), fail_after, at_open](
             const ManifestEntry& file, uint64_t offset,
             uint64_t length) -> Result<std::unique_ptr<ByteReader>> {
    if (file.path != path) return inner(file, offset, length);
    // Not found, as a source file deleted under the push: no registry retries that.
    if (at_open) return NotFoundError("injected failure: " + path + " vanished");
    MP_ASSIGN_OR_RETURN(auto reader, inner(file, offset, length));
    return std::unique_ptr<ByteReader>(new FailingReader(std::move(reader), fail_after));
  };
}

// Calls `observe` once, on the first Read of `path`: the moment the registry is busy
// publishing, with other files possibly written already.
class ObservingReader : public ByteReader {
 public:
  ObservingReader(std::unique_ptr<ByteReader> inner, std::function<void()> observe)
      : inner_(std::move(inner)), observe_(std::move(observe)) {}

  Result<size_t> Read(char* buffer, size_t size) override {
    if (observe_) {
      observe_();
      observe_ = nullptr;
    }
    return inner_->Read(buffer, size);
  }

 private:
  std::unique_ptr<ByteReader> inner_;
  std::function<void()> observe_;
};

FileOpener ObserveFile(FileOpener inner, std::string path, std::function<void()> observe) {
  return [inner = std::move(inner), path = std::move(path), observe = std::move(observe)](
             const ManifestEntry& file, uint64_t offset,
             uint64_t length) -> Result<std::unique_ptr<ByteReader>> {
    MP_ASSIGN_OR_RETURN(auto reader, inner(file, offset, length));
    if (file.path != path) return reader;
    return std::unique_ptr<ByteReader>(new ObservingReader(std::move(reader), observe));
  };
}

std::string Pattern(size_t size, unsigned seed) {
  std::string out(size, '\0');
  uint32_t state = seed * 2654435761u + 1;
  for (auto& c : out) {
    state = state * 1664525u + 1013904223u;
    c = static_cast<char>(state >> 24);
  }
  return out;
}

// A second model: the conformance tree with one byte flipped in the middle of a file, so
// size and paths stay the same and only the content differs.
std::map<std::string, std::string> ChangedTree() {
  auto tree = ConformanceModelTree();
  std::string& weights = tree.at("variables/variables.data-00000-of-00001");
  weights[weights.size() / 2] ^= 0x5a;
  return tree;
}

std::string Describe(const PushResult& r) {
  return "status=" + std::to_string(static_cast<int>(r.status)) + " version=" + r.version +
         " repo_id=" + r.repo_id + " branch=" + r.branch + " commit=" + r.commit_id +
         " url=" + r.repo_url;
}

}  // namespace

std::map<std::string, std::string> ConformanceModelTree() {
  return {
      {"saved_model.pb", Pattern(2048, 1)},
      {"keras_metadata.pb", "{\"class_name\": \"Functional\"}"},
      {"variables/variables.index", Pattern(517, 2)},
      {"variables/variables.data-00000-of-00001", Pattern((3u << 20) + 1, 3)},
      {"assets/vocab file.txt", "alpha\nbeta\ngamma\n"},
      {"assets/empty.txt", ""},
      {"logs/train/events.out.tfevents.1.v2", std::string("\0\x01\x02zero\0bytes", 12)},
      {"a/b/c/d/e/deep.json", "{\"depth\": 5}"},
  };
}

::testing::internal::ParamGenerator<RegistryConformanceSetup> RegistryConformanceValues(
    RegistryConformanceSetup setup) {
  return ::testing::ValuesIn(std::vector<RegistryConformanceSetup>{std::move(setup)});
}

std::string RegistryConformanceName(
    const ::testing::TestParamInfo<RegistryConformanceSetup>& info) {
  std::string name = info.param.name.empty() ? "registry" : info.param.name;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

void RegistryConformance::SetUp() {
  ASSERT_TRUE(GetParam().make) << "RegistryConformanceSetup::make is not set";
  log::SetSink([this](LogLevel, const std::string& line) {
    std::lock_guard<std::mutex> lock(texts_mutex_);
    texts_.push_back(line);
  });
  auto made = GetParam().make();
  ASSERT_TRUE(made.ok()) << "making a fresh registry: " << made.status().ToString();
  under_test_ = std::move(made).value();
  ASSERT_NE(under_test_, nullptr);
}

void RegistryConformance::TearDown() {
  log::SetSink(nullptr);
  if (under_test_ == nullptr) return;
  texts_.push_back(registry().RepoId());
  for (const auto& secret : under_test_->Secrets()) {
    for (const auto& text : texts_) {
      EXPECT_EQ(text.find(secret), std::string::npos) << "a secret leaked into: " << text;
    }
  }
  under_test_.reset();
}

PushRequest RegistryConformance::Request(const std::map<std::string, std::string>& files,
                                         const std::string& version) {
  sources_.push_back(MakeMemorySource(files));
  auto ref = RenderRefTemplate(GetParam().ref_template, version);
  EXPECT_TRUE(ref.ok()) << ref.status().ToString();
  PushRequest request = MakePushRequest(*sources_.back(), version, ref.ValueOr(version));
  request.commit_description = "Published by the registry conformance suite.";
  return request;
}

Result<PushResult> RegistryConformance::Publish(const PushRequest& request,
                                                ModelRegistry* other) {
  auto result = (other != nullptr ? *other : registry()).Publish(request);
  std::lock_guard<std::mutex> lock(texts_mutex_);
  texts_.push_back(result.ok() ? Describe(*result) : result.status().ToString());
  return result;
}

std::vector<std::string> RegistryConformance::ListedVersions() {
  auto listed = registry().ListVersions();
  EXPECT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<std::string> out;
  if (listed.ok()) {
    for (const auto& info : *listed) out.push_back(info.version);
  }
  return out;
}

std::map<std::string, std::string> RegistryConformance::ReadBack(const PushResult& result) {
  auto files = under_test_->ReadBack(result);
  EXPECT_TRUE(files.ok()) << "reading back " << Describe(result) << ": "
                          << files.status().ToString();
  return files.ok() ? *files : std::map<std::string, std::string>{};
}

std::string RegistryConformance::ExpectedBranch(const PushRequest& request) const {
  return capabilities().branch_is_ref ? request.ref : request.version;
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(RegistryConformance);

TEST_P(RegistryConformance, StartsWithNoVersions) {
  EXPECT_TRUE(ListedVersions().empty());
  EXPECT_FALSE(registry().RepoId().empty());
}

TEST_P(RegistryConformance, PublishesEveryFileWithItsBytes) {
  const auto tree = ConformanceModelTree();
  PushRequest request = Request(tree, "1000");
  auto result = Publish(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();

  EXPECT_EQ(result->status, PushStatus::kPushed);
  EXPECT_EQ(result->version, "1000");
  EXPECT_EQ(result->branch, ExpectedBranch(request));
  EXPECT_EQ(result->repo_id, registry().RepoId());
  EXPECT_FALSE(result->repo_url.empty());
  EXPECT_GT(result->files_uploaded, 0u);
  EXPECT_LE(result->files_uploaded, tree.size());
  uint64_t total = 0;
  for (const auto& [path, content] : tree) total += content.size();
  EXPECT_GT(result->bytes_uploaded, 0u);
  EXPECT_LE(result->bytes_uploaded, total);
  EXPECT_EQ(ReadBack(*result), tree);
}

TEST_P(RegistryConformance, PublishesEmptyFiles) {
  const std::map<std::string, std::string> tree = {
      {"empty.bin", ""}, {"nested/also_empty", ""}, {"model.pkl", "p"}};
  auto result = Publish(Request(tree, "1000"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(ReadBack(*result), tree);
}

TEST_P(RegistryConformance, HandlesAModelWithoutFiles) {
  auto result = Publish(Request({}, "1000"));
  if (capabilities().allows_empty_model) {
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->status, PushStatus::kPushed);
    EXPECT_TRUE(ReadBack(*result).empty());
    EXPECT_EQ(ListedVersions(), std::vector<std::string>{"1000"});
  } else {
    ASSERT_FALSE(result.ok()) << "an empty model was published: " << Describe(*result);
    EXPECT_TRUE(result.status().code() == StatusCode::kInvalidArgument ||
                result.status().code() == StatusCode::kFailedPrecondition)
        << result.status().ToString();
    EXPECT_TRUE(ListedVersions().empty());
  }
}

TEST_P(RegistryConformance, ListsPublishedVersionsWithRefsAndDigests) {
  PushRequest first = Request({{"model.pkl", "first"}}, "1000");
  PushRequest second = Request({{"model.pkl", "second"}}, "1001");
  ASSERT_TRUE(Publish(first).ok());
  ASSERT_TRUE(Publish(second).ok());

  auto listed = registry().ListVersions();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 2u);
  std::map<std::string, VersionInfo> by_version;
  for (const auto& info : *listed) by_version[info.version] = info;
  ASSERT_EQ(by_version.count("1000"), 1u);
  ASSERT_EQ(by_version.count("1001"), 1u);
  if (capabilities().lists_oldest_first) {
    EXPECT_EQ((*listed)[0].version, "1000");
    EXPECT_EQ((*listed)[1].version, "1001");
  }
  EXPECT_EQ(by_version["1000"].ref, ExpectedBranch(first));
  EXPECT_EQ(by_version["1001"].ref, ExpectedBranch(second));
  if (capabilities().records_digest) {
    EXPECT_EQ(by_version["1000"].digest, first.digest);
    EXPECT_EQ(by_version["1001"].digest, second.digest);
  } else {
    for (const auto& info : *listed) {
      EXPECT_TRUE(info.digest.empty() || info.digest == first.digest ||
                  info.digest == second.digest) << info.digest;
    }
  }
}

TEST_P(RegistryConformance, ListsTheSameVersionsAfterReopening) {
  ASSERT_TRUE(Publish(Request({{"model.pkl", "first"}}, "1000")).ok());
  ASSERT_TRUE(Publish(Request({{"model.pkl", "second"}}, "1001")).ok());
  auto reopened = under_test_->Reopen();
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  auto listed = (*reopened)->ListVersions();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<std::string> versions;
  for (const auto& info : *listed) versions.push_back(info.version);
  std::vector<std::string> expected = ListedVersions();
  EXPECT_EQ(versions, expected);
  EXPECT_EQ(versions.size(), 2u);
}

TEST_P(RegistryConformance, RefusesToOverwriteAnExistingVersion) {
  const std::map<std::string, std::string> original = {{"model.pkl", "original"}};
  PushRequest first = Request(original, "1000");
  auto published = Publish(first);
  ASSERT_TRUE(published.ok()) << published.status().ToString();

  auto again = Publish(Request({{"model.pkl", "different content"}}, "1000"));
  ASSERT_FALSE(again.ok()) << "an existing version was overwritten: " << Describe(*again);
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists) << again.status().ToString();
  const std::string message = again.status().message();
  EXPECT_TRUE(message.find(first.ref) != std::string::npos ||
              message.find(first.version) != std::string::npos)
      << "the message does not name the ref: " << message;
  EXPECT_EQ(ListedVersions(), std::vector<std::string>{"1000"});
  EXPECT_EQ(ReadBack(*published), original);
}

TEST_P(RegistryConformance, ReportsUnchangedForIdenticalContent) {
  const auto tree = ConformanceModelTree();
  auto first = Publish(Request(tree, "1000"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();

  auto second = Publish(Request(tree, "1001"));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->status, PushStatus::kUnchanged);
  EXPECT_EQ(second->version, "1000");
  EXPECT_EQ(second->branch, first->branch);
  EXPECT_EQ(second->commit_id, first->commit_id);
  EXPECT_EQ(second->repo_id, first->repo_id);
  EXPECT_EQ(ListedVersions(), std::vector<std::string>{"1000"});
  EXPECT_EQ(ReadBack(*second), tree);
}

TEST_P(RegistryConformance, ReportsUnchangedAcrossRuns) {
  const auto tree = ConformanceModelTree();
  auto first = Publish(Request(tree, "1000"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto reopened = under_test_->Reopen();
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();

  auto rerun = Publish(Request(tree, "1001"), reopened->get());
  ASSERT_TRUE(rerun.ok()) << rerun.status().ToString();
  EXPECT_EQ(rerun->status, PushStatus::kUnchanged);
  EXPECT_EQ(rerun->version, "1000");
  EXPECT_EQ(rerun->commit_id, first->commit_id);
}

TEST_P(RegistryConformance, PublishesANewVersionWhenOneByteChanges) {
  const auto original = ConformanceModelTree();
  const auto changed = ChangedTree();
  auto first = Publish(Request(original, "1000"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();

  auto second = Publish(Request(changed, "1001"));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->status, PushStatus::kPushed);
  EXPECT_EQ(second->version, "1001");
  EXPECT_NE(second->branch, first->branch);
  EXPECT_EQ(ReadBack(*second), changed);
  EXPECT_EQ(ReadBack(*first), original);
  EXPECT_EQ(ListedVersions(), (std::vector<std::string>{"1000", "1001"}));
}

// Atomicity seen from outside: while the registry streams the model, a second registry
// object (another process, TF Serving, a user) must not list the new version yet.
TEST_P(RegistryConformance, HidesTheVersionWhilePublishing) {
  ASSERT_TRUE(Publish(Request({{"model.pkl", "served now"}}, "1000")).ok());
  auto observer = under_test_->Reopen();
  ASSERT_TRUE(observer.ok()) << observer.status().ToString();

  const auto tree = ConformanceModelTree();
  PushRequest request = Request(tree, "1001");
  std::mutex mu;
  std::vector<std::vector<std::string>> seen;
  request.open = ObserveFile(request.open, "variables/variables.data-00000-of-00001", [&] {
    auto listed = (*observer)->ListVersions();
    std::vector<std::string> versions;
    for (const auto& info : listed.ValueOr({})) versions.push_back(info.version);
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(listed.ok() ? versions : std::vector<std::string>{listed.status().ToString()});
  });
  auto result = Publish(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();

  std::lock_guard<std::mutex> lock(mu);
  ASSERT_FALSE(seen.empty()) << "the registry never read the model's largest file";
  for (const auto& versions : seen) {
    EXPECT_EQ(versions, std::vector<std::string>{"1000"}) << "listed while publishing";
  }
  EXPECT_EQ(ListedVersions(), (std::vector<std::string>{"1000", "1001"}));
}

TEST_P(RegistryConformance, LeavesNoVersionWhenAFileBreaksMidStream) {
  const std::map<std::string, std::string> before = {{"model.pkl", "served now"}};
  auto served = Publish(Request(before, "1000"));
  ASSERT_TRUE(served.ok()) << served.status().ToString();

  const auto tree = ConformanceModelTree();
  PushRequest request = Request(tree, "1001");
  request.open = BreakFile(request.open, "variables/variables.data-00000-of-00001", 64 * 1024,
                           /*at_open=*/false);
  auto failed = Publish(request);
  ASSERT_FALSE(failed.ok()) << "a broken stream was published: " << Describe(*failed);
  EXPECT_EQ(ListedVersions(), std::vector<std::string>{"1000"});
  EXPECT_EQ(ReadBack(*served), before);

  // Nothing left behind blocks the retry.
  auto retried = Publish(Request(tree, "1001"));
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(retried->status, PushStatus::kPushed);
  EXPECT_EQ(ReadBack(*retried), tree);
}

TEST_P(RegistryConformance, LeavesNoVersionWhenAFileCannotBeOpened) {
  const auto tree = ConformanceModelTree();
  PushRequest request = Request(tree, "1000");
  request.open = BreakFile(request.open, request.files.back().path, 0, /*at_open=*/true);
  auto failed = Publish(request);
  ASSERT_FALSE(failed.ok()) << "a version was published without one file: "
                            << Describe(*failed);
  EXPECT_TRUE(ListedVersions().empty());

  auto retried = Publish(Request(tree, "1000"));
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(ReadBack(*retried), tree);
}

TEST_P(RegistryConformance, DryRunChangesNothing) {
  const std::map<std::string, std::string> tree = {{"model.pkl", "dry"}};
  PushRequest request = Request(tree, "1000");
  request.dry_run = true;
  auto dry = Publish(request);
  if (!capabilities().supports_dry_run) {
    ASSERT_FALSE(dry.ok());
    EXPECT_EQ(dry.status().code(), StatusCode::kUnimplemented);
    EXPECT_TRUE(ListedVersions().empty());
    return;
  }
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  EXPECT_EQ(dry->status, PushStatus::kDryRun);
  EXPECT_EQ(dry->version, "1000");
  EXPECT_TRUE(ListedVersions().empty());

  auto real = Publish(Request(tree, "1000"));
  ASSERT_TRUE(real.ok()) << real.status().ToString();
  EXPECT_EQ(real->status, PushStatus::kPushed);

  // A dry run predicts what a real push would meet: the version is now taken.
  PushRequest clash = Request({{"model.pkl", "other"}}, "1000");
  clash.dry_run = true;
  auto refused = Publish(clash);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(ListedVersions(), std::vector<std::string>{"1000"});
}

TEST_P(RegistryConformance, RecordsBlessingMetricsWhenItKeepsThem) {
  PushRequest request = Request({{"model.pkl", "measured"}}, "1000");
  request.blessing = {true, "metrics:eval/metrics.json", "accuracy 0.93 >= 0.90",
                      {{"accuracy", 0.93}, {"loss", 0.125}}};
  ASSERT_TRUE(Publish(request).ok());
  auto listed = registry().ListVersions();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  if (capabilities().records_metrics) {
    const auto& metrics = (*listed)[0].metrics;
    ASSERT_EQ(metrics.count("accuracy"), 1u);
    EXPECT_DOUBLE_EQ(metrics.at("accuracy"), 0.93);
    ASSERT_EQ(metrics.count("loss"), 1u);
    EXPECT_DOUBLE_EQ(metrics.at("loss"), 0.125);
  } else {
    EXPECT_TRUE((*listed)[0].metrics.empty());
  }
}

TEST_P(RegistryConformance, KeepsSecretsOutOfResultsAndErrors) {
  // Successes, an unchanged re-run, a refusal and a broken stream: TearDown then checks every
  // result, status and log line of this test for the registry's secrets.
  const std::map<std::string, std::string> tree = {{"model.pkl", "secret-free"}};
  ASSERT_TRUE(Publish(Request(tree, "1000")).ok());
  EXPECT_TRUE(Publish(Request(tree, "1001")).ok());
  EXPECT_FALSE(Publish(Request({{"model.pkl", "other"}}, "1000")).ok());
  PushRequest broken = Request({{"model.pkl", "broken"}}, "1002");
  broken.open = BreakFile(broken.open, "model.pkl", 2, /*at_open=*/false);
  EXPECT_FALSE(Publish(broken).ok());
  EXPECT_FALSE(texts_.empty());
}

}  // namespace modelpusher::testing

#endif  // __has_include(<gtest/gtest.h>)
