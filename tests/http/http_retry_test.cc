// Retries: statuses, Retry-After, network failures, the deadline and per-request policies.

#include <chrono>

#include "http_test_util.h"

namespace modelpusher::testing {
namespace {

using HttpRetryTest = HttpTest;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int PeerRequests(HttpClient& client, PeerProcess& peer, const std::string& key) {
  Result<HttpResponse> stats = client.Send(HttpTest::Get(peer.OtherUrl("/stats")));
  if (!stats.ok()) return -1;
  auto requests = ParseJson(stats->body)->getObject("requests");
  return requests->has(key) ? requests->getValue<int>(key) : 0;
}

TEST_F(HttpRetryTest, RetriesOn500ThenSucceeds) {
  LogCapture capture;
  HttpClient client;
  Result<HttpResponse> response = client.Send(Get(peer_.Url("/status?code=500&times=2&key=a")));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->attempts, 3);
  EXPECT_EQ(ParseJson(response->body)->getValue<int>("attempt"), 3);
  EXPECT_EQ(PeerRequests(client, peer_, "a"), 3);

  std::vector<std::string> warnings = capture.Matching("warn http retry");
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("method=GET"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("url=" + peer_.Url("/status")), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("status 500"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("attempt=1/6"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("attempt=2/6"), std::string::npos) << warnings[1];
  EXPECT_NE(warnings[0].find("delay_s=0.01"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("delay_s=0.02"), std::string::npos) << warnings[1];
}

TEST_F(HttpRetryTest, EveryRetryableStatusIsRetried) {
  HttpClient client;
  for (int code : {408, 429, 500, 502, 503, 504}) {
    std::string key = "s" + std::to_string(code);
    Result<HttpResponse> response = client.Send(
        Get(peer_.Url("/status?code=" + std::to_string(code) + "&times=1&key=" + key)));
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->status, 200) << code;
    EXPECT_EQ(response->attempts, 2) << code;
  }
}

TEST_F(HttpRetryTest, OtherErrorStatusesAreReturnedAtOnce) {
  HttpClient client;
  for (int code : {400, 401, 403, 404, 409, 501}) {
    std::string key = "n" + std::to_string(code);
    Result<HttpResponse> response = client.Send(
        Get(peer_.Url("/status?code=" + std::to_string(code) + "&times=1&key=" + key)));
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->status, code);
    EXPECT_EQ(response->attempts, 1);
  }
}

TEST_F(HttpRetryTest, SpentRetriesReturnTheLastResponse) {
  HttpClient::Options options;
  options.retry.max_attempts = 3;
  HttpClient client(options);
  Result<HttpResponse> response = client.Send(Get(peer_.Url("/status?code=502&times=99&key=b")));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 502);
  EXPECT_EQ(response->attempts, 3);
  EXPECT_EQ(ParseJson(response->body)->getValue<int>("attempt"), 3);
}

TEST_F(HttpRetryTest, PerRequestPolicyOverridesTheClients) {
  HttpClient client;
  HttpRequest request = Get(peer_.Url("/status?code=500&times=5&key=c"));
  request.method = "POST";
  request.retry = RetryPolicy{.max_attempts = 1};
  Result<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->attempts, 1);

  request.retry = RetryPolicy{.retry_status = false};
  response = client.Send(request);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->attempts, 1);
  EXPECT_EQ(PeerRequests(client, peer_, "c"), 2);
}

TEST_F(HttpRetryTest, RetryAfterSecondsIsHonouredAndScaled) {
  HttpClient client;
  // Retry-After 100 s at scale 0.01 is a 1 s sleep; the plain backoff would be 10 ms.
  auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> response =
      client.Send(Get(peer_.Url("/status?code=429&times=1&retry_after=100&key=d")));
  double elapsed = SecondsSince(start);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_GE(elapsed, 0.95);
  EXPECT_LT(elapsed, 5.0);

  start = std::chrono::steady_clock::now();
  response = client.Send(Get(peer_.Url("/status?code=503&times=1&retry_after=50&key=e")));
  elapsed = SecondsSince(start);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  EXPECT_GE(elapsed, 0.45);
  EXPECT_LT(elapsed, 4.0);
}

TEST_F(HttpRetryTest, RetryAfterIsIgnoredOutside429And503AndInDateForm) {
  HttpClient client;
  auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> response =
      client.Send(Get(peer_.Url("/status?code=500&times=1&retry_after=300&key=f")));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  std::string date = "Wed%2C%2021%20Oct%202015%2007%3A28%3A00%20GMT";
  response = client.Send(Get(peer_.Url("/status?code=503&times=1&key=g&retry_after=" + date)));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  EXPECT_LT(SecondsSince(start), 1.5) << "a Retry-After that should be ignored was slept";
}

TEST_F(HttpRetryTest, RetryAfterPastTheDeadlineGivesUpAtOnce) {
  HttpClient client;
  HttpRequest request = Get(peer_.Url("/status?code=503&times=99&retry_after=1000&key=h"));
  request.retry = RetryPolicy{.max_attempts = 50, .deadline_s = 0.8};
  auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> response = client.Send(request);
  double elapsed = SecondsSince(start);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 503);
  // 10 s (scaled) is past the 0.8 s deadline: no sleep, the server's answer comes back.
  EXPECT_EQ(response->attempts, 1);
  EXPECT_LT(elapsed, 0.7);
}

TEST_F(HttpRetryTest, DeadlineBoundsNetworkRetries) {
  SetRetryDelayScaleForTesting(1.0);
  HttpClient client;
  HttpRequest request = Get("http://127.0.0.1:" + std::to_string(UnusedPort()) + "/x");
  request.retry = RetryPolicy{.max_attempts = 100, .initial_delay_s = 0.1, .max_delay_s = 0.2,
                              .deadline_s = 1.0};
  auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> response = client.Send(request);
  double elapsed = SecondsSince(start);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_GE(elapsed, 0.9);
  EXPECT_LT(elapsed, 2.5);
}

TEST_F(HttpRetryTest, ConnectionRefusedIsRetriedThenReported) {
  HttpClient client;
  HttpRequest request = Get("http://127.0.0.1:" + std::to_string(UnusedPort()) + "/upload");
  request.method = "PUT";
  request.retry = RetryPolicy{.max_attempts = 3};
  Result<HttpResponse> response = client.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  std::string message = response.status().message();
  EXPECT_EQ(message.rfind("PUT http://127.0.0.1:", 0), 0u) << message;
  EXPECT_NE(message.find("connection refused"), std::string::npos) << message;
  EXPECT_NE(message.find("after 3 attempts"), std::string::npos) << message;
  EXPECT_NE(message.find("check that the server is reachable"), std::string::npos) << message;

  request.retry = RetryPolicy{.retry_network = false};
  response = client.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.status().message().find("after 1 attempt;"), std::string::npos)
      << response.status().message();
}

TEST_F(HttpRetryTest, DropBeforeResponseIsRetried) {
  HttpClient client;
  HttpRequest request = Get(peer_.Url("/drop?mode=before&times=2&key=i"));
  request.method = "POST";
  request.body = "again";
  Result<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->attempts, 3);
  EXPECT_EQ(PeerRequests(client, peer_, "i"), 3);
}

TEST_F(HttpRetryTest, DropMidBodyIsRetriedForGet) {
  HttpClient client;
  for (std::string mode : {"mid", "reset"}) {
    Result<HttpResponse> response =
        client.Send(Get(peer_.Url("/drop?mode=" + mode + "&times=1&key=j" + mode)));
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->attempts, 2);
  }
}

TEST_F(HttpRetryTest, DropMidBodyIsNotRetriedForPost) {
  HttpClient client;
  HttpRequest request = Get(peer_.Url("/drop?mode=mid&times=1&key=k"));
  request.method = "POST";
  Result<HttpResponse> response = client.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(response.status().message().find("1000 of 100000"), std::string::npos)
      << response.status().message();
  EXPECT_EQ(PeerRequests(client, peer_, "k"), 1);
}

TEST_F(HttpRetryTest, StreamedBodyIsReopenedForEachAttempt) {
  HttpClient client;
  HttpRequest request = Get(peer_.Url("/drop?mode=before&times=1&key=l"));
  request.method = "PUT";
  request.body_size = 3 << 20;
  int opened = 0;
  request.body_source = [&]() -> Result<std::unique_ptr<ByteReader>> {
    ++opened;
    return std::unique_ptr<ByteReader>(std::make_unique<PatternReader>(3 << 20));
  };
  Result<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(opened, 2);
}

TEST_F(HttpRetryTest, IoTimeoutIsANetworkError) {
  HttpClient::Options options;
  options.io_timeout_s = 0.3;
  HttpClient client(options);
  HttpRequest request = Get(peer_.Url("/download?size=1000000&delay=2"));
  request.retry = RetryPolicy{.max_attempts = 1};
  auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> response = client.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("timed out"), std::string::npos)
      << response.status().message();
  EXPECT_LT(SecondsSince(start), 1.9);
}

}  // namespace
}  // namespace modelpusher::testing
