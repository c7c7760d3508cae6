#include <gtest/gtest.h>

#include "modelpusher/versioning.h"
#include "versioning/version_scheme.h"

namespace modelpusher::internal {
namespace {

VersionInputs Inputs() {
  VersionInputs in;
  in.now = 1764860400;  // 2025-12-04T15:00:00Z
  in.digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  return in;
}

std::string Version(const std::string& scheme, VersionInputs in = Inputs(),
                    const std::string& tmpl = "", const std::string& bump = "patch") {
  VersioningSpec spec;
  spec.scheme = scheme;
  spec.version_template = tmpl;
  spec.bump = bump;
  auto v = ComputeVersion(spec, in);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : "";
}

TEST(Versioning, TimestampIsWholeSecondsSinceTheEpoch) {
  EXPECT_EQ(Version("timestamp"), "1764860400");
}

TEST(Versioning, UtcIsAReadableStamp) { EXPECT_EQ(Version("utc"), "20251204T150000Z"); }

TEST(Versioning, DigestIsTwelveHexDigits) { EXPECT_EQ(Version("digest"), "0123456789ab"); }

TEST(Versioning, SemverBumpsTheHighestExistingVersion) {
  VersionInputs in = Inputs();
  in.existing = {"1.2.3", "1.10.0", "v1.9.9", "not-a-version", "1700000000"};
  EXPECT_EQ(Version("semver", in), "1.10.1");
  EXPECT_EQ(Version("semver", in, "", "minor"), "1.11.0");
  EXPECT_EQ(Version("semver", in, "", "major"), "2.0.0");
}

TEST(Versioning, SemverStartsFromZero) {
  EXPECT_EQ(Version("semver"), "0.0.1");
  EXPECT_EQ(Version("semver", Inputs(), "", "major"), "1.0.0");
}

TEST(Versioning, TemplateCombinesPlaceholders) {
  setenv("MP_TEST_RUN", "run7", 1);
  EXPECT_EQ(Version("template", Inputs(), "{utc}-{digest}-{env:MP_TEST_RUN}-{timestamp}"),
            "20251204T150000Z-0123456789ab-run7-1764860400");
}

TEST(Versioning, TemplateRejectsUnknownPlaceholder) {
  VersioningSpec spec;
  spec.scheme = "template";
  spec.version_template = "{build}";
  auto v = ComputeVersion(spec, Inputs());
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("{build}"), std::string::npos);
}

TEST(Versioning, ClockCanBePinned) {
  setenv("MODELPUSHER_NOW", "1700000000", 1);
  auto now = Now();
  unsetenv("MODELPUSHER_NOW");
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(*now, 1700000000);
  setenv("MODELPUSHER_NOW", "yesterday", 1);
  EXPECT_FALSE(Now().ok());
  unsetenv("MODELPUSHER_NOW");
}

TEST(RefNames, RendersAndMatchesTemplates) {
  EXPECT_EQ(*RenderRefTemplate("v{version}", "17"), "v17");
  EXPECT_EQ(*RenderRefTemplate("{version}", "17"), "17");
  EXPECT_FALSE(RenderRefTemplate("v{ver}", "17").ok());
  EXPECT_EQ(MatchRefTemplate("v{version}", "v17").value_or(""), "17");
  EXPECT_EQ(MatchRefTemplate("release/{version}/final", "release/1.2/final").value_or(""), "1.2");
  EXPECT_FALSE(MatchRefTemplate("v{version}", "main").has_value());
  EXPECT_FALSE(MatchRefTemplate("v{version}", "v").has_value());
}

TEST(RefNames, AcceptsNamesGitAccepts) {
  for (const char* ok : {"main", "v1.2.3", "release/v1.2", "exp#1", "a%20b", "1764860400"}) {
    EXPECT_TRUE(CheckRefName(ok).ok()) << ok;
  }
}

TEST(RefNames, RefusesNamesGitRefuses) {
  for (const char* bad : {"a..b", "x.lock", "dir/x.lock/y", "trailing/", "/leading", "a b",
                          "a~1", "a^", "a:b", "a?", "a*", "a[", "a\\b", "refs/pr/3", "a@{1}",
                          "dot.", ".hidden", "a//b", ""}) {
    Status s = CheckRefName(bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(RefNames, OrdersVersions) {
  EXPECT_LT(CompareVersions("9", "10"), 0);
  EXPECT_GT(CompareVersions("1764860400", "1700000000"), 0);
  EXPECT_LT(CompareVersions("1.9.0", "1.10.0"), 0);
  EXPECT_LT(CompareVersions("1.0.0-rc1", "1.0.0"), 0);
  EXPECT_EQ(CompareVersions("007", "7"), 0);
  EXPECT_LT(CompareVersions("20251204T150000Z", "20251205T000000Z"), 0);
}

}  // namespace
}  // namespace modelpusher::internal
