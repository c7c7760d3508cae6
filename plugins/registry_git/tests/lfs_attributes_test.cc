#include "lfs_attributes.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace modelpusher::git {
namespace {

size_t CountLines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

TEST(LfsAttributes, MatchesLikeGit) {
  EXPECT_TRUE(AttributesPatternMatches("*.mds", "shards/shard.00000.mds"));
  EXPECT_TRUE(AttributesPatternMatches("*tfevents*", "logs/events.out.tfevents.1.host.1.v2"));
  EXPECT_TRUE(AttributesPatternMatches("/shards/*.mds", "shards/a.mds"));
  EXPECT_FALSE(AttributesPatternMatches("/shards/*.mds", "x/shards/a.mds"));
  EXPECT_FALSE(AttributesPatternMatches("/*.json", "sub/config.json"));
  EXPECT_TRUE(AttributesPatternMatches("**/deep/*.bin", "a/b/deep/x.bin"));
  EXPECT_TRUE(AttributesPatternMatches("/a[[:space:]]b.bin", "a b.bin"));
}

TEST(LfsAttributes, ThresholdAndNamesDecide) {
  std::vector<PlannedFile> files = {
      {"README.md", 1024},
      {"assets/.gitkeep", 0},
      {"config.json", 100},
      {"empty.pkl", 0},
      {"logs/events.out.tfevents.1625668537.host.1.v2", 2000},
      {"tokenizer.json", 1025},
      {"weights.7z.193", 1500},
      {"weights.safetensors.part-001", 1500},
  };
  LfsPlan plan = PlanLfs(files, 1024, {}, "");
  std::vector<bool> expected = {false, false, false, false, true, true, true, true};
  EXPECT_EQ(plan.lfs, expected);
  // tokenizer.json gets its own line: "*.json" would capture config.json.
  EXPECT_NE(plan.gitattributes.find("/tokenizer.json filter=lfs"), std::string::npos);
  EXPECT_NE(plan.gitattributes.find("*.7z.* filter=lfs diff=lfs merge=lfs -text"),
            std::string::npos);
  EXPECT_NE(plan.gitattributes.find("*.safetensors.* filter=lfs"), std::string::npos);
  EXPECT_NE(plan.gitattributes.find("*tfevents* filter=lfs"), std::string::npos);
  EXPECT_EQ(CountLines(plan.gitattributes), 4u);
}

TEST(LfsAttributes, ManyShardsAddOnePattern) {
  std::vector<PlannedFile> files;
  for (int i = 0; i < 300; ++i) {
    char name[64];
    std::snprintf(name, sizeof(name), "shards/shard.%05d.mds", i);
    files.push_back({name, 2000});
  }
  LfsPlan plan = PlanLfs(files, 1024, {}, "");
  EXPECT_EQ(plan.gitattributes, "*.mds filter=lfs diff=lfs merge=lfs -text\n");
  EXPECT_TRUE(std::all_of(plan.lfs.begin(), plan.lfs.end(), [](bool b) { return b; }));
}

TEST(LfsAttributes, KeepsAndHonoursTheBaseRules) {
  std::string base = "*.bin filter=lfs diff=lfs merge=lfs -text\n*.txt text\n";
  LfsPlan plan = PlanLfs({{"small.bin", 10}, {"big.bin", 5000}, {"notes.txt", 10}}, 1024, {},
                         base);
  EXPECT_EQ(plan.gitattributes, base);  // already covered: nothing added
  EXPECT_EQ(plan.lfs, (std::vector<bool>{true, true, false}));
}

TEST(LfsAttributes, ConfigPatternsApplyToSmallFiles) {
  LfsPlan plan = PlanLfs({{"a.onnx", 10}, {"b.onnx", 0}}, 1024, {"*.onnx"}, "");
  EXPECT_EQ(plan.lfs, (std::vector<bool>{true, false}));  // empty files stay plain blobs
  EXPECT_EQ(plan.gitattributes, "*.onnx filter=lfs diff=lfs merge=lfs -text\n");
}

TEST(LfsAttributes, NeverMakesAttributeFilesLfs) {
  LfsPlan plan = PlanLfs({{".gitattributes", 4000}, {".gitignore", 4000}, {"x", 4000}}, 1024,
                         {"*"}, "");
  EXPECT_EQ(plan.lfs, (std::vector<bool>{false, false, true}));
  EXPECT_NE(plan.gitattributes.find(".gitattributes !filter"), std::string::npos);
}

TEST(LfsAttributes, FileWithoutExtensionGetsItsPathLine) {
  LfsPlan plan = PlanLfs({{"bin/model", 4000}, {"bin/tool", 10}}, 1024, {}, "");
  EXPECT_EQ(plan.gitattributes, "/bin/model filter=lfs diff=lfs merge=lfs -text\n");
}

}  // namespace
}  // namespace modelpusher::git
