// The signer against published vectors only: AWS's SigV4 test suite (aws-sig-v4-test-suite,
// 2015-08-30 edition: AKIDEXAMPLE, region us-east-1, service "service"), the signing-key example
// of the IAM guide, and the four worked S3 examples of "Signature Calculations for the
// Authorization Header: Transferring Payload in a Single Chunk". No expected value here was
// computed by this code.

#include "aws/sigv4.h"

#include <gtest/gtest.h>

#include <chrono>

namespace trainbox::aws {
namespace {

const Credentials kSuite{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
constexpr const char* kSuiteDate = "20150830T123600Z";
constexpr const char* kSuiteScope =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";

struct SuiteCase {
  const char* name;
  const char* method;
  const char* path;
  std::vector<QueryParam> query;
  Headers extra_headers;  // after Host (and before X-Amz-Date), as in the .req file
  const char* body;
  const char* authorization;  // the .authz file, less kSuiteScope
};

SigningRequest suite_request(const SuiteCase& c) {
  SigningRequest request{
      c.method, c.path, c.query, {{"Host", "example.amazonaws.com"}}, sha256_hex(c.body)};
  for (const Header& header : c.extra_headers) request.headers.push_back(header);
  request.headers.push_back({"X-Amz-Date", kSuiteDate});
  return request;
}

class Sigv4Suite : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(Sigv4Suite, AuthorizationMatchesTheSuite) {
  Signature signature = sign(suite_request(GetParam()), kSuite, "us-east-1", "service", kSuiteDate);
  EXPECT_EQ(signature.authorization, std::string(kSuiteScope) + GetParam().authorization)
      << signature.canonical_request;
}

const SuiteCase kSuiteCases[] = {
    {"get_vanilla",
     "GET",
     "/",
     {},
     {},
     "",
     "SignedHeaders=host;x-amz-date, "
     "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"get_vanilla_empty_query_key",
     "GET",
     "/",
     {{"Param1", "value1"}},
     {},
     "",
     "SignedHeaders=host;x-amz-date, "
     "Signature=a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
    {"get_vanilla_query_order_key_case",
     "GET",
     "/",
     {{"Param2", "value2"}, {"Param1", "value1"}},
     {},
     "",
     "SignedHeaders=host;x-amz-date, "
     "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
    {"get_vanilla_query_order_key",
     "GET",
     "/",
     {{"Param1", "value2"}, {"Param1", "Value1"}},
     {},
     "",
     "SignedHeaders=host;x-amz-date, "
     "Signature=eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"},
    {"get_vanilla_query_order_value",
     "GET",
     "/",
     {{"Param1", "value2"}, {"Param1", "value1"}},
     {},
     "",
     "SignedHeaders=host;x-amz-date, "
     "Signature=5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"},
    {"get_vanilla_query_unreserved",
     "GET",
     "/",
     {{"-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}},
     {},
     "",
     "SignedHeaders=host;x-amz-date, "
     "Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
    {"get_vanilla_utf8_query",
     "GET",
     "/",
     {{"\xe1\x88\xb4", "bar"}},
     {},
     "",
     "SignedHeaders=host;x-amz-date, "
     "Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
    {"get_unreserved",
     "GET",
     "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
     {},
     {},
     "",
     "SignedHeaders=host;x-amz-date, "
     "Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
    {"get_utf8",
     "GET",
     "/\xe1\x88\xb4",
     {},
     {},
     "",
     "SignedHeaders=host;x-amz-date, "
     "Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
    {"get_header_key_duplicate",
     "GET",
     "/",
     {},
     {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
     "",
     "SignedHeaders=host;my-header1;x-amz-date, "
     "Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
    {"get_header_value_order",
     "GET",
     "/",
     {},
     {{"My-Header1", "value4"},
      {"My-Header1", "value1"},
      {"My-Header1", "value3"},
      {"My-Header1", "value2"}},
     "",
     "SignedHeaders=host;my-header1;x-amz-date, "
     "Signature=08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
    {"get_header_value_trim",
     "GET",
     "/",
     {},
     {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
     "",
     "SignedHeaders=host;my-header1;my-header2;x-amz-date, "
     "Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
    {"post_vanilla",
     "POST",
     "/",
     {},
     {},
     "",
     "SignedHeaders=host;x-amz-date, "
     "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
    {"post_vanilla_query",
     "POST",
     "/",
     {{"Param1", "value1"}},
     {},
     "",
     "SignedHeaders=host;x-amz-date, "
     "Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
    {"post_vanilla_query_nonunreserved",
     "POST",
     "/",
     {{"@#$%^", ""}, {"+", "/,?><`\";:\\|][{}"}},
     {},
     "",
     "SignedHeaders=host;x-amz-date, "
     "Signature=66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e"},
    {"post_header_key_sort",
     "POST",
     "/",
     {},
     {{"My-Header1", "value1"}},
     "",
     "SignedHeaders=host;my-header1;x-amz-date, "
     "Signature=c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
    {"post_header_value_case",
     "POST",
     "/",
     {},
     {{"My-Header1", "VALUE1"}},
     "",
     "SignedHeaders=host;my-header1;x-amz-date, "
     "Signature=cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
    {"post_x_www_form_urlencoded",
     "POST",
     "/",
     {},
     {{"Content-Type", "application/x-www-form-urlencoded"}},
     "Param1=value1",
     "SignedHeaders=content-type;host;x-amz-date, "
     "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
    {"post_x_www_form_urlencoded_parameters",
     "POST",
     "/",
     {},
     {{"Content-Type", "application/x-www-form-urlencoded; charset=utf8"}},
     "Param1=value1",
     "SignedHeaders=content-type;host;x-amz-date, "
     "Signature=1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"},
};

INSTANTIATE_TEST_SUITE_P(AwsTestSuite, Sigv4Suite, ::testing::ValuesIn(kSuiteCases),
                         [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(Sigv4, GetVanillaIntermediateSteps) {
  Signature signature =
      sign(suite_request(kSuiteCases[0]), kSuite, "us-east-1", "service", kSuiteDate);
  EXPECT_EQ(signature.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(signature.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
}

TEST(Sigv4, HeaderValueTrimCanonicalRequest) {
  Signature signature =
      sign(suite_request(kSuiteCases[11]), kSuite, "us-east-1", "service", kSuiteDate);
  EXPECT_EQ(signature.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
            "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(signature.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7");
}

std::chrono::system_clock::time_point suite_time() {
  using namespace std::chrono;
  return sys_days{year{2015} / 8 / 30} + hours{12} + minutes{36};
}

TEST(Sigv4, SignInPlaceAddsDateAndSessionToken) {  // post-sts-token/post-sts-header-before
  const std::string token =
      "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSP"
      "fIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYw"
      "T7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKm"
      "lzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
  Credentials with_token = kSuite;
  with_token.session_token = token;
  SigningRequest request{
      "POST", "/", {}, {{"Host", "example.amazonaws.com"}}, std::string(kEmptySha256)};
  sign_in_place(request, with_token, "us-east-1", "service", suite_time(), false);
  EXPECT_EQ(find_header(request.headers, "x-amz-date"), kSuiteDate);
  EXPECT_EQ(find_header(request.headers, "X-Amz-Security-Token"), token);
  EXPECT_EQ(find_header(request.headers, "authorization"),
            std::string(kSuiteScope) +
                "SignedHeaders=host;x-amz-date;x-amz-security-token, "
                "Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
}

TEST(Sigv4, SigningKeyOfTheIamGuide) {
  EXPECT_EQ(
      hex(signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")),
      "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

}  // namespace
}  // namespace trainbox::aws
