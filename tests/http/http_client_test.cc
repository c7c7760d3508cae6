// Round trips, request bodies, keep-alive pooling and log hygiene.

#include <atomic>
#include <thread>

#include "http/proxy.h"
#include "http_test_util.h"
#include "modelpusher/hash.h"

namespace modelpusher::testing {
namespace {

using HttpClientTest = HttpTest;

TEST(HttpHeaders, LookupIgnoresCaseAndKeepsDuplicates) {
  HttpHeaders headers;
  headers.Add("X-Thing", "a");
  headers.Add("x-thing", "b");
  EXPECT_EQ(headers.Get("X-THING"), "a");
  EXPECT_EQ(headers.entries().size(), 2u);
  headers.Set("X-Thing", "c");
  EXPECT_EQ(headers.entries().size(), 1u);
  EXPECT_EQ(headers.Get("x-thing"), "c");
  headers.Remove("X-THING");
  EXPECT_FALSE(headers.Has("x-thing"));
}

TEST(RetryAfter, ReadsSecondsAndIgnoresDates) {
  HttpHeaders headers;
  EXPECT_EQ(RetryAfterSeconds(headers), std::nullopt);
  headers.Set("Retry-After", " 120 ");
  EXPECT_EQ(RetryAfterSeconds(headers), 120.0);
  headers.Set("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT");
  EXPECT_EQ(RetryAfterSeconds(headers), std::nullopt);
  headers.Set("Retry-After", "-3");
  EXPECT_EQ(RetryAfterSeconds(headers), std::nullopt);
}

TEST_F(HttpClientTest, GetReturnsStatusHeadersAndBody) {
  HttpClient client;
  HttpRequest request = Get(peer_.Url("/echo?x=1"));
  request.headers.Add("X-Custom", "value 1");
  Result<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->attempts, 1);
  EXPECT_EQ(response->final_url, peer_.Url("/echo?x=1"));
  EXPECT_EQ(response->headers.Get("content-type"), "application/json");
  auto echo = ParseJson(response->body);
  EXPECT_EQ(echo->getValue<std::string>("method"), "GET");
  EXPECT_EQ(echo->getValue<std::string>("path"), "/echo?x=1");
  EXPECT_EQ(EchoedHeader(echo, "X-Custom"), "value 1");
  EXPECT_EQ(EchoedHeader(echo, "Host"), "127.0.0.1:" + std::to_string(peer_.port));
  EXPECT_EQ(EchoedHeader(echo, "User-Agent").rfind("modelpusher/", 0), 0u);
}

TEST_F(HttpClientTest, PutAndPostSendTheirBodies) {
  HttpClient client;
  for (const char* method : {"PUT", "POST", "PATCH"}) {
    HttpRequest request = Get(peer_.Url("/echo"));
    request.method = method;
    request.body = std::string("payload for ") + method;
    request.headers.Add("Content-Type", "text/plain");
    Result<HttpResponse> response = client.Send(request);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    auto echo = ParseJson(response->body);
    EXPECT_EQ(echo->getValue<std::string>("method"), method);
    EXPECT_EQ(echo->getValue<uint64_t>("body_length"), request.body.size());
    EXPECT_EQ(echo->getValue<std::string>("body_sha256"), Sha256Hex(request.body));
    EXPECT_EQ(EchoedHeader(echo, "Content-Type"), "text/plain");
  }
}

TEST_F(HttpClientTest, EmptyPostAnnouncesZeroLength) {
  HttpClient client;
  HttpRequest request = Get(peer_.Url("/echo"));
  request.method = "POST";
  Result<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(EchoedHeader(ParseJson(response->body), "Content-Length"), "0");
}

TEST_F(HttpClientTest, HeadAndDeleteWork) {
  HttpClient client;
  HttpRequest head = Get(peer_.Url("/download?size=5000"));
  head.method = "HEAD";
  Result<HttpResponse> response = client.Send(head);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->headers.Get("Content-Length"), "5000");
  EXPECT_TRUE(response->body.empty());

  // The HEAD answer had no body to read, so its connection is ready for the next request.
  HttpRequest del = Get(peer_.Url("/echo"));
  del.method = "DELETE";
  response = client.Send(del);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(ParseJson(response->body)->getValue<std::string>("method"), "DELETE");
  EXPECT_EQ(PeerConnections(), 1);
}

TEST_F(HttpClientTest, LargeStringBodyIsSentWhole) {
  HttpClient client;
  HttpRequest request = Get(peer_.Url("/echo"));
  request.method = "PUT";
  request.body = std::string(3 << 20, 'x');
  Result<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(ParseJson(response->body)->getValue<std::string>("body_sha256"),
            Sha256Hex(request.body));
}

TEST_F(HttpClientTest, StreamsA100MiBBodyFromItsSource) {
  constexpr uint64_t kSize = 100ull << 20;
  HttpClient client;
  HttpRequest request = Get(peer_.Url("/echo"));
  request.method = "PUT";
  request.body_size = kSize;
  std::atomic<int> opened{0};
  request.body_source = [&]() -> Result<std::unique_ptr<ByteReader>> {
    ++opened;
    return std::unique_ptr<ByteReader>(std::make_unique<PatternReader>(kSize));
  };
  uint64_t rss_before = ResidentBytes();
  Result<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  auto echo = ParseJson(response->body);
  EXPECT_EQ(echo->getValue<uint64_t>("body_length"), kSize);
  EXPECT_EQ(echo->getValue<std::string>("body_sha256"), PatternSha256(kSize));
  EXPECT_EQ(EchoedHeader(echo, "Content-Length"), std::to_string(kSize));
  EXPECT_EQ(opened.load(), 1);
  EXPECT_LT(ResidentBytes(), rss_before + (32 << 20)) << "the body was buffered";
}

TEST_F(HttpClientTest, BodySourceShorterThanBodySizeFails) {
  HttpClient client;
  HttpRequest request = Get(peer_.Url("/echo"));
  request.method = "PUT";
  request.body_size = 1000;
  request.body_source = []() -> Result<std::unique_ptr<ByteReader>> {
    return MakeStringReader(std::string(10, 'a'));
  };
  Result<HttpResponse> response = client.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(response.status().message().find("10 of 1000"), std::string::npos)
      << response.status().message();
}

TEST_F(HttpClientTest, KeepAliveReusesOneConnectionFor20Requests) {
  HttpClient client;
  for (int i = 0; i < 20; ++i) {
    Result<HttpResponse> response = client.Send(Get(peer_.Url("/echo?i=" + std::to_string(i))));
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    ASSERT_EQ(response->status, 200);
  }
  EXPECT_EQ(PeerConnections(), 1);
}

TEST_F(HttpClientTest, ConcurrentRequestsShareAPoolOfConnections) {
  HttpClient client;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        Result<HttpResponse> response = client.Send(Get(peer_.Url("/echo")));
        if (response.ok() && response->status == 200) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 40);
  int connections = PeerConnections();
  EXPECT_GE(connections, 1);
  EXPECT_LE(connections, 4);
}

TEST_F(HttpClientTest, StalePooledConnectionIsReplacedWithoutARetry) {
  HttpClient client;
  ASSERT_TRUE(client.Send(Get(peer_.Url("/echo"))).ok());
  // /stale closes any connection that carries a second request: the pooled one dies the
  // way an idle keep-alive connection dies when the server times it out mid-request.
  HttpRequest request = Get(peer_.Url("/stale"));
  request.method = "PUT";
  request.body = "resent";
  request.retry = RetryPolicy{.max_attempts = 1};
  Result<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->attempts, 1);
  EXPECT_EQ(ParseJson(response->body)->getValue<int>("connection_request"), 1);
  EXPECT_EQ(PeerConnections(), 2);
}

TEST_F(HttpClientTest, StaleConnectionWithStreamedBodyReopensTheSource) {
  HttpClient client;
  ASSERT_TRUE(client.Send(Get(peer_.Url("/echo"))).ok());
  HttpRequest request = Get(peer_.Url("/stale"));
  request.method = "PUT";
  request.body_size = 2 << 20;
  std::atomic<int> opened{0};
  request.body_source = [&]() -> Result<std::unique_ptr<ByteReader>> {
    ++opened;
    return std::unique_ptr<ByteReader>(std::make_unique<PatternReader>(2 << 20));
  };
  request.retry = RetryPolicy{.max_attempts = 1};
  Result<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->attempts, 1);
  // The first copy may have died in the socket buffer or never been read: the source was
  // opened again for the fresh connection either way.
  EXPECT_EQ(opened.load(), 2);
}

TEST_F(HttpClientTest, InterimResponsesAreSkipped) {
  HttpClient client;
  Result<HttpResponse> response = client.Send(Get(peer_.Url("/hints")));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(ParseJson(response->body)->getValue<std::string>("method"), "GET");
  // Nothing of the interim answer was left behind on the reused connection.
  response = client.Send(Get(peer_.Url("/echo")));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(ParseJson(response->body)->getValue<std::string>("path"), "/echo");
  EXPECT_EQ(PeerConnections(), 1);
}

TEST_F(HttpClientTest, EarlyRejectionOfAnUploadIsReturnedNotRetried) {
  HttpClient client;
  for (int code : {413, 503}) {
    HttpRequest request = Get(peer_.Url("/reject?code=" + std::to_string(code)));
    request.method = "PUT";
    request.body_size = 64 << 20;  // Far more than the socket buffers hold.
    request.body_source = []() -> Result<std::unique_ptr<ByteReader>> {
      return std::unique_ptr<ByteReader>(std::make_unique<PatternReader>(64 << 20));
    };
    request.retry = RetryPolicy{.max_attempts = 2};
    Result<HttpResponse> response = client.Send(request);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->status, code);
    EXPECT_EQ(ParseJson(response->body)->getValue<std::string>("error"), "rejected");
    // 413 is final; 503 is retried like any other 503.
    EXPECT_EQ(response->attempts, code == 413 ? 1 : 2);
  }
}

TEST_F(HttpClientTest, BodyLimitIsEnforced) {
  HttpClient client;
  Result<HttpResponse> response = client.Send(Get(peer_.Url("/download?size=5000")), 1000);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(response.status().message().find("1000"), std::string::npos);

  response = client.Send(Get(peer_.Url("/download?size=5000")), 5000);
  ASSERT_TRUE(response.ok()) << "a body exactly at the limit fits";
  EXPECT_EQ(response->body.size(), 5000u);
}

TEST_F(HttpClientTest, Ipv6LiteralHostWorks) {
  ASSERT_NE(peer_.ipv6_port, 0) << "the peer could not listen on [::1]";
  HttpClient client;
  Result<HttpResponse> response = client.Send(Get(peer_.Ipv6Url("/echo")));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(EchoedHeader(ParseJson(response->body), "Host"),
            "[::1]:" + std::to_string(peer_.ipv6_port));
}

TEST_F(HttpClientTest, MalformedUrlIsInvalidArgumentWithoutItsQuery) {
  HttpClient client;
  for (std::string url : {"no-scheme/path?token=sekrit-query-1",
                          "ftp://host/x?token=sekrit-query-1"}) {
    Result<HttpResponse> response = client.Send(Get(url));
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(response.status().message().find("sekrit"), std::string::npos)
        << response.status().message();
  }
}

TEST_F(HttpClientTest, HeaderWithALineBreakIsRefused) {
  HttpClient client;
  HttpRequest request = Get(peer_.Url("/echo"));
  request.headers.Add("X-Note", "a\r\nX-Injected: 1");
  Result<HttpResponse> response = client.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(HttpClientTest, SecretsNeverReachTheLog) {
  const std::string token = "hf_planted_secret_token_0123456789";
  const std::string signature = "planted0signature0value";
  LogCapture capture;
  HttpClient client;
  HttpRequest request = Get(peer_.Url("/redirect?code=302&to=") + "http%3A%2F%2F127.0.0.1%3A" +
                            std::to_string(peer_.other_port) + "%2Fecho");
  request.headers.Add("Authorization", "Bearer " + token);
  request.headers.Add("X-Custom-Key", token);
  request.headers.Add("Cookie", "session=" + token);
  request.headers.Add("Proxy-Authorization", "Basic " + token);
  request.credential_headers = {"Authorization", "X-Custom-Key"};
  ASSERT_TRUE(client.Send(request).ok());

  HttpRequest retried =
      Get(peer_.Url("/status?code=503&times=1&key=log&X-Amz-Signature=" + signature));
  retried.headers.Add("Authorization", "Bearer " + token);
  ASSERT_TRUE(client.Send(retried).ok());

  HttpRequest refused = Get("http://127.0.0.1:" + std::to_string(UnusedPort()) +
                            "/x?X-Amz-Signature=" + signature);
  refused.retry = RetryPolicy{.max_attempts = 2};
  Result<HttpResponse> failure = client.Send(refused);
  ASSERT_FALSE(failure.ok());
  EXPECT_EQ(failure.status().message().find(signature), std::string::npos);

  std::vector<std::string> lines = capture.lines();
  ASSERT_FALSE(capture.Matching("http request header").empty()) << "trace lines not captured";
  ASSERT_FALSE(capture.Matching("http retry").empty()) << "warn lines not captured";
  ASSERT_FALSE(capture.Matching("header=Authorization").empty());
  for (const std::string& line : lines) {
    EXPECT_EQ(line.find(token), std::string::npos) << line;
    EXPECT_EQ(line.find(signature), std::string::npos) << line;
  }
}

TEST_F(HttpClientTest, DebugLineReportsMethodStatusAndBytes) {
  LogCapture capture;
  HttpClient client;
  ASSERT_TRUE(client.Send(Get(peer_.Url("/download?size=1234"))).ok());
  std::vector<std::string> lines = capture.Matching("debug http method=GET");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("status=200"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("bytes=1234"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("ms="), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace modelpusher::testing
