#include <gtest/gtest.h>

#include "modelpusher/path_map.h"

namespace modelpusher {
namespace {

TEST(PathMap, NormalisesDestinationPrefixes) {
  for (const char* root : {"", ".", "./", "/", "//", "./."}) {
    auto p = NormalizePrefix(root);
    ASSERT_TRUE(p.ok()) << root;
    EXPECT_EQ(*p, "") << root;
  }
  EXPECT_EQ(*NormalizePrefix("sub/./dir/"), "sub/dir");
  EXPECT_EQ(*NormalizePrefix("sub//dir"), "sub/dir");
  EXPECT_EQ(*NormalizePrefix("/models/m1/"), "models/m1");
}

TEST(PathMap, RefusesPrefixesThatClimbOut) {
  for (const char* bad : {"../x", "sub/../../x", "a/.."}) {
    auto p = NormalizePrefix(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find(bad), std::string::npos);
  }
}

TEST(PathMap, JoinsWithExactlyOneSlash) {
  EXPECT_EQ(JoinPath("", "a/b.txt"), "a/b.txt");
  EXPECT_EQ(JoinPath("models/m1", "a/b.txt"), "models/m1/a/b.txt");
}

TEST(PathMap, WindowsRootsBecomeSlashSeparated) {
  auto p = ToPublishedPath("variables\\variables.index", /*windows_separators=*/true);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, "variables/variables.index");
}

TEST(PathMap, RefusesBackslashInAPosixFileName) {
  auto p = ToPublishedPath("a\\b.txt", /*windows_separators=*/false);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("a\\b.txt"), std::string::npos);
}

TEST(PathMap, RecognisesGitInternals) {
  EXPECT_TRUE(IsGitInternal(".git/HEAD"));
  EXPECT_TRUE(IsGitInternal("sub/.git"));
  EXPECT_TRUE(IsGitInternal(".git"));
  EXPECT_FALSE(IsGitInternal(".gitignore"));
  EXPECT_FALSE(IsGitInternal(".gitattributes"));
  EXPECT_FALSE(IsGitInternal("a.git/b"));
}

}  // namespace
}  // namespace modelpusher
