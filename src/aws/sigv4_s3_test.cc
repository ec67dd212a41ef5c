// The S3 examples of the AWS docs ("Signature Calculations for the Authorization Header:
// Transferring Payload in a Single Chunk": examplebucket, AKIAIOSFODNN7EXAMPLE, 20130524), each
// step checked against the published canonical request, string to sign and signature; and the
// small helpers against standard values.

#include <gtest/gtest.h>

#include <map>

#include "aws/credentials.h"
#include "aws/sigv4.h"

namespace trainbox::aws {
namespace {

const Credentials kS3Docs{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
constexpr const char* kDate = "20130524T000000Z";
constexpr const char* kStsHead =
    "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n";

SigningRequest s3_request(std::string method, std::string path, std::vector<QueryParam> query,
                          Headers extra, std::string payload_sha256) {
  SigningRequest request{std::move(method),
                         std::move(path),
                         std::move(query),
                         {{"Host", "examplebucket.s3.amazonaws.com"}},
                         payload_sha256};
  for (Header& header : extra) request.headers.push_back(std::move(header));
  request.headers.push_back({"x-amz-content-sha256", payload_sha256});
  request.headers.push_back({"x-amz-date", kDate});
  return request;
}

TEST(Sigv4S3, GetObjectWithRange) {
  Signature s =
      sign(s3_request("GET", "/test.txt", {}, {{"Range", "bytes=0-9"}}, std::string(kEmptySha256)),
           kS3Docs, "us-east-1", "s3", kDate);
  EXPECT_EQ(
      s.canonical_request,
      "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(
      s.string_to_sign,
      std::string(kStsHead) + "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(s.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(Sigv4S3, PutObject) {
  std::string payload = sha256_hex("Welcome to Amazon S3.");
  EXPECT_EQ(payload, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  Signature s = sign(s3_request("PUT", "/test$file.text", {},
                                {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                                 {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                                payload),
                     kS3Docs, "us-east-1", "s3", kDate);
  EXPECT_EQ(
      s.canonical_request,
      "PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\n"
      "host:examplebucket.s3.amazonaws.com\n"
      "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
      "x-amz-date:20130524T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n"
      "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
      "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(
      s.string_to_sign,
      std::string(kStsHead) + "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  EXPECT_EQ(s.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(Sigv4S3, GetBucketLifecycle) {
  Signature s = sign(s3_request("GET", "/", {{"lifecycle", ""}}, {}, std::string(kEmptySha256)),
                     kS3Docs, "us-east-1", "s3", kDate);
  EXPECT_EQ(
      s.canonical_request,
      "GET\n/\nlifecycle=\nhost:examplebucket.s3.amazonaws.com\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(
      s.string_to_sign,
      std::string(kStsHead) + "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca");
  EXPECT_EQ(s.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(Sigv4S3, ListObjects) {
  Signature s = sign(
      s3_request("GET", "/", {{"max-keys", "2"}, {"prefix", "J"}}, {}, std::string(kEmptySha256)),
      kS3Docs, "us-east-1", "s3", kDate);
  EXPECT_EQ(
      s.string_to_sign,
      std::string(kStsHead) + "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");
  EXPECT_EQ(s.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(Sigv4Helpers, UriEncodeKeepsUnreservedAndSlashOnlyWhenAsked) {
  EXPECT_EQ(uri_encode("a b/c~d*+", false), "a%20b/c~d%2A%2B");
  EXPECT_EQ(uri_encode("a b/c", true), "a%20b%2Fc");
  EXPECT_EQ(canonical_path(""), "/");
}

TEST(Sigv4Helpers, AmzDateIsUtc) {
  using namespace std::chrono;
  EXPECT_EQ(amz_date(sys_days{year{2013} / 5 / 24}), "20130524T000000Z");
  EXPECT_EQ(amz_date(sys_days{year{2015} / 8 / 30} + hours{12} + minutes{36}), "20150830T123600Z");
}

TEST(Sigv4Helpers, StreamingSha256EqualsOneShot) {
  Sha256 hash;
  hash.update("Welcome to ");
  hash.update("");
  hash.update("Amazon S3.");
  EXPECT_EQ(hash.final_hex(), sha256_hex("Welcome to Amazon S3."));
  EXPECT_EQ(Sha256().final_hex(), kEmptySha256);
}

TEST(Sigv4Helpers, ContentMd5OfTheEmptyString) {  // RFC 1321: d41d8cd98f00b204e9800998ecf8427e
  EXPECT_EQ(md5_base64(""), "1B2M2Y8AsgTpgAmY7PhCfg==");
}

TEST(Credentials, FromEnvironmentNamesTheMissingVariable) {
  std::map<std::string, std::string> env{{"AWS_ACCESS_KEY_ID", "AK"}};
  auto lookup = [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto missing = credentials_from_env(lookup);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().slug, "aws_credentials_missing");
  EXPECT_NE(missing.error().message.find("AWS_SECRET_ACCESS_KEY is not set"), std::string::npos);
  env.erase("AWS_ACCESS_KEY_ID");
  EXPECT_EQ(credentials_from_env(lookup).error().message.find("AWS_ACCESS_KEY_ID is not set"), 0u);
  env = {{"AWS_ACCESS_KEY_ID", "AK"}, {"AWS_SECRET_ACCESS_KEY", "SK"}, {"AWS_SESSION_TOKEN", "T"}};
  Credentials found = credentials_from_env(lookup).value();
  EXPECT_EQ(found.access_key_id, "AK");
  EXPECT_EQ(found.secret_access_key, "SK");
  EXPECT_EQ(found.session_token, "T");
}

TEST(Credentials, RegionPrefersAwsRegion) {
  std::map<std::string, std::string> env{{"AWS_DEFAULT_REGION", "eu-west-1"}};
  auto lookup = [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  EXPECT_EQ(region_from_env(lookup), "eu-west-1");
  env["AWS_REGION"] = "us-west-2";
  EXPECT_EQ(region_from_env(lookup), "us-west-2");
  env.clear();
  EXPECT_EQ(region_from_env(lookup), "");
}

}  // namespace
}  // namespace trainbox::aws
