// Redirects: following, method changes, body resending, and credentials kept to the origin.

#include <Poco/URI.h>

#include "http_test_util.h"
#include "modelpusher/hash.h"

namespace modelpusher::testing {
namespace {

using HttpRedirectTest = HttpTest;

std::string RedirectTo(const PeerProcess& peer, const std::string& target, int code = 302) {
  std::string encoded;
  Poco::URI::encode(target, "&?=/:", encoded);
  return peer.Url("/redirect?code=" + std::to_string(code) + "&to=" + encoded);
}

TEST_F(HttpRedirectTest, FollowsEachRedirectStatus) {
  HttpClient client;
  for (int code : {301, 302, 303, 307, 308}) {
    Result<HttpResponse> response = client.Send(Get(RedirectTo(peer_, "/echo?n=1", code)));
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->status, 200) << code;
    EXPECT_EQ(response->final_url, peer_.Url("/echo?n=1")) << code;
    EXPECT_EQ(ParseJson(response->body)->getValue<std::string>("path"), "/echo?n=1");
  }
}

TEST_F(HttpRedirectTest, ResolvesRelativeLocations) {
  HttpClient client;
  Result<HttpResponse> response = client.Send(Get(RedirectTo(peer_, "echo?rel=1")));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->final_url, peer_.Url("/echo?rel=1"));

  response = client.Send(Get(RedirectTo(peer_, "./a/../echo")));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->final_url, peer_.Url("/echo"));
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpRedirectTest, NotFollowedWhenDisabled) {
  HttpClient client;
  HttpRequest request = Get(RedirectTo(peer_, "/echo", 307));
  request.follow_redirects = false;
  Result<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 307);
  EXPECT_EQ(response->headers.Get("Location"), "/echo");
}

TEST_F(HttpRedirectTest, StopsAfterMaxRedirects) {
  HttpClient::Options options;
  options.max_redirects = 2;
  HttpClient client(options);
  // Each hop redirects to another redirect, three deep.
  std::string url = RedirectTo(peer_, RedirectTo(peer_, RedirectTo(peer_, "/echo")));
  Result<HttpResponse> response = client.Send(Get(url));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 302);
}

TEST_F(HttpRedirectTest, SeeOtherTurnsPostIntoBodilessGet) {
  HttpClient client;
  HttpRequest request = Get(RedirectTo(peer_, "/echo", 303));
  request.method = "POST";
  request.body = "{\"commit\": true}";
  request.headers.Add("Content-Type", "application/json");
  Result<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  auto echo = ParseJson(response->body);
  EXPECT_EQ(echo->getValue<std::string>("method"), "GET");
  EXPECT_EQ(echo->getValue<int>("body_length"), 0);
  EXPECT_EQ(EchoedHeader(echo, "Content-Type"), "");
  EXPECT_EQ(EchoedHeader(echo, "Content-Length"), "");
}

TEST_F(HttpRedirectTest, TemporaryRedirectResendsAStreamedBody) {
  HttpClient client;
  HttpRequest request = Get(RedirectTo(peer_, "/echo", 307));
  request.method = "PUT";
  request.body_size = 5 << 20;
  int opened = 0;
  request.body_source = [&]() -> Result<std::unique_ptr<ByteReader>> {
    ++opened;
    return std::unique_ptr<ByteReader>(std::make_unique<PatternReader>(5 << 20));
  };
  Result<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  auto echo = ParseJson(response->body);
  EXPECT_EQ(echo->getValue<std::string>("method"), "PUT");
  EXPECT_EQ(echo->getValue<std::string>("body_sha256"), PatternSha256(5 << 20));
  EXPECT_EQ(opened, 2);
}

TEST_F(HttpRedirectTest, CredentialsAreDroppedOnACrossOriginRedirect) {
  HttpClient client;
  HttpRequest request = Get(RedirectTo(peer_, peer_.OtherUrl("/echo")));
  request.headers.Add("Authorization", "Bearer test-token-cross");
  request.headers.Add("X-Trace", "kept");
  Result<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  auto echo = ParseJson(response->body);
  EXPECT_EQ(echo->getValue<int>("port"), peer_.other_port);
  EXPECT_EQ(EchoedHeader(echo, "Authorization"), "");
  EXPECT_EQ(EchoedHeader(echo, "X-Trace"), "kept");
}

TEST_F(HttpRedirectTest, CredentialsAreKeptOnASameOriginRedirect) {
  HttpClient client;
  HttpRequest request = Get(RedirectTo(peer_, peer_.Url("/echo")));
  request.headers.Add("Authorization", "Bearer test-token-same");
  Result<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  auto echo = ParseJson(response->body);
  EXPECT_EQ(echo->getValue<int>("port"), peer_.port);
  EXPECT_EQ(EchoedHeader(echo, "Authorization"), "Bearer test-token-same");
}

TEST_F(HttpRedirectTest, CustomCredentialHeadersAreDroppedForAnotherHost) {
  HttpClient client;
  // Same port, other host name: still another origin.
  std::string other_host = "http://localhost:" + std::to_string(peer_.port) + "/echo";
  HttpRequest request = Get(RedirectTo(peer_, other_host));
  request.headers.Add("X-Goog-Api-Key", "test-key-123456");
  request.headers.Add("Authorization", "Bearer not-listed-so-kept");
  request.credential_headers = {"X-Goog-Api-Key"};
  Result<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  auto echo = ParseJson(response->body);
  EXPECT_EQ(EchoedHeader(echo, "X-Goog-Api-Key"), "");
  EXPECT_EQ(EchoedHeader(echo, "Authorization"), "Bearer not-listed-so-kept");
  EXPECT_EQ(EchoedHeader(echo, "Host"), "localhost:" + std::to_string(peer_.port));
}

TEST_F(HttpRedirectTest, OpenFollowsRedirectsToTheStream) {
  HttpClient client;
  Result<HttpResponse> response = client.Open(Get(RedirectTo(peer_, "/download?size=70000")));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_NE(response->stream, nullptr);
  Result<std::string> body = ReadAll(*response->stream, 1 << 20);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(Sha256Hex(*body), PatternSha256(70000));
}

}  // namespace
}  // namespace modelpusher::testing
