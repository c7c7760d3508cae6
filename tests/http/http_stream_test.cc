// Open: streamed bodies, strict framing, chunked decoding, error bodies, flat memory.

#include "http_test_util.h"
#include "modelpusher/hash.h"

namespace modelpusher::testing {
namespace {

using HttpStreamTest = HttpTest;

// Reads a stream to its end in 1 MiB steps, hashing; returns the error if any.
Status Drain(ByteReader& reader, std::string* sha256, uint64_t* size) {
  Hasher hasher(Hasher::Algorithm::kSha256);
  std::string buffer(1 << 20, '\0');
  *size = 0;
  while (true) {
    MP_ASSIGN_OR_RETURN(size_t n, reader.Read(buffer.data(), buffer.size()));
    if (n == 0) break;
    hasher.Update(buffer.data(), n);
    *size += n;
  }
  *sha256 = hasher.FinishHex();
  return Status::Ok();
}

TEST_F(HttpStreamTest, OpenStreamsTheBody) {
  HttpClient client;
  Result<HttpResponse> response = client.Open(Get(peer_.Url("/download?size=3000000")));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->body.empty());
  ASSERT_NE(response->stream, nullptr);
  std::string sha;
  uint64_t size = 0;
  ASSERT_TRUE(Drain(*response->stream, &sha, &size).ok());
  EXPECT_EQ(size, 3000000u);
  EXPECT_EQ(sha, PatternSha256(3000000));
  // Read to the end: the connection went back to the pool for the next request.
  ASSERT_TRUE(client.Send(Get(peer_.Url("/echo"))).ok());
  EXPECT_EQ(PeerConnections(), 1);
}

TEST_F(HttpStreamTest, AbandonedStreamIsNotReused) {
  HttpClient client;
  {
    Result<HttpResponse> response = client.Open(Get(peer_.Url("/download?size=3000000")));
    ASSERT_TRUE(response.ok());
    char buffer[100];
    ASSERT_TRUE(response->stream->Read(buffer, sizeof(buffer)).ok());
  }
  Result<HttpResponse> next = client.Send(Get(peer_.Url("/echo")));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(PeerConnections(), 2);
}

TEST_F(HttpStreamTest, ShortBodyIsDataLoss) {
  HttpClient client;
  Result<HttpResponse> response = client.Open(Get(peer_.Url("/download?size=500000&short=200000")));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  std::string sha;
  uint64_t size = 0;
  Status read = Drain(*response->stream, &sha, &size);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.code(), StatusCode::kDataLoss);
  EXPECT_NE(read.message().find("200000 of 500000"), std::string::npos) << read.message();
  EXPECT_EQ(read.message().rfind("GET http://127.0.0.1:", 0), 0u) << read.message();
  // A broken stream stays broken.
  char byte;
  EXPECT_EQ(response->stream->Read(&byte, 1).status().code(), StatusCode::kDataLoss);
}

TEST_F(HttpStreamTest, ResetConnectionIsUnavailable) {
  HttpClient client;
  Result<HttpResponse> response = client.Open(Get(peer_.Url("/drop?mode=reset&times=1&key=r")));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  std::string sha;
  uint64_t size = 0;
  Status read = Drain(*response->stream, &sha, &size);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.code(), StatusCode::kUnavailable) << read.ToString();
  EXPECT_LT(size, 100000u);
}

TEST_F(HttpStreamTest, ChunkedBodiesAreDecoded) {
  HttpClient client;
  Result<HttpResponse> sent =
      client.Send(Get(peer_.Url("/download?size=100000&chunked=1&chunk=777")));
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(sent->headers.Get("Transfer-Encoding"), "chunked");
  EXPECT_EQ(sent->body.size(), 100000u);
  EXPECT_EQ(Sha256Hex(sent->body), PatternSha256(100000));

  Result<HttpResponse> opened = client.Open(Get(peer_.Url("/download?size=2500000&chunked=1")));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::string sha;
  uint64_t size = 0;
  ASSERT_TRUE(Drain(*opened->stream, &sha, &size).ok());
  EXPECT_EQ(size, 2500000u);
  EXPECT_EQ(sha, PatternSha256(2500000));
  // Chunked bodies end in-band, so the connection is reusable afterwards.
  ASSERT_TRUE(client.Send(Get(peer_.Url("/echo"))).ok());
  EXPECT_EQ(PeerConnections(), 1);
}

TEST_F(HttpStreamTest, TruncatedChunkedBodyIsDataLoss) {
  HttpClient client;
  Result<HttpResponse> response =
      client.Open(Get(peer_.Url("/download?size=10000&chunked=1&chunk=1000&truncate=1")));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  std::string sha;
  uint64_t size = 0;
  Status read = Drain(*response->stream, &sha, &size);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.code(), StatusCode::kDataLoss);
  EXPECT_EQ(size, 10000u);
}

TEST_F(HttpStreamTest, ErrorStatusBodyIsReadInsteadOfStreamed) {
  HttpClient client;
  Result<HttpResponse> response = client.Open(Get(peer_.Url("/status?code=404&times=1&key=m")));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->stream, nullptr);
  EXPECT_EQ(ParseJson(response->body)->getValue<int>("attempt"), 1);
}

TEST_F(HttpStreamTest, OpenRetriesBeforeTheHeaders) {
  HttpClient client;
  Result<HttpResponse> response = client.Open(Get(peer_.Url("/status?code=503&times=2&key=n")));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->attempts, 3);
  ASSERT_NE(response->stream, nullptr);
  Result<std::string> body = ReadAll(*response->stream, 1000);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(ParseJson(*body)->getValue<int>("attempt"), 3);
}

TEST_F(HttpStreamTest, A256MiBDownloadKeepsMemoryFlat) {
  constexpr uint64_t kSize = 256ull << 20;
  HttpClient client;
  uint64_t rss_before = ResidentBytes();
  Result<HttpResponse> response =
      client.Open(Get(peer_.Url("/download?size=" + std::to_string(kSize))));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  std::string sha;
  uint64_t size = 0;
  Status read = Drain(*response->stream, &sha, &size);
  ASSERT_TRUE(read.ok()) << read.ToString();
  uint64_t rss_after = ResidentBytes();
  EXPECT_EQ(size, kSize);
  EXPECT_EQ(sha, PatternSha256(kSize));
  EXPECT_LT(rss_after, rss_before + (32ull << 20))
      << "resident memory grew by " << (rss_after - rss_before) / (1 << 20) << " MiB";
}

TEST_F(HttpStreamTest, StreamOutlivesItsClient) {
  std::unique_ptr<ByteReader> stream;
  {
    HttpClient client;
    Result<HttpResponse> response = client.Open(Get(peer_.Url("/download?size=300000")));
    ASSERT_TRUE(response.ok());
    stream = std::move(response->stream);
  }
  std::string sha;
  uint64_t size = 0;
  ASSERT_TRUE(Drain(*stream, &sha, &size).ok());
  EXPECT_EQ(sha, PatternSha256(300000));
}

}  // namespace
}  // namespace modelpusher::testing
