#include "lfs_pointer.h"

#include <gtest/gtest.h>

namespace modelpusher::git {
namespace {

const std::string kOid(64, 'a');

TEST(LfsPointer, WritesTheThreeLinesGitLfsWrites) {
  std::string text = LfsPointerText(kOid, 1025);
  EXPECT_EQ(text, "version https://git-lfs.github.com/spec/v1\noid sha256:" + kOid +
                      "\nsize 1025\n");
  EXPECT_LT(text.size(), 1024u);
  EXPECT_EQ(text.find('\r'), std::string::npos);
}

TEST(LfsPointer, ParsesWhatItWrites) {
  auto pointer = ParseLfsPointer(LfsPointerText(kOid, 42));
  ASSERT_TRUE(pointer.has_value());
  EXPECT_EQ(pointer->sha256, kOid);
  EXPECT_EQ(pointer->size, 42u);
}

TEST(LfsPointer, RefusesOrdinaryContent) {
  EXPECT_FALSE(ParseLfsPointer("{\"a\": 1}\n").has_value());
  EXPECT_FALSE(ParseLfsPointer("version https://git-lfs.github.com/spec/v1\noid sha256:xyz\n"
                               "size 1\n").has_value());
}

}  // namespace
}  // namespace modelpusher::git
