#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "modelpusher/log.h"
#include "modelpusher/secret.h"
#include "modelpusher/url.h"

namespace modelpusher {
namespace {

class CapturedLog {
 public:
  CapturedLog() {
    log::SetSink([this](LogLevel, const std::string& line) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.push_back(line);
    });
  }
  ~CapturedLog() { log::SetSink(nullptr); }
  std::string All() {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (const auto& l : lines_) out += l + "\n";
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

TEST(Log, WritesStructuredFields) {
  CapturedLog captured;
  log::Info("pushed", {{"repo", "acme/net"}, {"bytes", uint64_t{1234}}, {"note", "two words"}});
  std::string all = captured.All();
  EXPECT_NE(all.find(" info pushed repo=acme/net bytes=1234 note=\"two words\""),
            std::string::npos)
      << all;
}

TEST(Log, NeverPrintsARegisteredSecret) {
  CapturedLog captured;
  Secret token("hf_planted_secret_value_123");
  log::Warn("request failed", {{"detail", "Bearer hf_planted_secret_value_123 was rejected"}});
  log::Info("token is hf_planted_secret_value_123");
  std::string all = captured.All();
  EXPECT_EQ(all.find("hf_planted_secret_value_123"), std::string::npos) << all;
  EXPECT_NE(all.find("***"), std::string::npos);
  EXPECT_EQ(token.ToString(), "***");
}

TEST(Log, RedactsHeadersAndSignedUrlsNobodyRegistered) {
  std::string text = log::Redact(
      "Authorization: Bearer abc.def.ghi\nurl=https://s3.example/b/k?X-Amz-Signature=deadbeef&"
      "X-Amz-Credential=AKIA%2Fx&partNumber=1 put https://store/up?sig=s3cr3t");
  EXPECT_EQ(text.find("abc.def.ghi"), std::string::npos) << text;
  EXPECT_EQ(text.find("deadbeef"), std::string::npos) << text;
  EXPECT_EQ(text.find("AKIA"), std::string::npos) << text;
  EXPECT_EQ(text.find("s3cr3t"), std::string::npos) << text;
  EXPECT_NE(text.find("partNumber=1"), std::string::npos) << text;
}

TEST(Log, RespectsLevel) {
  CapturedLog captured;
  log::SetLevel(LogLevel::kWarn);
  log::Info("hidden");
  log::Warn("shown");
  log::SetLevel(LogLevel::kInfo);
  std::string all = captured.All();
  EXPECT_EQ(all.find("hidden"), std::string::npos);
  EXPECT_NE(all.find("shown"), std::string::npos);
}

TEST(Url, RedactsQueryAndUserInfo) {
  EXPECT_EQ(RedactUrl("https://user:pw@host:8443/a/b?sig=1"), "https://host:8443/a/b");
  EXPECT_EQ(RedactUrl("http://127.0.0.1:9/x"), "http://127.0.0.1:9/x");
}

TEST(Url, PercentEncodesOneSegment) {
  EXPECT_EQ(PercentEncode("release/v1.2"), "release%2Fv1.2");
  EXPECT_EQ(PercentEncode("exp#1"), "exp%231");
  EXPECT_EQ(PercentEncode("a%20b"), "a%2520b");
  EXPECT_EQ(PercentEncode("dir with space/ü.bin", "/"), "dir%20with%20space/%C3%BC.bin");
}

TEST(Url, ParsesAndComparesOrigins) {
  auto a = Url::Parse("http://127.0.0.1:8080/api/x?y=1");
  auto b = Url::Parse("http://127.0.0.1:8081/api/x");
  auto c = Url::Parse("http://[::1]:8080/p");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->path, "/api/x");
  EXPECT_EQ(a->query, "y=1");
  EXPECT_FALSE(a->SameOrigin(*b));
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->Authority(), "[::1]:8080");
  EXPECT_FALSE(Url::Parse("not a url").ok());
}

}  // namespace
}  // namespace modelpusher
