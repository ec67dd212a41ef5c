// The S3 URL's options and the little XML reader, without a server.

#include "storage/s3_config.h"

#include <gtest/gtest.h>

#include "storage/s3_xml.h"

namespace trainbox::storage {
namespace {

TEST(S3Config, EndpointMeansPathStyle) {
  S3Config config =
      parse_s3_url("s3://trainbox-test/a/b?endpoint=http://127.0.0.1:9000/&region=eu-west-1", "")
          .value();
  EXPECT_EQ(config.bucket, "trainbox-test");
  EXPECT_EQ(config.prefix, "a/b/");
  EXPECT_EQ(config.endpoint(), "http://127.0.0.1:9000");
  EXPECT_EQ(config.region, "eu-west-1");
  EXPECT_TRUE(config.path_style);
  EXPECT_EQ(config.path_of("a/b/k"), "/trainbox-test/a/b/k");
  EXPECT_EQ(config.path_of(""), "/trainbox-test");
}

TEST(S3Config, AwsDefaultsToVirtualHostedHttps) {
  S3Config config = parse_s3_url("s3://my-bucket", "ap-south-1").value();
  EXPECT_EQ(config.prefix, "");
  EXPECT_EQ(config.endpoint(), "https://my-bucket.s3.ap-south-1.amazonaws.com");
  EXPECT_FALSE(config.path_style);
  EXPECT_EQ(config.path_of("k"), "/k");
  EXPECT_EQ(config.path_of(""), "/");
  EXPECT_EQ(parse_s3_url("s3://my-bucket/", "").value().region, "us-east-1");
  EXPECT_EQ(parse_s3_url("s3://my-bucket?addressing=path", "").value().endpoint(),
            "https://s3.us-east-1.amazonaws.com");
}

TEST(S3Config, SizesAndEncodedEndpoint) {
  S3Config config = parse_s3_url(
                        "s3://b12?endpoint=http%3A%2F%2Flocalhost%3A1234&multipart_threshold_mb=6"
                        "&part_mb=5&list_page_size=2&addressing=virtual",
                        "")
                        .value();
  EXPECT_EQ(config.endpoint(), "http://b12.localhost:1234");
  EXPECT_EQ(config.multipart_threshold, 6u << 20);
  EXPECT_EQ(config.part_size, 5u << 20);
  EXPECT_EQ(config.list_page_size, 2);
}

TEST(S3Config, RefusesWhatItCannotUse) {
  for (const char* bad : {"s3://", "s3://UPPER", "s3://ab", "s3://bucket/../x",
                          "s3://bucket?nope=1", "s3://bucket?endpoint=ftp://x",
                          "s3://bucket?endpoint=http://h/path", "s3://bucket?part_mb=4",
                          "s3://bucket?multipart_threshold_mb=x", "s3://bucket?addressing=odd"}) {
    auto parsed = parse_s3_url(bad, "");
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().slug, "invalid_storage_url") << bad;
  }
}

TEST(S3Xml, TextsAreDecodedAndKeyCountIsNotAKey) {
  std::string xml =
      "<ListBucketResult><KeyCount>2</KeyCount><Contents><Key>a&amp;b&lt;&#x41;&#66;</Key>"
      "</Contents><Contents><Key>c</Key></Contents><IsTruncated>false</IsTruncated>"
      "</ListBucketResult>";
  EXPECT_EQ(xml_texts(xml, "Key"), (std::vector<std::string>{"a&b<AB", "c"}));
  EXPECT_EQ(xml_text(xml, "IsTruncated"), "false");
  EXPECT_EQ(xml_text(xml, "NextContinuationToken"), "");
  EXPECT_EQ(xml_unescape("&#xE9;&bogus;&"), "\xc3\xa9&bogus;&");
  EXPECT_EQ(xml_escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
}

}  // namespace
}  // namespace trainbox::storage
