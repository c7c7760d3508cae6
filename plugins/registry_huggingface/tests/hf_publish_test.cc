// Publishing against the Hub-compatible test server: LFS routing, atomic commit per version,
// unchanged detection, refusal to overwrite, multipart.

#include <gtest/gtest.h>

#include "hf_json.h"
#include "hub_env.h"
#include "modelpusher/hash.h"
#include "modelpusher/http.h"
#include "modelpusher/url.h"

using namespace modelpusher;
using namespace hftest;

namespace {

class HubRegistry : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { SetRetryDelayScaleForTesting(0.01); }
};

// Files of the threshold scenario (lfs_threshold 1 KiB).
std::map<std::string, std::string> ThresholdFiles() {
  return {
      {"tokenizer.json", TextOfSize(1025, 't')},
      {"logs/events.out.tfevents.1625668537.host.1.v2", TextOfSize(2000, 'e')},
      {"weights.safetensors.part-001", TextOfSize(1500, 'w')},
      {"weights.7z.193", TextOfSize(1500, 'z')},
      {"config.json", TextOfSize(100, 'c')},
      {"README.md", TextOfSize(1024, 'r')},
      {"empty.pkl", ""},
      {"assets/.gitkeep", ""},
  };
}

std::map<std::string, hf::TreeFile> TreeAt(HubServer& hub, const std::string& repo,
                                           const std::string& rev) {
  auto r = hub.Get("/api/models/" + repo + "/tree/" + PercentEncode(rev) + "?recursive=true",
                   kWriteToken);
  std::map<std::string, hf::TreeFile> out;
  auto arr = hf::ParseArray(r.body, "tree");
  EXPECT_TRUE(arr.ok()) << r.body;
  for (size_t i = 0; arr.ok() && i < (*arr)->size(); ++i) {
    auto e = (*arr)->getObject(i);
    if (hf::GetStr(e, "type") != "file") continue;
    out[hf::GetStr(e, "path")] = {hf::GetStr(e, "path"), hf::GetStr(e, "oid"),
                                  static_cast<uint64_t>(hf::GetInt(e, "size", 0)),
                                  hf::GetStr(hf::GetObj(e, "lfs"), "oid")};
  }
  return out;
}

std::string BranchHead(HubServer& hub, const std::string& repo, const std::string& branch) {
  auto r = hub.Get("/api/models/" + repo + "/refs", kWriteToken);
  auto obj = hf::ParseObject(r.body, "refs");
  if (!obj.ok()) return "";
  auto arr = hf::GetArr(*obj, "branches");
  for (size_t i = 0; !arr.isNull() && i < arr->size(); ++i) {
    if (hf::GetStr(arr->getObject(i), "name") == branch) {
      return hf::GetStr(arr->getObject(i), "targetCommit");
    }
  }
  return "";
}

TEST_F(HubRegistry, RoutesFilesByThresholdAndCommitsOneVersionBranch) {
  HubServer hub;
  LogCapture logs;
  auto reg = MakeRegistry(hub, {.extra = {{"lfs_threshold", "1024"}}});
  auto files = ThresholdFiles();
  auto p = MakePushable(files, "1");
  auto result = reg->Publish(p.request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->status, PushStatus::kPushed);
  EXPECT_EQ(result->repo_id, "alice/model");
  EXPECT_EQ(result->branch, "v1");
  EXPECT_EQ(result->commit_id.size(), 40u);
  EXPECT_EQ(result->repo_url, hub.url() + "/alice/model/tree/v1");
  EXPECT_EQ(BranchHead(hub, "alice/model", "v1"), result->commit_id);
  std::string info = hub.Get("/api/models/alice/model", kWriteToken).body;
  EXPECT_TRUE(info.find("\"private\": true") != std::string::npos ||
              info.find("\"private\":true") != std::string::npos)
      << "created private by default: " << info;

  auto tree = TreeAt(hub, "alice/model", "v1");
  for (const char* lfs : {"tokenizer.json", "logs/events.out.tfevents.1625668537.host.1.v2",
                          "weights.safetensors.part-001", "weights.7z.193"}) {
    ASSERT_TRUE(tree.count(lfs)) << lfs;
    EXPECT_EQ(tree[lfs].lfs_oid, Sha256Hex(files[lfs])) << lfs << " should be an LFS file";
  }
  for (const char* regular : {"config.json", "README.md", "empty.pkl", "assets/.gitkeep"}) {
    ASSERT_TRUE(tree.count(regular)) << regular;
    EXPECT_TRUE(tree[regular].lfs_oid.empty()) << regular << " should be a regular file";
  }
  EXPECT_EQ(tree["empty.pkl"].size, 0u);
  // The model ships its README.md: no generated card replaces it.
  EXPECT_EQ(Resolve(hub, "alice/model", "v1", "README.md"), files["README.md"]);
  for (const auto& [path, content] : files) {
    EXPECT_EQ(Resolve(hub, "alice/model", "v1", path), content) << path;
  }

  auto stats = hub.Stats();
  EXPECT_EQ(StatInt(stats, "lfs.puts"), 4) << "exactly the four files above 1 KiB";
  EXPECT_EQ(StatInt(stats, "lfs.objects_stored"), 4) << "no LFS object for empty files";
  EXPECT_EQ(StatInt(stats, "upload_host.authorization_count"), 0)
      << "the Hub token reached the upload host";
  EXPECT_EQ(StatInt(stats, "commits"), 1) << "one commit per version";
  EXPECT_TRUE(logs.Contains("lfs files uploaded"));
  EXPECT_FALSE(logs.Contains(kWriteToken));
}

TEST_F(HubRegistry, GeneratesModelCardWithFrontMatter) {
  HubServer hub;
  // A threshold far below the card's size: the generated card still travels inline.
  auto reg = MakeRegistry(hub, {.extra = {{"lfs_threshold", "64"}}});
  auto p = MakePushable({{"saved_model.pb", RandomBytes(300, 1)}, {"config.json", "{}"}},
                        "1764860400");
  p.request.blessing.metrics = {{"accuracy", 0.93}, {"loss", 1e-05}};
  auto result = reg->Publish(p.request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  std::string card = Resolve(hub, "alice/model", "v1764860400", "README.md");
  EXPECT_EQ(card.rfind("---\n", 0), 0u);
  EXPECT_NE(card.find("pushed_version: \"1764860400\""), std::string::npos) << card;
  EXPECT_NE(card.find("- \"modelpusher\""), std::string::npos);
  EXPECT_NE(card.find("model-index:"), std::string::npos);
  EXPECT_NE(card.find("value: 0.93\n"), std::string::npos);
}

TEST_F(HubRegistry, IdenticalRepushIsUnchanged) {
  HubServer hub;
  auto reg = MakeRegistry(hub, {.extra = {{"lfs_threshold", "1024"}}});
  auto first = MakePushable(ThresholdFiles(), "1");
  auto pushed = reg->Publish(first.request);
  ASSERT_TRUE(pushed.ok()) << pushed.status().ToString();
  hub.ResetStats();

  auto again = MakePushable(ThresholdFiles(), "2");
  auto result = reg->Publish(again.request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->status, PushStatus::kUnchanged);
  EXPECT_EQ(result->branch, "v1");
  EXPECT_EQ(result->version, "1");
  EXPECT_EQ(result->commit_id, pushed->commit_id);
  auto stats = hub.Stats();
  EXPECT_EQ(StatInt(stats, "commits"), 0);
  EXPECT_EQ(StatInt(stats, "lfs.puts"), 0);
  EXPECT_EQ(StatInt(stats, "lfs.bytes_received_total"), 0);
  EXPECT_TRUE(BranchHead(hub, "alice/model", "v2").empty()) << "no branch for an unchanged push";

  // One changed byte is a new version.
  auto files = ThresholdFiles();
  files["config.json"][0] = 'X';
  auto changed = MakePushable(files, "2");
  auto third = reg->Publish(changed.request);
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ(third->status, PushStatus::kPushed);
  EXPECT_EQ(StatInt(hub.Stats(), "lfs.puts"), 0) << "LFS objects already stored are not resent";
}

TEST_F(HubRegistry, ExistingBranchIsAlreadyPublished) {
  HubServer hub;
  auto reg = MakeRegistry(hub, {});
  auto first = MakePushable({{"a.txt", "one"}}, "7");
  ASSERT_TRUE(reg->Publish(first.request).ok());
  std::string head = BranchHead(hub, "alice/model", "v7");
  hub.ResetStats();

  auto second = MakePushable({{"a.txt", "two"}}, "7");
  auto result = reg->Publish(second.request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(result.status().message().find("already published"), std::string::npos)
      << result.status().message();
  EXPECT_NE(result.status().message().find("v7"), std::string::npos);
  EXPECT_EQ(BranchHead(hub, "alice/model", "v7"), head);
  auto stats = hub.Stats();
  EXPECT_EQ(StatInt(stats, "commits"), 0);
  EXPECT_EQ(StatInt(stats, "lfs.puts"), 0);
  EXPECT_EQ(Resolve(hub, "alice/model", "v7", "a.txt"), "one");
}

TEST_F(HubRegistry, UploadsLargeFileInParts) {
  HubServer hub({"--chunk-size", "1048576", "--multipart-threshold", "1048576"});
  auto reg = MakeRegistry(hub, {});
  std::string big = RandomBytes(2 * 1048576 + 12345, 9);
  auto p = MakePushable({{"model.bin", big}, {"small.bin", RandomBytes(5000, 3)}}, "1");
  auto result = reg->Publish(p.request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  auto stats = hub.Stats();
  EXPECT_EQ(StatInt(stats, "lfs.part_puts"), 3);
  EXPECT_EQ(StatInt(stats, "lfs_complete_authorization_count"), 0)
      << "Hub token sent to the completion URL";
  EXPECT_EQ(StatInt(stats, "upload_host.authorization_count"), 0);
  EXPECT_EQ(Sha256Hex(Resolve(hub, "alice/model", "v1", "model.bin")), Sha256Hex(big));
}

TEST_F(HubRegistry, DryRunSendsNothingThatWrites) {
  HubServer hub;
  auto reg = MakeRegistry(hub, {});
  auto p = MakePushable({{"w.bin", RandomBytes(20000, 5)}, {"c.json", "{}"}}, "3");
  p.request.dry_run = true;
  auto result = reg->Publish(p.request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->status, PushStatus::kDryRun);
  EXPECT_EQ(result->branch, "v3");
  auto stats = hub.Stats();
  EXPECT_EQ(StatInt(stats, "commits"), 0);
  EXPECT_EQ(StatInt(stats, "lfs.puts"), 0);
  EXPECT_EQ(hub.Get("/api/models/alice/model", kWriteToken).status, 404) << "repo was created";
}

TEST_F(HubRegistry, ListsVersionsWithCommitsAndDigests) {
  HubServer hub;
  auto reg = MakeRegistry(hub, {});
  auto empty = reg->ListVersions();
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());
  auto a = MakePushable({{"f", "a"}}, "9");
  auto b = MakePushable({{"f", "b"}}, "10");
  auto ra = reg->Publish(a.request);
  auto rb = reg->Publish(b.request);
  ASSERT_TRUE(ra.ok() && rb.ok());
  auto versions = reg->ListVersions();
  ASSERT_TRUE(versions.ok()) << versions.status().ToString();
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, "9");
  EXPECT_EQ((*versions)[1].version, "10");
  EXPECT_EQ((*versions)[1].ref, "v10");
  EXPECT_EQ((*versions)[1].commit_id, rb->commit_id);
  EXPECT_EQ((*versions)[1].digest, b.request.digest);
}

TEST_F(HubRegistry, PublishesToOrganisationAsTag) {
  HubServer hub;
  auto reg = MakeRegistry(hub, {.repo = "acme/tagged", .extra = {{"ref_type", "tag"}}});
  auto p = MakePushable({{"w.bin", RandomBytes(4000, 2)}, {"c.json", "{}"}}, "5");
  auto result = reg->Publish(p.request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  auto r = hub.Get("/api/models/acme/tagged/refs", kWriteToken);
  EXPECT_NE(r.body.find("\"v5\""), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("modelpusher-staging"), std::string::npos) << "staging branch left";
  EXPECT_EQ(Resolve(hub, "acme/tagged", "v5", "c.json"), "{}");
  auto again = MakePushable({{"w.bin", RandomBytes(4000, 3)}}, "5");
  EXPECT_EQ(reg->Publish(again.request).status().code(), StatusCode::kAlreadyExists);
}

}  // namespace
