#pragma once
// AWS Signature Version 4 for the Authorization header, as pure functions: no I/O, no clock (the
// time is an argument), so the AWS test vectors pin every step. See
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html.
//
// Paths and query parameters are given decoded; the signer encodes them (uri_encode) and the
// caller must send exactly that encoding (canonical_path / canonical_query give it). Paths are
// not normalised ("." and ".." stay), as S3 requires.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/header.h"

namespace trainbox::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary credentials (STS, Lambda)
};

using QueryParam = std::pair<std::string, std::string>;

struct SigningRequest {
  std::string method = "GET";
  std::string path = "/";         // decoded, e.g. "/bucket/tasks/a b.zip"
  std::vector<QueryParam> query;  // decoded; "?uploads" is {"uploads", ""}
  Headers headers;                // must hold host and x-amz-date; names in any case
  std::string payload_sha256;     // lowercase hex of the body, or "UNSIGNED-PAYLOAD"
};

struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lowercase hex
  std::string authorization;  // the Authorization header's value
};

inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// RFC 3986 percent-encoding of everything but A-Z a-z 0-9 - . _ ~ (and '/' unless encode_slash).
std::string uri_encode(std::string_view text, bool encode_slash);
std::string canonical_path(std::string_view path);
std::string canonical_query(const std::vector<QueryParam>& query);
std::string canonical_request(const SigningRequest& request);
std::string credential_scope(std::string_view date, std::string_view region,
                             std::string_view service);
// "20150830T123600Z" for a UTC time point.
std::string amz_date(std::chrono::system_clock::time_point time);

// Signs `request` as it stands; `date_time` is its x-amz-date value ("20150830T123600Z").
Signature sign(const SigningRequest& request, const Credentials& credentials,
               std::string_view region, std::string_view service, std::string_view date_time);

// Adds x-amz-date (from `now`), x-amz-security-token (with a session token) and, when
// `content_sha256_header` (S3 wants it), x-amz-content-sha256 = payload_sha256; then signs and
// adds Authorization. Returns the signature for logging-free inspection in tests.
Signature sign_in_place(SigningRequest& request, const Credentials& credentials,
                        std::string_view region, std::string_view service,
                        std::chrono::system_clock::time_point now, bool content_sha256_header);

// Hash helpers (OpenSSL libcrypto).
std::string hex(std::string_view bytes);
std::string sha256_hex(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string md5_base64(std::string_view data);                         // for Content-MD5
std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service);  // raw 32 bytes

// SHA-256 over data fed in pieces (a file hashed in a streaming pass). Not thread-safe.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  std::string final_hex();  // the hash of everything fed; the object is spent afterwards

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace trainbox::aws
