// HTTPS with a private CA, and proxy selection.

#include <cstdlib>
#include <filesystem>

#include "http/proxy.h"
#include "http_test_util.h"

namespace modelpusher::testing {
namespace {

// A self-signed certificate for 127.0.0.1 and localhost, made with the openssl tool.
class HttpTlsTest : public HttpTest {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/mp-http-tls-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    cert_ = dir_ + "/cert.pem";
    std::string command =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost"
        " -addext subjectAltName=DNS:localhost,DNS:upstream.invalid,IP:127.0.0.1 -keyout " + dir_ + "/key.pem" +
        " -out " + cert_ + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << "openssl could not make a test certificate";
    extra_peer_args_ = {"--cert", cert_, "--key", dir_ + "/key.pem"};
    HttpTest::SetUp();
  }
  void TearDown() override {
    HttpTest::TearDown();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string dir_;
  std::string cert_;
};

TEST_F(HttpTlsTest, TrustsAServerSignedByCaFile) {
  HttpClient::Options options;
  options.ca_file = cert_;
  HttpClient client(options);
  for (int i = 0; i < 3; ++i) {
    HttpRequest request = Get(peer_.TlsUrl("/echo"));
    request.method = "PUT";
    request.body = std::string(200000, 's');
    Result<HttpResponse> response = client.Send(request);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(ParseJson(response->body)->getValue<int>("body_length"), 200000);
  }
  EXPECT_EQ(PeerConnections(peer_.tls_port), 1) << "TLS connections were not kept alive";
}

TEST_F(HttpTlsTest, RejectsAnUnknownCertificate) {
  HttpClient client;  // System CAs only: the test certificate is not among them.
  HttpRequest request = Get(peer_.TlsUrl("/echo"));
  request.retry = RetryPolicy{.max_attempts = 3};
  Result<HttpResponse> response = client.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  // A certificate problem does not heal by retrying.
  EXPECT_NE(response.status().message().find("after 1 attempt"), std::string::npos)
      << response.status().message();
  EXPECT_NE(response.status().message().find("ca_file"), std::string::npos)
      << response.status().message();
}

TEST_F(HttpTlsTest, HttpsGoesThroughAConnectTunnel) {
  // The peer is the proxy and, behind the tunnel, the TLS server; upstream.invalid is never
  // resolved. The certificate names upstream.invalid, so host name verification passes.
  setenv("HTTPS_PROXY", ("127.0.0.1:" + std::to_string(peer_.port)).c_str(), 1);
  HttpClient::Options options;
  options.ca_file = cert_;
  HttpClient client(options);
  unsetenv("HTTPS_PROXY");
  HttpRequest request = Get("https://upstream.invalid/echo");
  request.headers.Add("Authorization", "Bearer test-token-tunnel");
  Result<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  auto echo = ParseJson(response->body);
  EXPECT_EQ(EchoedHeader(echo, "Host"), "upstream.invalid");
  EXPECT_EQ(EchoedHeader(echo, "Authorization"), "Bearer test-token-tunnel");
  EXPECT_EQ(echo->getValue<int>("port"), peer_.tls_port);

  Result<HttpResponse> stats = client.Send(Get(peer_.OtherUrl("/stats")));
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(ParseJson(stats->body)->getObject("requests")->getValue<int>(
                "CONNECT upstream.invalid:443"), 1);
}

TEST_F(HttpTlsTest, CertificateForAnotherHostIsRejected) {
  setenv("HTTPS_PROXY", ("127.0.0.1:" + std::to_string(peer_.port)).c_str(), 1);
  HttpClient::Options options;
  options.ca_file = cert_;  // Trusted, but issued for other names.
  HttpClient client(options);
  unsetenv("HTTPS_PROXY");
  Result<HttpResponse> response = client.Send(Get("https://wrong.invalid/echo"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("certificate"), std::string::npos)
      << response.status().message();
  EXPECT_NE(response.status().message().find("after 1 attempt"), std::string::npos)
      << response.status().message();
}

TEST_F(HttpTlsTest, MissingCaFileIsInvalidArgument) {
  HttpClient::Options options;
  options.ca_file = dir_ + "/absent.pem";
  HttpClient client(options);
  Result<HttpResponse> response = client.Send(Get(peer_.TlsUrl("/echo")));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
}

using HttpProxyTest = HttpTest;

TEST_F(HttpProxyTest, PlainRequestsGoThroughHttpProxy) {
  // The peer plays the proxy: it receives the absolute-form request line. The target host is
  // never resolved or contacted.
  setenv("HTTP_PROXY", ("http://127.0.0.1:" + std::to_string(peer_.port)).c_str(), 1);
  HttpClient client;
  unsetenv("HTTP_PROXY");
  Result<HttpResponse> response = client.Send(Get("http://upstream.invalid/echo?q=1"));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  auto echo = ParseJson(response->body);
  // Absolute form (RFC 9112 3.2.2); Poco always spells out the port.
  EXPECT_EQ(echo->getValue<std::string>("path"), "http://upstream.invalid:80/echo?q=1");
  EXPECT_EQ(EchoedHeader(echo, "Host"), "upstream.invalid");
}

TEST_F(HttpProxyTest, LoopbackNeverUsesTheProxy) {
  setenv("http_proxy", ("http://127.0.0.1:" + std::to_string(UnusedPort())).c_str(), 1);
  HttpClient client;
  unsetenv("http_proxy");
  Result<HttpResponse> response = client.Send(Get(peer_.Url("/echo")));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(ParseJson(response->body)->getValue<std::string>("path"), "/echo");
}

TEST(ProxySettings, NoProxyRulesAndSchemes) {
  internal::ProxySettings settings;
  settings.http_proxy = "http://user:p%40ss@proxy.internal:3128";
  settings.https_proxy = "proxy.internal:3129";
  settings.no_proxy = {".corp.example", "direct.example:8080", "10.1.2.3"};

  auto proxy_for = [&](const std::string& url) {
    Result<std::optional<internal::ProxyTarget>> target = settings.For(*Url::Parse(url));
    EXPECT_TRUE(target.ok()) << target.status().ToString();
    return target.ok() ? *target : std::nullopt;
  };
  auto plain = proxy_for("http://hub.example/x");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->Label(), "proxy.internal:3128");
  EXPECT_EQ(plain->username, "user");
  EXPECT_EQ(plain->password, "p@ss");
  auto secure = proxy_for("https://hub.example/x");
  ASSERT_TRUE(secure.has_value());
  EXPECT_EQ(secure->port, 3129);

  EXPECT_FALSE(proxy_for("http://a.corp.example/x").has_value());
  EXPECT_FALSE(proxy_for("http://corp.example/x").has_value());
  EXPECT_TRUE(proxy_for("http://notcorp.example/x").has_value());
  EXPECT_FALSE(proxy_for("http://direct.example:8080/x").has_value());
  EXPECT_TRUE(proxy_for("http://direct.example:8081/x").has_value());
  EXPECT_FALSE(proxy_for("http://10.1.2.3/x").has_value());
  for (const char* loopback : {"http://localhost:1/", "http://127.0.0.7/", "http://[::1]:5/"}) {
    EXPECT_FALSE(proxy_for(loopback).has_value()) << loopback;
  }
  settings.no_proxy = {"*"};
  EXPECT_FALSE(proxy_for("http://hub.example/x").has_value());

  settings.no_proxy.clear();
  settings.https_proxy = "https://tls-proxy.example:443";
  Result<std::optional<internal::ProxyTarget>> refused =
      settings.For(*Url::Parse("https://other.example/"));
  EXPECT_FALSE(refused.ok());
}

}  // namespace
}  // namespace modelpusher::testing
