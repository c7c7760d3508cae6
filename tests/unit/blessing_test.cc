#include <gtest/gtest.h>

#include <filesystem>

#include "blessing/blessing.h"
#include "modelpusher/temp_dir.h"
#include "modelpusher/testing/fixtures.h"

namespace fs = std::filesystem;

namespace modelpusher::internal {
namespace {

class BlessingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(host_.Discover().ok());
    auto dir = TempDir::Make("mp_blessing_");
    ASSERT_TRUE(dir.ok());
    dir_ = std::make_unique<TempDir>(std::move(dir).value());
  }

  // A blessing folder holding the given marker files (empty strings = none).
  std::string Folder(const std::string& name, std::vector<std::string> markers) {
    fs::path p = fs::path(dir_->path()) / name;
    fs::create_directories(p);
    std::map<std::string, std::string> files;
    for (const auto& m : markers) files[m] = "";
    testing::WriteTree(p.string(), files);
    return p.string();
  }

  Result<BlessingDecision> Evaluate(BlessingRule::Kind kind, const std::string& path) {
    BlessingRule rule;
    rule.kind = kind;
    rule.path = path;
    return EvaluateBlessing(rule, host_);
  }

  PluginHost host_;
  std::unique_ptr<TempDir> dir_;
};

TEST_F(BlessingTest, BlessedMarkerBlesses) {
  auto d = Evaluate(BlessingRule::Kind::kTfx, Folder("b", {"BLESSED"}));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->blessed);
  EXPECT_NE(d->reason.find("BLESSED"), std::string::npos);
  EXPECT_EQ(d->rule.rfind("tfx:", 0), 0u);
}

TEST_F(BlessingTest, NotBlessedIsADecisionNotAnError) {
  auto d = Evaluate(BlessingRule::Kind::kTfx, Folder("n", {"NOT_BLESSED"}));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_FALSE(d->blessed);
  EXPECT_NE(d->reason.find("NOT_BLESSED"), std::string::npos);
}

TEST_F(BlessingTest, EmptyFolderIsAnError) {
  auto d = Evaluate(BlessingRule::Kind::kTfx, Folder("e", {}));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(d.status().message().find("is empty"), std::string::npos);
}

TEST_F(BlessingTest, BothMarkersAreAnError) {
  auto d = Evaluate(BlessingRule::Kind::kTfx, Folder("both", {"BLESSED", "NOT_BLESSED"}));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("holds both BLESSED and NOT_BLESSED"), std::string::npos);
}

TEST_F(BlessingTest, InfraMarkerUnderTfxRuleIsAnError) {
  auto d = Evaluate(BlessingRule::Kind::kTfx, Folder("infra", {"INFRA_BLESSED"}));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("marker for blessing.infra"), std::string::npos)
      << d.status().message();
}

TEST_F(BlessingTest, LowerCaseMarkerIsAnError) {
  auto d = Evaluate(BlessingRule::Kind::kTfx, Folder("lower", {"blessed"}));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("no recognised marker (found 'blessed')"),
            std::string::npos)
      << d.status().message();
}

TEST_F(BlessingTest, MissingPathIsAnError) {
  auto d = Evaluate(BlessingRule::Kind::kTfx, dir_->path() + "/does-not-exist");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kNotFound);
  EXPECT_NE(d.status().message().find("does not exist"), std::string::npos);
}

TEST_F(BlessingTest, NoneBlessesWhateverTheFolders) {
  Folder("e2", {});
  auto d = Evaluate(BlessingRule::Kind::kNone, "");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->blessed);
  EXPECT_EQ(d->rule, "none");
}

TEST_F(BlessingTest, InfraRuleReadsInfraMarkers) {
  auto yes = Evaluate(BlessingRule::Kind::kInfra, Folder("iy", {"INFRA_BLESSED"}));
  auto no = Evaluate(BlessingRule::Kind::kInfra, Folder("in", {"INFRA_NOT_BLESSED"}));
  ASSERT_TRUE(yes.ok() && no.ok());
  EXPECT_TRUE(yes->blessed);
  EXPECT_FALSE(no->blessed);
}

TEST_F(BlessingTest, MetricsThresholdsDecide) {
  testing::WriteTree(dir_->path(), {{"eval/metrics.json",
                                     R"({"accuracy": 0.93, "nested": {"loss": 0.41}})"}});
  BlessingRule rule;
  rule.kind = BlessingRule::Kind::kMetrics;
  rule.path = dir_->path() + "/eval/metrics.json";
  rule.require = {{"accuracy", ">= 0.90"}, {"nested.loss", "< 0.5"}};
  auto pass = EvaluateBlessing(rule, host_);
  ASSERT_TRUE(pass.ok()) << pass.status().ToString();
  EXPECT_TRUE(pass->blessed);
  EXPECT_DOUBLE_EQ(pass->metrics.at("accuracy"), 0.93);

  rule.require = {{"accuracy", ">= 0.95"}};
  auto fail = EvaluateBlessing(rule, host_);
  ASSERT_TRUE(fail.ok());
  EXPECT_FALSE(fail->blessed);
  EXPECT_NE(fail->reason.find("accuracy 0.93 fails >= 0.95"), std::string::npos) << fail->reason;

  rule.require = {{"f1", ">= 0.5"}};
  auto missing = EvaluateBlessing(rule, host_);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("'f1' is not in"), std::string::npos);
}

TEST_F(BlessingTest, MetricsThatAreNotUsableNumbersAreErrors) {
  struct Case {
    const char* file;
    const char* content;
    const char* message;
  };
  for (const Case& c : {
           Case{"nan.json", R"({"accuracy": NaN})", "no usable value"},
           Case{"inf.yaml", "accuracy: .inf\n", "no usable value"},
           Case{"string.json", R"({"accuracy": "0.99"})", "is '0.99', not a number"},
           Case{"dup.json", R"({"accuracy": 0.5, "accuracy": 0.99})", "appears twice"},
           Case{"dotted.json", R"({"a.b": 1, "a": {"b": 2}})", "both as one dotted key"},
       }) {
    testing::WriteTree(dir_->path(), {{c.file, c.content}});
    BlessingRule rule;
    rule.kind = BlessingRule::Kind::kMetrics;
    rule.path = dir_->path() + "/" + c.file;
    rule.require = {{std::string(c.file) == "dotted.json" ? "a.b" : "accuracy", ">= 0.9"}};
    auto d = EvaluateBlessing(rule, host_);
    ASSERT_FALSE(d.ok()) << c.file;
    EXPECT_NE(d.status().message().find(c.message), std::string::npos)
        << c.file << ": " << d.status().message();
  }
}

TEST_F(BlessingTest, AllNeedsEveryRuleAndAnyNeedsOne) {
  BlessingRule yes{BlessingRule::Kind::kTfx, Folder("y", {"BLESSED"}), {}, {}, {}};
  BlessingRule no{BlessingRule::Kind::kTfx, Folder("n2", {"NOT_BLESSED"}), {}, {}, {}};
  BlessingRule all{BlessingRule::Kind::kAll, "", {}, {yes, no}, {}};
  BlessingRule any{BlessingRule::Kind::kAny, "", {}, {no, yes}, {}};
  auto a = EvaluateBlessing(all, host_);
  auto b = EvaluateBlessing(any, host_);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->blessed);
  EXPECT_NE(a->rule.find(no.path), std::string::npos) << "the refusing rule decides";
  EXPECT_TRUE(b->blessed);
  EXPECT_NE(b->rule.find(yes.path), std::string::npos);

  BlessingRule yes2{BlessingRule::Kind::kTfx, Folder("y2", {"BLESSED"}), {}, {}, {}};
  auto both = EvaluateBlessing(BlessingRule{BlessingRule::Kind::kAll, "", {}, {yes, yes2}, {}},
                               host_);
  ASSERT_TRUE(both.ok());
  EXPECT_TRUE(both->blessed);
  EXPECT_NE(both->reason.find(yes.path), std::string::npos) << "every agreeing rule is named";
  EXPECT_NE(both->reason.find(yes2.path), std::string::npos) << both->reason;
}

}  // namespace
}  // namespace modelpusher::internal
