// The gs plugin end to end, loaded as a plugin, against fake-gcs-server on loopback, with
// fixtures written by the official google-cloud-storage client, OAuth flows checked by a
// local token endpoint (RS256 signature verified with the throwaway key's public half), and
// faults injected by a proxy in front of the emulator.

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <set>
#include <mutex>
#include <thread>

#include "modelpusher/hash.h"
#include "modelpusher/http.h"
#include "modelpusher/log.h"
#include "peer_process.h"

namespace modelpusher {
namespace {

using cloudtest::Quote;

struct Shared {
  std::map<std::string, std::string> env;
  std::string bucket, mirror, error;
  bool ready = false;
};

Shared& Peer() {
  static Shared shared;
  return shared;
}

class PeerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    for (const char* name : {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                             "GOOGLE_APPLICATION_CREDENTIALS", "STORAGE_EMULATOR_HOST"}) {
      ::unsetenv(name);
    }
    ::setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    ::setenv("CLOUDSDK_CONFIG", "/nonexistent/gcloud", 1);
    SetRetryDelayScaleForTesting(0.01);
    Shared& peer = Peer();
    peer.env = cloudtest::StartPeers("--gcs");
    if (peer.env.empty()) {
      peer.error = "could not start fake-gcs-server (run scripts/setup/cloud.sh)";
      return;
    }
    peer.bucket = "mp-gcs-" + std::to_string(::getpid());
    peer.mirror = ::testing::TempDir() + "/" + peer.bucket;
    bool ok = false;
    cloudtest::Run("python3 " + Quote(cloudtest::TestsDir() + "/fixtures.py") + " gcs" +
                       " --endpoint " + Quote(peer.env["MP_GCS_ENDPOINT"]) + " --bucket " +
                       peer.bucket + " --mirror " + Quote(peer.mirror) +
                       " --set gcs_special --set markers --set five --set siblings" +
                       " --set savedmodel --set modelfolder --set large 2>&1",
                   &ok);
    if (!ok) peer.error = "writing the fixtures with google-cloud-storage failed";
    peer.ready = ok;
  }
  void TearDown() override { cloudtest::StopPeers(Peer().env); }
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new PeerEnvironment);

class GcsPeer : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Peer().ready) << Peer().error;
    endpoint_ = Peer().env["MP_GCS_ENDPOINT"];
    bucket_ = Peer().bucket;
    mirror_ = Peer().mirror;
    // An unused loopback port: a metadata probe finds nothing there.
    ::setenv("GCE_METADATA_HOST", "127.0.0.1:9", 1);
    ::unsetenv("GOOGLE_APPLICATION_CREDENTIALS");
    ::setenv("STORAGE_EMULATOR_HOST", endpoint_.c_str(), 1);
    descriptor_ = cloudtest::LoadPlugin(MP_GCS_PLUGIN_PATH);
    ASSERT_NE(descriptor_, nullptr);
  }

  std::unique_ptr<StorageSource> MakeOrFail(const std::string& uri,
                                            const ConfigValue* options = nullptr) {
    auto source = descriptor_->create_source(SourceContext{uri, options});
    EXPECT_TRUE(source.ok()) << source.status().ToString();
    return source.ok() ? std::move(source).value() : nullptr;
  }

  static ConfigValue Options(std::initializer_list<std::pair<std::string, std::string>> kv) {
    ConfigValue map = ConfigValue::Map({});
    for (const auto& [k, v] : kv) map.Set(k, ConfigValue::Scalar(v, false, {}));
    return map;
  }

  void ExpectSameAsMirror(const std::string& folder, const std::set<std::string>& expected,
                          const ConfigValue* options = nullptr, bool trailing_slash = false) {
    auto source = MakeOrFail("gs://" + bucket_ + "/" + folder + (trailing_slash ? "/" : ""),
                             options);
    ASSERT_NE(source, nullptr);
    auto listed = source->List();
    ASSERT_TRUE(listed.ok()) << listed.status().ToString();
    auto files = cloudtest::ReadAllFiles(*source);
    ASSERT_TRUE(files.ok()) << files.status().ToString();
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
    for (const FileEntry& entry : *listed) {
      EXPECT_EQ(entry.md5, Md5Hex(mirror[entry.path])) << entry.path;
    }
  }

  std::string endpoint_, bucket_, mirror_;
  const mp_plugin_descriptor* descriptor_ = nullptr;
};

TEST_F(GcsPeer, DescriptorNamesSchemeAndShipsSchema) {
  EXPECT_EQ(descriptor_->abi_version, MP_PLUGIN_ABI_VERSION);
  EXPECT_STREQ(descriptor_->names[0], "gs");
  ASSERT_NE(descriptor_->config_schema, nullptr);
  EXPECT_NO_THROW(Poco::JSON::Parser().parse(descriptor_->config_schema)) << "schema is not JSON";
  EXPECT_NE(std::string(descriptor_->config_schema).find("credentials_file"), std::string::npos);
}

TEST_F(GcsPeer, ObjectNamesWithHashQuestionMarkAndBrackets) {
  ExpectSameAsMirror("m", {"#notes.json", "q?.txt", "[foo]", "saved_model.pb"});
}

TEST_F(GcsPeer, FolderPrefixMatchesTheWholeFolderOnly) {
  ExpectSameAsMirror("models/m1", {"saved_model.pb", "variables/variables.index"});
  ExpectSameAsMirror("models/m1", {"saved_model.pb", "variables/variables.index"}, nullptr,
                     true);
}

TEST_F(GcsPeer, FolderMarkersAreNotFiles) {
  ExpectSameAsMirror("export", {"1/saved_model.pb", "1/variables/variables.data-00000-of-00001"});
}

TEST_F(GcsPeer, PageSizeTwoStillListsAllFive) {
  ConfigValue options = Options({{"page_size", "2"}});
  ExpectSameAsMirror("paged",
                     {"file-0.bin", "file-1.bin", "file-2.bin", "file-3.bin", "file-4.bin"},
                     &options);
}

TEST_F(GcsPeer, SavedModelTreeAndModelFolderNamedLikeItsFiles) {
  ExpectSameAsMirror("pipelines/Trainer/model/12/Format-Serving",
                     {"saved_model.pb", "fingerprint.pb", "keras_metadata.pb",
                      "variables/variables.index", "variables/variables.data-00000-of-00001",
                      "assets/vocab.txt"});
  ExpectSameAsMirror("model",
                     {"model.pkl", "MLmodel", "conda.yaml", "modelcard.md", "model/model.pkl"});
}

TEST_F(GcsPeer, ByteRangesStatAndMissingObjects) {
  auto source = MakeOrFail("gs://" + bucket_ + "/large");
  ASSERT_NE(source, nullptr);
  std::string blob = cloudtest::MirrorFiles(mirror_ + "/large")["blob.bin"];
  auto stat = source->Stat("blob.bin");  // before List: objects.get
  ASSERT_TRUE(stat.ok()) << stat.status().ToString();
  EXPECT_EQ(stat->size, blob.size());
  EXPECT_EQ(stat->md5, Md5Hex(blob));
  auto middle = cloudtest::ReadThrough(*source, "blob.bin", 12345, 100000);
  ASSERT_TRUE(middle.ok()) << middle.status().ToString();
  EXPECT_TRUE(*middle == blob.substr(12345, 100000));
  auto empty = cloudtest::ReadThrough(*source, "empty.bin");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(*empty, "");
  EXPECT_EQ(source->Stat("missing.bin").status().code(), StatusCode::kNotFound);
  auto absent = MakeOrFail("gs://" + bucket_ + "-absent/large");
  EXPECT_EQ(absent->List().status().code(), StatusCode::kNotFound);
}

// OAuth flows: a token endpoint that verifies what the plugin presents, and a proxy that
// records the Authorization header the emulator receives.
class GcsAuth : public GcsPeer {
 protected:
  void SetUp() override {
    GcsPeer::SetUp();
    if (HasFatalFailure()) return;
    dir_ = ::testing::TempDir() + "/mp-gcs-auth-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    StartTokenServer(3600);
    proxy_ = std::make_unique<cloudtest::Background>(
        "python3 " + Quote(cloudtest::TestsDir() + "/fault_proxy.py") + " --upstream " +
        Quote(endpoint_));
    ASSERT_GT(proxy_->port(), 0);
    ::unsetenv("STORAGE_EMULATOR_HOST");  // credentials are looked up only without it
  }

  void StartTokenServer(int expires_in) {
    tokens_.reset();
    tokens_ = std::make_unique<cloudtest::Background>(
        "python3 " + Quote(cloudtest::TestsDir() + "/token_server.py") + " --dir " +
        Quote(dir_) + " --expires-in " + std::to_string(expires_in));
    ASSERT_GT(tokens_->port(), 0);
  }

  std::string TokenStats() { return cloudtest::Run("curl -sf " + Quote(tokens_->url() + "/__stats")); }

  // Lists and reads the five-file folder through the recording proxy.
  Status ReadFive(StorageSource* source = nullptr) {
    std::unique_ptr<StorageSource> own;
    if (source == nullptr) {
      ConfigValue options = Options({{"endpoint", proxy_->url()}});
      auto made = descriptor_->create_source(SourceContext{"gs://" + bucket_ + "/paged", &options});
      if (!made.ok()) return made.status();
      own = std::move(made).value();
      source = own.get();
    }
    auto files = cloudtest::ReadAllFiles(*source);
    if (!files.ok()) return files.status();
    return files->size() == 5 ? Status::Ok() : InternalError("not five files");
  }

  std::string dir_;
  std::unique_ptr<cloudtest::Background> tokens_, proxy_;
};

TEST_F(GcsAuth, ServiceAccountJwtIsVerifiedAndTokenCached) {
  ::setenv("GOOGLE_APPLICATION_CREDENTIALS", (dir_ + "/service_account.json").c_str(), 1);
  std::vector<std::string> lines;
  std::mutex mutex;
  log::SetLevel(LogLevel::kTrace);
  log::SetSink([&](LogLevel, const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex);
    lines.push_back(line);
  });
  Status status = ReadFive();
  log::SetSink(nullptr);
  log::SetLevel(LogLevel::kInfo);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_FALSE(lines.empty());
  for (const auto& line : lines) EXPECT_EQ(line.find("sa-token-1"), std::string::npos) << line;
  std::string stats = TokenStats();
  EXPECT_NE(stats.find("\"sa\": 1,"), std::string::npos) << stats;  // one token for 6 calls
  EXPECT_NE(stats.find("\"refused\": 0"), std::string::npos) << stats;
  std::string seen = cloudtest::FaultStats(proxy_->url());
  EXPECT_NE(seen.find("Bearer sa-token-1"), std::string::npos) << seen;
}

TEST_F(GcsAuth, AuthorizedUserRefreshTokenFlow) {
  ::setenv("GOOGLE_APPLICATION_CREDENTIALS", (dir_ + "/authorized_user.json").c_str(), 1);
  Status status = ReadFive();
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_NE(TokenStats().find("\"user\": 1,"), std::string::npos) << TokenStats();
  EXPECT_NE(cloudtest::FaultStats(proxy_->url()).find("Bearer user-token-1"), std::string::npos);
}

TEST_F(GcsAuth, MetadataServerWhenNoCredentialsFile) {
  ::setenv("GCE_METADATA_HOST", ("127.0.0.1:" + std::to_string(tokens_->port())).c_str(), 1);
  Status status = ReadFive();
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_NE(TokenStats().find("\"metadata\": 1,"), std::string::npos) << TokenStats();
  EXPECT_NE(cloudtest::FaultStats(proxy_->url()).find("Bearer md-token-1"), std::string::npos);
}

TEST_F(GcsAuth, AnonymousWhenNothingIsFound) {
  Status status = ReadFive();
  ASSERT_TRUE(status.ok()) << status.ToString();
  std::string seen = cloudtest::FaultStats(proxy_->url());
  EXPECT_EQ(seen.find("Bearer"), std::string::npos) << seen;
}

TEST_F(GcsAuth, ExpiringTokenIsRefreshed) {
  StartTokenServer(2);  // cached for 1 s (half-life of a short-lived token)
  ::setenv("GOOGLE_APPLICATION_CREDENTIALS", (dir_ + "/service_account.json").c_str(), 1);
  ConfigValue options = Options({{"endpoint", proxy_->url()}});
  auto made = descriptor_->create_source(SourceContext{"gs://" + bucket_ + "/paged", &options});
  ASSERT_TRUE(made.ok());
  ASSERT_TRUE(ReadFive(made->get()).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  ASSERT_TRUE(ReadFive(made->get()).ok());
  EXPECT_NE(TokenStats().find("\"sa\": 2,"), std::string::npos) << TokenStats();
}

TEST_F(GcsAuth, KeyTheEndpointDoesNotKnowIsUnauthenticatedAndNotLogged) {
  // Replace the key with another throwaway key: the signature no longer verifies.
  bool ok = false;
  cloudtest::Run("python3 -c " + Quote(
      "import json,sys\n"
      "from cryptography.hazmat.primitives.asymmetric import rsa\n"
      "from cryptography.hazmat.primitives import serialization as s\n"
      "p=sys.argv[1]; d=json.load(open(p))\n"
      "k=rsa.generate_private_key(public_exponent=65537,key_size=2048)\n"
      "d['private_key']=k.private_bytes(s.Encoding.PEM,s.PrivateFormat.PKCS8,"
      "s.NoEncryption()).decode()\n"
      "json.dump(d,open(p+'.other','w'))\n") + " " + Quote(dir_ + "/service_account.json"), &ok);
  ASSERT_TRUE(ok);
  ::setenv("GOOGLE_APPLICATION_CREDENTIALS", (dir_ + "/service_account.json.other").c_str(), 1);
  std::vector<std::string> lines;
  std::mutex mutex;
  log::SetLevel(LogLevel::kTrace);
  log::SetSink([&](LogLevel, const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex);
    lines.push_back(line);
  });
  Status status = ReadFive();
  log::SetSink(nullptr);
  log::SetLevel(LogLevel::kInfo);
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated) << status.ToString();
  EXPECT_NE(TokenStats().find("bad JWT signature"), std::string::npos) << TokenStats();
  for (const auto& line : lines) {
    EXPECT_EQ(line.find("PRIVATE KEY"), std::string::npos) << line;
    EXPECT_EQ(line.find("assertion="), std::string::npos) << line;
  }
}

// Faults through the proxy, with the emulator's no-auth mode.
class GcsFault : public GcsPeer {
 protected:
  void SetUp() override {
    GcsPeer::SetUp();
    if (HasFatalFailure()) return;
    proxy_ = std::make_unique<cloudtest::Background>(
        "python3 " + Quote(cloudtest::TestsDir() + "/fault_proxy.py") + " --upstream " +
        Quote(endpoint_));
    ASSERT_GT(proxy_->port(), 0);
    ::setenv("STORAGE_EMULATOR_HOST", proxy_->url().c_str(), 1);
  }
  std::unique_ptr<cloudtest::Background> proxy_;
};

TEST_F(GcsFault, RepeatedPageTokenFailsInsteadOfLooping) {
  ConfigValue options = Options({{"page_size", "2"}});
  auto source = MakeOrFail("gs://" + bucket_ + "/paged", &options);
  cloudtest::SetFault(proxy_->url(), "mode=repeat_token&count=-1&match=/o%3F");
  cloudtest::SetFault(proxy_->url(), "mode=repeat_token&count=-1&match=prefix=");
  auto files = source->List();
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.status().message().find("twice"), std::string::npos)
      << files.status().ToString();
}

TEST_F(GcsFault, TruncatedBodyIsResumedWithRange) {
  cloudtest::SetFault(proxy_->url(), "mode=truncate&count=1&match=blob.bin");
  ExpectSameAsMirror("large", {"blob.bin", "empty.bin"});
  EXPECT_NE(cloudtest::FaultStats(proxy_->url()).find("\"applied\": 1"), std::string::npos);
}

TEST_F(GcsFault, ZeroByteAnswerForANonEmptyObjectIsAnError) {
  auto source = MakeOrFail("gs://" + bucket_ + "/m");
  ASSERT_TRUE(source->List().ok());
  cloudtest::SetFault(proxy_->url(), "mode=empty_body&count=-1&match=saved_model.pb");
  auto content = cloudtest::ReadThrough(*source, "saved_model.pb");
  EXPECT_FALSE(content.ok());
}

TEST_F(GcsFault, ServiceUnavailableIsRetried) {
  cloudtest::SetFault(proxy_->url(), "mode=status503&count=2&match=prefix=");
  ExpectSameAsMirror("m", {"#notes.json", "q?.txt", "[foo]", "saved_model.pb"});
}

}  // namespace
}  // namespace modelpusher
