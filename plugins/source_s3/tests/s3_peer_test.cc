// The s3 plugin end to end, loaded as a plugin, against real S3 servers on loopback (MinIO
// and moto, started by the fixture), with fixtures written by boto3 and faults injected by a
// proxy in front of the real server.

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <mutex>
#include <set>

#include "modelpusher/hash.h"
#include "modelpusher/http.h"
#include "modelpusher/log.h"
#include "peer_process.h"

namespace modelpusher {
namespace {

using cloudtest::Quote;

// One running server per kind, started on first use and stopped at exit.
struct Peer {
  std::map<std::string, std::string> env;
  bool started = false;
  std::string error;
  // One bucket per server holds every fixture set, written once by boto3; tests only read.
  std::string bucket, mirror;
};

const char* const kAllSets[] = {"siblings", "markers",     "five", "special",
                                "savedmodel", "modelfolder", "large"};

std::map<std::string, Peer>& Peers() {
  static std::map<std::string, Peer> peers;
  return peers;
}

class PeerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    for (const char* name : {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                             "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
                             "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"}) {
      ::unsetenv(name);
    }
    ::setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    ::setenv("GCE_METADATA_HOST", "127.0.0.1:9", 1);
    ::setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
    ::setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    SetRetryDelayScaleForTesting(0.01);
  }
  void TearDown() override {
    for (auto& [kind, peer] : Peers()) cloudtest::StopPeers(peer.env);
  }
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new PeerEnvironment);

bool MinioInstalled() {
  static const bool installed =
      std::system(("python3 " + Quote(cloudtest::TestsDir() + "/peers.py") +
                   " which minio > /dev/null").c_str()) == 0;
  return installed;
}

class S3Peer : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    Peer& peer = Peers()[GetParam()];
    if (GetParam() == "minio" && !MinioInstalled()) {
      GTEST_SKIP() << "MinIO is not installed (scripts/setup/cloud.sh builds it unless "
                      "MP_SETUP_MINIO=0); the same cases run against moto";
    }
    if (!peer.started && peer.error.empty()) {
      peer.env = cloudtest::StartPeers("--s3 " + GetParam());
      peer.started = !peer.env.empty();
      if (!peer.started) peer.error = "could not start " + GetParam();
    }
    ASSERT_TRUE(peer.started) << peer.error << " (run scripts/setup/cloud.sh)";
    endpoint_ = peer.env["MP_S3_ENDPOINT"];
    ::setenv("AWS_ACCESS_KEY_ID", peer.env["MP_S3_ACCESS_KEY"].c_str(), 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", peer.env["MP_S3_SECRET_KEY"].c_str(), 1);
    ::setenv("AWS_ENDPOINT_URL", endpoint_.c_str(), 1);
    descriptor_ = cloudtest::LoadPlugin(MP_S3_PLUGIN_PATH);
    ASSERT_NE(descriptor_, nullptr);
    if (peer.bucket.empty()) {
      std::string bucket = "mp-" + GetParam() + "-" + std::to_string(::getpid());
      std::string mirror = ::testing::TempDir() + "/" + bucket;
      std::string command = "python3 " + Quote(cloudtest::TestsDir() + "/fixtures.py") +
                            " s3 --endpoint " + Quote(endpoint_) + " --bucket " + bucket +
                            " --mirror " + Quote(mirror);
      for (const char* set : kAllSets) command += std::string(" --set ") + set;
      bool ok = false;
      cloudtest::Run(command + " 2>&1", &ok);
      ASSERT_TRUE(ok) << "writing the fixtures with boto3 failed";
      peer.bucket = bucket;
      peer.mirror = mirror;
    }
    bucket_ = peer.bucket;
    mirror_ = peer.mirror;
  }

  // The fixtures are written once per server (see SetUp); this names the sets a test uses.
  void Fixture(std::initializer_list<std::string>) {}

  Result<std::unique_ptr<StorageSource>> Make(const std::string& uri,
                                              const ConfigValue* options = nullptr) {
    return descriptor_->create_source(SourceContext{uri, options});
  }

  std::unique_ptr<StorageSource> MakeOrFail(const std::string& uri,
                                            const ConfigValue* options = nullptr) {
    auto source = Make(uri, options);
    EXPECT_TRUE(source.ok()) << source.status().ToString();
    return source.ok() ? std::move(source).value() : nullptr;
  }

  static ConfigValue Options(std::initializer_list<std::pair<std::string, std::string>> kv) {
    ConfigValue map = ConfigValue::Map({});
    for (const auto& [k, v] : kv) map.Set(k, ConfigValue::Scalar(v, false, {}));
    return map;
  }

  // Lists and reads `uri`, and checks it against the mirror of `folder` and `expected` paths.
  void ExpectSameAsMirror(const std::string& uri, const std::string& folder,
                          const std::set<std::string>& expected,
                          const ConfigValue* options = nullptr) {
    auto source = MakeOrFail(uri, options);
    ASSERT_NE(source, nullptr);
    auto listed = source->List();
    ASSERT_TRUE(listed.ok()) << listed.status().ToString();
    // One listing only (fault tests count the pages), then every file read once.
    Result<std::map<std::string, std::string>> files = std::map<std::string, std::string>();
    for (const FileEntry& entry : *listed) {
      auto content = cloudtest::ReadThrough(*source, entry.path);
      ASSERT_TRUE(content.ok()) << entry.path << ": " << content.status().ToString();
      ASSERT_EQ(content->size(), entry.size) << entry.path;
      (*files)[entry.path] = *content;
    }
    // Single-part uploads: the ETag is the MD5 of the content, reported as a checksum.
    for (const FileEntry& entry : *listed) {
      EXPECT_EQ(entry.md5, Md5Hex((*files)[entry.path])) << entry.path;
    }
    std::set<std::string> paths;
    for (const auto& [path, content] : *files) paths.insert(path);
    EXPECT_EQ(paths, expected);
    auto mirror = cloudtest::MirrorFiles(mirror_ + "/" + folder);
    EXPECT_EQ(mirror.size(), expected.size());
    for (const auto& [path, content] : mirror) {
      auto it = files->find(path);
      ASSERT_NE(it, files->end()) << "not read: " << path;
      EXPECT_TRUE(it->second == content) << "bytes differ: " << path;
    }
  }

  std::string endpoint_, bucket_, mirror_;
  const mp_plugin_descriptor* descriptor_ = nullptr;
};

TEST_P(S3Peer, DescriptorNamesSchemeAndShipsSchema) {
  EXPECT_EQ(descriptor_->abi_version, MP_PLUGIN_ABI_VERSION);
  EXPECT_EQ(descriptor_->kind, MP_PLUGIN_KIND_SOURCE);
  EXPECT_STREQ(descriptor_->names[0], "s3");
  ASSERT_NE(descriptor_->config_schema, nullptr);
  EXPECT_NO_THROW(Poco::JSON::Parser().parse(descriptor_->config_schema)) << "schema is not JSON";
  EXPECT_NE(std::string(descriptor_->config_schema).find("\"path_style\""), std::string::npos);
}

TEST_P(S3Peer, FolderPrefixMatchesTheWholeFolderOnly) {
  Fixture({"siblings"});
  const std::set<std::string> expected = {"saved_model.pb", "variables/variables.index"};
  ExpectSameAsMirror("s3://" + bucket_ + "/models/m1", "models/m1", expected);
  ExpectSameAsMirror("s3://" + bucket_ + "/models/m1/", "models/m1", expected);
}

TEST_P(S3Peer, FolderMarkersAreNotFiles) {
  Fixture({"markers"});
  ExpectSameAsMirror("s3://" + bucket_ + "/export", "export",
                     {"1/saved_model.pb", "1/variables/variables.data-00000-of-00001"});
}

TEST_P(S3Peer, PageSizeTwoStillListsAllFive) {
  Fixture({"five"});
  ConfigValue options = Options({{"page_size", "2"}});
  ExpectSameAsMirror("s3://" + bucket_ + "/paged", "paged",
                     {"file-0.bin", "file-1.bin", "file-2.bin", "file-3.bin", "file-4.bin"},
                     &options);
}

TEST_P(S3Peer, SpecialCharacterKeysReadBackByteForByte) {
  Fixture({"special"});
  ExpectSameAsMirror("s3://" + bucket_ + "/special", "special",
                     {"sft/p=5/000000_1", "this+that/somefile.txt",
                      "scratch/objectwithspecialchar@", "a?txt", "dir with space/f.bin",
                      "ü/ß.bin", "x/~tilde-_.bin"});
}

TEST_P(S3Peer, SavedModelTreeAndModelFolderNamedLikeItsFiles) {
  Fixture({"savedmodel", "modelfolder"});
  ExpectSameAsMirror("s3://" + bucket_ + "/pipelines/Trainer/model/12/Format-Serving",
                     "pipelines/Trainer/model/12/Format-Serving",
                     {"saved_model.pb", "fingerprint.pb", "keras_metadata.pb",
                      "variables/variables.index", "variables/variables.data-00000-of-00001",
                      "assets/vocab.txt"});
  ExpectSameAsMirror("s3://" + bucket_ + "/model/", "model",
                     {"model.pkl", "MLmodel", "conda.yaml", "modelcard.md", "model/model.pkl"});
}

TEST_P(S3Peer, ByteRangesAndStat) {
  Fixture({"large"});
  auto source = MakeOrFail("s3://" + bucket_ + "/large");
  ASSERT_NE(source, nullptr);
  std::string blob = cloudtest::MirrorFiles(mirror_ + "/large")["blob.bin"];
  auto stat = source->Stat("blob.bin");  // before List: a HEAD request
  ASSERT_TRUE(stat.ok()) << stat.status().ToString();
  EXPECT_EQ(stat->size, blob.size());
  auto middle = cloudtest::ReadThrough(*source, "blob.bin", 1000, 70000);
  ASSERT_TRUE(middle.ok()) << middle.status().ToString();
  EXPECT_TRUE(*middle == blob.substr(1000, 70000));
  auto tail = cloudtest::ReadThrough(*source, "blob.bin", blob.size() - 5);
  ASSERT_TRUE(tail.ok());
  EXPECT_TRUE(*tail == blob.substr(blob.size() - 5));
  auto empty = cloudtest::ReadThrough(*source, "empty.bin");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(*empty, "");
  EXPECT_EQ(source->Stat("missing.bin").status().code(), StatusCode::kNotFound);
}

TEST_P(S3Peer, MissingBucketOrEmptyPrefixIsNotFound) {
  auto source = MakeOrFail("s3://" + bucket_ + "-absent/paged");
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->List().status().code(), StatusCode::kNotFound);
  Fixture({"five"});
  auto empty = MakeOrFail("s3://" + bucket_ + "/pag");  // "pag" is not the folder "paged"
  EXPECT_EQ(empty->List().status().code(), StatusCode::kNotFound);
}

TEST_P(S3Peer, CredentialsFromAProfileFile) {
  Fixture({"five"});
  std::string dir = ::testing::TempDir() + "/" + bucket_ + "-aws";
  cloudtest::Run("mkdir -p " + Quote(dir));
  std::ofstream(dir + "/credentials") << "[ci]\naws_access_key_id = " << getenv("AWS_ACCESS_KEY_ID")
                                      << "\naws_secret_access_key = "
                                      << getenv("AWS_SECRET_ACCESS_KEY") << "\n";
  std::ofstream(dir + "/config") << "[profile ci]\nregion = us-east-1\nendpoint_url = "
                                 << endpoint_ << "\n";
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ::unsetenv("AWS_ENDPOINT_URL");
  ::setenv("AWS_SHARED_CREDENTIALS_FILE", (dir + "/credentials").c_str(), 1);
  ::setenv("AWS_CONFIG_FILE", (dir + "/config").c_str(), 1);
  ::setenv("AWS_PROFILE", "ci", 1);
  auto source = MakeOrFail("s3://" + bucket_ + "/paged");
  ::unsetenv("AWS_PROFILE");
  ::setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
  ::setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
  ASSERT_NE(source, nullptr);
  auto files = source->List();
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_EQ(files->size(), 5u);
}

TEST_P(S3Peer, WrongSecretIsUnauthenticatedAndNeverLogged) {
  if (GetParam() == "moto") GTEST_SKIP() << "moto does not verify signatures";
  Fixture({"five"});
  ::setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-value-for-test", 1);
  std::vector<std::string> lines;
  std::mutex mutex;
  log::SetLevel(LogLevel::kTrace);
  log::SetSink([&](LogLevel, const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex);
    lines.push_back(line);
  });
  auto source = MakeOrFail("s3://" + bucket_ + "/paged");
  auto files = source->List();
  log::SetSink(nullptr);
  log::SetLevel(LogLevel::kInfo);
  EXPECT_EQ(files.status().code(), StatusCode::kUnauthenticated) << files.status().ToString();
  EXPECT_FALSE(lines.empty());
  for (const auto& line : lines) {
    EXPECT_EQ(line.find("wrong-secret-value-for-test"), std::string::npos) << line;
    EXPECT_EQ(line.find("Signature="), std::string::npos) << line;
  }
  EXPECT_EQ(files.status().message().find("wrong-secret-value-for-test"), std::string::npos);
}

// Faults, through a proxy in front of the real server.
class S3Fault : public S3Peer {
 protected:
  void SetUp() override {
    S3Peer::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    proxy_ = std::make_unique<cloudtest::Background>(
        "python3 " + Quote(cloudtest::TestsDir() + "/fault_proxy.py") + " --upstream " +
        Quote(endpoint_));
    ASSERT_GT(proxy_->port(), 0);
    ::setenv("AWS_ENDPOINT_URL", proxy_->url().c_str(), 1);
  }
  std::unique_ptr<cloudtest::Background> proxy_;
};

TEST_P(S3Fault, TruncatedBodyIsResumedWithRange) {
  Fixture({"large"});
  cloudtest::SetFault(proxy_->url(), "mode=truncate&count=2&match=blob.bin");
  ExpectSameAsMirror("s3://" + bucket_ + "/large", "large", {"blob.bin", "empty.bin"});
  EXPECT_NE(cloudtest::FaultStats(proxy_->url()).find("\"applied\": 2"), std::string::npos);
}

TEST_P(S3Fault, ServiceUnavailableIsRetried) {
  Fixture({"five"});
  cloudtest::SetFault(proxy_->url(), "mode=status503&count=2&match=file-3");
  ExpectSameAsMirror("s3://" + bucket_ + "/paged", "paged",
                     {"file-0.bin", "file-1.bin", "file-2.bin", "file-3.bin", "file-4.bin"});
  EXPECT_NE(cloudtest::FaultStats(proxy_->url()).find("\"applied\": 2"), std::string::npos);
}

TEST_P(S3Fault, PersistentServiceUnavailableFailsAsUnavailable) {
  Fixture({"five"});
  auto source = MakeOrFail("s3://" + bucket_ + "/paged");
  cloudtest::SetFault(proxy_->url(), "mode=status503&count=-1&match=list-type");
  EXPECT_EQ(source->List().status().code(), StatusCode::kUnavailable);
}

TEST_P(S3Fault, RepeatedContinuationTokenFailsInsteadOfLooping) {
  Fixture({"five"});
  ConfigValue options = Options({{"page_size", "2"}});
  auto source = MakeOrFail("s3://" + bucket_ + "/paged", &options);
  cloudtest::SetFault(proxy_->url(), "mode=repeat_token&count=-1&match=list-type");
  auto files = source->List();
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.status().message().find("twice"), std::string::npos)
      << files.status().ToString();
}

TEST_P(S3Fault, TruncatedPageWithoutTokenContinuesAfterLastKey) {
  Fixture({"five"});
  ConfigValue options = Options({{"page_size", "2"}});
  cloudtest::SetFault(proxy_->url(), "mode=drop_token&count=-1&match=list-type");
  ExpectSameAsMirror("s3://" + bucket_ + "/paged", "paged",
                     {"file-0.bin", "file-1.bin", "file-2.bin", "file-3.bin", "file-4.bin"},
                     &options);
  EXPECT_NE(cloudtest::FaultStats(proxy_->url()).find("\"applied\": 3"), std::string::npos);
}

TEST_P(S3Fault, BucketInAnotherRegionIsResignedOnce) {
  Fixture({"five"});
  cloudtest::SetFault(proxy_->url(), "mode=region&region=eu-west-3");
  ExpectSameAsMirror("s3://" + bucket_ + "/paged", "paged",
                     {"file-0.bin", "file-1.bin", "file-2.bin", "file-3.bin", "file-4.bin"});
  // One redirect, then every request (list and five reads) signed for eu-west-3.
  EXPECT_NE(cloudtest::FaultStats(proxy_->url()).find("\"redirected\": 1"), std::string::npos);
}

TEST_P(S3Fault, RegionRedirectThatPersistsFailsNamingTheRegion) {
  Fixture({"five"});
  cloudtest::SetFault(proxy_->url(), "mode=region_always&region=ap-northeast-2");
  auto source = MakeOrFail("s3://" + bucket_ + "/paged");
  auto files = source->List();
  EXPECT_EQ(files.status().code(), StatusCode::kFailedPrecondition) << files.status().ToString();
  EXPECT_NE(files.status().message().find("ap-northeast-2"), std::string::npos);
  // The first answer switched the region once; the second was not followed again.
  EXPECT_NE(cloudtest::FaultStats(proxy_->url()).find("\"redirected\": 2"), std::string::npos);
}

TEST_P(S3Fault, AnonymousRequestsCarryNoSignature) {
  Fixture({"five"});
  ConfigValue options = Options({{"anonymous", "true"}});
  auto source = MakeOrFail("s3://" + bucket_ + "/paged", &options);
  auto files = source->List();
  if (GetParam() == "minio") {
    // The fixture bucket is private: MinIO refuses an unsigned listing.
    EXPECT_EQ(files.status().code(), StatusCode::kPermissionDenied) << files.status().ToString();
  } else {
    ASSERT_TRUE(files.ok()) << files.status().ToString();  // moto serves unsigned requests
    EXPECT_EQ(files->size(), 5u);
  }
  std::string stats = cloudtest::FaultStats(proxy_->url());
  EXPECT_NE(stats.find("\"auth\": [\"\"]"), std::string::npos) << stats;
}

TEST_P(S3Fault, EmptyBodyForAListedObjectIsDataLoss) {
  Fixture({"five"});
  auto source = MakeOrFail("s3://" + bucket_ + "/paged");
  ASSERT_TRUE(source->List().ok());
  cloudtest::SetFault(proxy_->url(), "mode=empty_body&count=-1&match=file-2");
  auto content = cloudtest::ReadThrough(*source, "file-2.bin");
  EXPECT_FALSE(content.ok());
}

std::string KindName(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

INSTANTIATE_TEST_SUITE_P(Servers, S3Peer, ::testing::Values("minio", "moto"), KindName);
INSTANTIATE_TEST_SUITE_P(Servers, S3Fault, ::testing::Values("minio", "moto"), KindName);

}  // namespace
}  // namespace modelpusher
