// Known-answer tests from the AWS S3 documentation's SigV4 examples ("examplebucket",
// 20130524T000000Z, AKIAIOSFODNN7EXAMPLE), plus the path-encoding rules.

#include "sigv4.h"

#include <gtest/gtest.h>

#include "modelpusher/url.h"

namespace modelpusher::s3 {
namespace {

AwsCredentials ExampleCredentials() {
  return {"AKIAIOSFODNN7EXAMPLE", Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), Secret()};
}

TEST(SigV4, SignsTheDocumentedGetObjectExample) {
  Url url = *Url::Parse("https://examplebucket.s3.amazonaws.com/test.txt");
  HttpHeaders headers;
  headers.Set("Range", "bytes=0-9");
  headers.Set("x-amz-content-sha256", std::string(kEmptyPayloadSha256));
  headers.Set("x-amz-date", "20130524T000000Z");
  SigningParts parts =
      ComputeSignature("GET", url, headers, {"host", "range", "x-amz-content-sha256",
                                             "x-amz-date"},
                       kEmptyPayloadSha256, ExampleCredentials(), "us-east-1",
                       "20130524T000000Z");
  EXPECT_EQ(parts.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(parts.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(parts.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(parts.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            "aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, SignsTheDocumentedListObjectsExample) {
  // GET /?max-keys=2&prefix=J from the same page of the documentation.
  std::string query = CanonicalQueryString({{"prefix", "J"}, {"max-keys", "2"}});
  EXPECT_EQ(query, "max-keys=2&prefix=J");
  Url url = *Url::Parse("https://examplebucket.s3.amazonaws.com/?" + query);
  HttpHeaders headers;
  headers.Set("x-amz-content-sha256", std::string(kEmptyPayloadSha256));
  headers.Set("x-amz-date", "20130524T000000Z");
  SigningParts parts = ComputeSignature("GET", url, headers,
                                        {"host", "x-amz-content-sha256", "x-amz-date"},
                                        kEmptyPayloadSha256, ExampleCredentials(), "us-east-1",
                                        "20130524T000000Z");
  EXPECT_EQ(parts.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, SignRequestSignsExactlyThePathThatIsSent) {
  HttpRequest request;
  request.url = "http://127.0.0.1:9000" + EncodeObjectPath("b", "dir with space/ü?#+=@.bin");
  request.headers.Set("Range", "bytes=0-1");
  ASSERT_TRUE(SignRequest(request, ExampleCredentials(), "us-east-1", 1369353600).ok());
  EXPECT_EQ(request.url,
            "http://127.0.0.1:9000/b/dir%20with%20space/%C3%BC%3F%23%2B%3D%40.bin");
  std::string auth = request.headers.Get("Authorization").value_or("");
  EXPECT_NE(auth.find("SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"),
            std::string::npos);
  EXPECT_EQ(request.headers.Get("x-amz-date").value_or(""), "20130524T000000Z");
  // Recomputing from the sent URL gives the same signature: nothing was re-encoded.
  SigningParts again = ComputeSignature(
      "GET", *Url::Parse(request.url), request.headers,
      {"host", "range", "x-amz-content-sha256", "x-amz-date"}, kEmptyPayloadSha256,
      ExampleCredentials(), "us-east-1", "20130524T000000Z");
  EXPECT_EQ(auth, again.authorization);
  EXPECT_NE(again.canonical_request.find("\n/b/dir%20with%20space/%C3%BC%3F%23%2B%3D%40.bin\n"),
            std::string::npos);
}

TEST(SigV4, SessionTokenIsSignedAndMarkedAsCredential) {
  AwsCredentials credentials = ExampleCredentials();
  credentials.session_token = Secret("session-token-for-tests");
  HttpRequest request;
  request.url = "http://127.0.0.1:9000/b/k";
  ASSERT_TRUE(SignRequest(request, credentials, "eu-west-3", 1369353600).ok());
  std::string auth = request.headers.Get("Authorization").value_or("");
  EXPECT_NE(auth.find("/20130524/eu-west-3/s3/aws4_request"), std::string::npos);
  EXPECT_NE(auth.find("x-amz-security-token"), std::string::npos);
  EXPECT_EQ(request.credential_headers.size(), 2u);
}

TEST(SigV4, EncodesKeysSegmentBySegment) {
  EXPECT_EQ(EncodeObjectPath("", "sft/p=5/000000_1"), "/sft/p%3D5/000000_1");
  EXPECT_EQ(EncodeObjectPath("", "x/~tilde-_.bin"), "/x/~tilde-_.bin");
  EXPECT_EQ(EncodeObjectPath("", "this+that/somefile.txt"), "/this%2Bthat/somefile.txt");
  EXPECT_EQ(EncodeObjectPath("", "ü/ß.bin"), "/%C3%BC/%C3%9F.bin");
  EXPECT_EQ(EncodeObjectPath("bkt", "a?txt"), "/bkt/a%3Ftxt");
}

}  // namespace
}  // namespace modelpusher::s3
