#pragma once

// The registry conformance suite: the ModelRegistry contract (model_registry.h) as GoogleTest
// cases that every registry plugin runs, bundled or out of tree (library modelpusher::testing,
// which links GTest).
//
// How a plugin runs it, in its own test file:
//
//   #include "modelpusher/testing/registry_conformance.h"
//
//   class MyRegistryUnderTest : public modelpusher::testing::RegistryUnderTest {
//     // registry(), Reopen(), ReadBack(), optionally Secrets(): see below.
//   };
//
//   modelpusher::testing::RegistryConformanceSetup MySetup() {
//     modelpusher::testing::RegistryConformanceSetup setup;
//     setup.name = "my_registry";
//     setup.capabilities.records_metrics = true;     // what differs from the defaults
//     setup.ref_template = "v{version}";              // the template the registry was made with
//     setup.make = [] { return MakeMyRegistryUnderTest(); };  // a fresh, empty registry
//     return setup;
//   }
//
//   MP_REGISTRY_CONFORMANCE_TESTS(MyRegistry, MySetup());
//
// and links `modelpusher::testing` and `GTest::gtest_main`. The tests are then named
// `MyRegistry/RegistryConformance.<Behaviour>/my_registry`, so `--gtest_filter=MyRegistry/*`
// runs them alone.
//
// Differences between registries are capability switches, never skips: each switch selects
// which behaviour is checked (e.g. supports_dry_run = false means "a dry run fails with
// kUnimplemented and changes nothing"), so a missing feature is pinned by a test too.
//
// Every test also captures the log (log::SetSink) and, at its end, checks that no secret from
// RegistryUnderTest::Secrets() appears in any result, status message or log line.

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "modelpusher/model_registry.h"
#include "modelpusher/status.h"
#include "modelpusher/storage_source.h"

namespace modelpusher::testing {

/// Where the ModelRegistry contract leaves a registry a choice, what this one does.
struct RegistryCapabilities {
  /// true: a dry run returns kDryRun (or kUnchanged / kAlreadyExists, as a real push would)
  /// and changes nothing. false: a dry run fails with kUnimplemented and changes nothing.
  bool supports_dry_run = true;
  /// true: ListVersions returns the blessing metrics published with each version.
  /// false: VersionInfo::metrics stays empty.
  bool records_metrics = false;
  /// true: ListVersions returns, for each version it published, the request's digest.
  /// false: VersionInfo::digest may be empty (but never wrong).
  bool records_digest = true;
  /// true: a model without files publishes as an empty version (ReadBack gives nothing).
  /// false: Publish refuses it with kInvalidArgument or kFailedPrecondition, changing nothing.
  bool allows_empty_model = false;
  /// true: PushResult::branch and VersionInfo::ref are PushRequest::ref (git, Hub).
  /// false: they are the version itself (folders named after the version).
  bool branch_is_ref = true;
  /// true: ListVersions lists oldest first when versions were published in order.
  bool lists_oldest_first = true;
};

/// One fresh, empty registry and the test's own means of looking inside it. The suite makes
/// a new one for every test and destroys it afterwards (clean up storage in the destructor).
class RegistryUnderTest {
 public:
  virtual ~RegistryUnderTest() = default;

  /// The registry the suite publishes with. Lives as long as this object.
  virtual ModelRegistry& registry() = 0;

  /// A second, independent registry object over the same storage, as the next run of the
  /// CLI would make: what it lists and what it deems unchanged must match the first.
  virtual Result<std::unique_ptr<ModelRegistry>> Reopen() = 0;

  /// Every file of the version that `result` (kPushed or kUnchanged) names, read by the
  /// test's own means rather than through the plugin (the folder itself, a git clone, the
  /// Hub's resolve endpoint): published path -> content, nothing left out, nothing added.
  virtual Result<std::map<std::string, std::string>> ReadBack(const PushResult& result) = 0;

  /// Credentials the registry was given (made-up test tokens), which must appear in no
  /// result, status message or log line.
  virtual std::vector<std::string> Secrets() const { return {}; }
};

/// A registry plugin's entry into the suite.
struct RegistryConformanceSetup {
  /// Appended to every test name: letters, digits and '_' (others become '_').
  std::string name;
  RegistryCapabilities capabilities;
  /// The ref template the registry was made with (RegistryContext::ref_template). The
  /// suite renders each PushRequest::ref from it.
  std::string ref_template = "{version}";
  /// Makes a fresh, empty registry. An error fails the test that asked for it.
  std::function<Result<std::unique_ptr<RegistryUnderTest>>()> make;
};

/// The suite's fixture; each TEST_P checks one clause of the contract. Defined in
/// registry_conformance.cc; instantiate with MP_REGISTRY_CONFORMANCE_TESTS.
class RegistryConformance : public ::testing::TestWithParam<RegistryConformanceSetup> {
 protected:
  void SetUp() override;
  void TearDown() override;

  ModelRegistry& registry() { return under_test_->registry(); }
  const RegistryCapabilities& capabilities() const { return GetParam().capabilities; }

  /// A complete request for `files` (path -> content) as `version`, hashed like the core
  /// does, with an opener over an in-memory copy that lives as long as the fixture.
  PushRequest Request(const std::map<std::string, std::string>& files,
                      const std::string& version);
  /// Publishes through registry() (or `other`), remembering every text for the secret check.
  Result<PushResult> Publish(const PushRequest& request, ModelRegistry* other = nullptr);
  /// Versions listed by registry(), in its order; fails the test on error.
  std::vector<std::string> ListedVersions();
  /// ReadBack, failing the test on error.
  std::map<std::string, std::string> ReadBack(const PushResult& result);
  /// The ref the registry is expected to report for `request`.
  std::string ExpectedBranch(const PushRequest& request) const;

  std::unique_ptr<RegistryUnderTest> under_test_;
  std::vector<std::unique_ptr<StorageSource>> sources_;
  std::mutex texts_mutex_;
  std::vector<std::string> texts_;  // Results, statuses and log lines seen by this test.
};

/// Prints the setup by name in test failure messages (instead of its raw bytes).
inline void PrintTo(const RegistryConformanceSetup& setup, std::ostream* out) {
  *out << setup.name;
}

/// Used by MP_REGISTRY_CONFORMANCE_TESTS; referencing it also pulls the suite's tests out of
/// the static library into the test binary.
::testing::internal::ParamGenerator<RegistryConformanceSetup> RegistryConformanceValues(
    RegistryConformanceSetup setup);

/// Test name suffix: RegistryConformanceSetup::name, sanitised.
std::string RegistryConformanceName(
    const ::testing::TestParamInfo<RegistryConformanceSetup>& info);

/// Content of a model tree the suite publishes, exposed for plugins' own tests: nested
/// folders, an empty file, binary bytes with NULs, a file name with a space, and one file of
/// 3 MiB + 1 byte (larger than any sane single read buffer).
std::map<std::string, std::string> ConformanceModelTree();

}  // namespace modelpusher::testing

/// Instantiates the registry conformance suite once, at namespace scope of a test file:
///   MP_REGISTRY_CONFORMANCE_TESTS(Filesystem, FilesystemSetup());
/// `Name` (an identifier) prefixes the test names; the rest is an expression of type
/// modelpusher::testing::RegistryConformanceSetup (commas allowed). GoogleTest pastes the
/// suite's name into identifiers, hence the alias in a namespace of its own.
#define MP_REGISTRY_CONFORMANCE_TESTS(Name, ...)                                             \
  namespace mp_registry_conformance_##Name {                                                 \
  using RegistryConformance = ::modelpusher::testing::RegistryConformance;                   \
  INSTANTIATE_TEST_SUITE_P(Name, RegistryConformance,                                        \
                           ::modelpusher::testing::RegistryConformanceValues(__VA_ARGS__),   \
                           ::modelpusher::testing::RegistryConformanceName);                 \
  } /* namespace mp_registry_conformance_##Name */                                          \
  static_assert(true, "a semicolon after MP_REGISTRY_CONFORMANCE_TESTS(...) ends it")
