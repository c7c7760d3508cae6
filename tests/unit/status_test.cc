#include <gtest/gtest.h>

#include <cerrno>

#include "modelpusher/status.h"

namespace modelpusher {
namespace {

TEST(Status, ErrnoMapsToTheCodeAUserCanActOn) {
  EXPECT_EQ(ErrnoToStatus(ENOENT, "opening /x").code(), StatusCode::kNotFound);
  EXPECT_EQ(ErrnoToStatus(ENOSPC, "writing /x").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrnoToStatus(EEXIST, "renaming /x").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrnoToStatus(ELOOP, "resolving /x").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrnoToStatus(EIO, "reading /x").code(), StatusCode::kInternal);

  Status denied = ErrnoToStatus(EACCES, "creating /srv/m/17", "check the folder's owner");
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message().rfind("creating /srv/m/17: ", 0), 0u) << denied.message();
  EXPECT_NE(denied.message().find("; check the folder's owner"), std::string::npos);
  EXPECT_EQ(ErrnoToStatus(EROFS, "x").message().find(';'), std::string::npos)
      << "no dangling separator without a hint";
}

}  // namespace
}  // namespace modelpusher
