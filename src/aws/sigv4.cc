#include "aws/sigv4.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace trainbox::aws {
namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims both ends and folds every run of spaces or tabs into one space (the SigV4 rule).
std::string trim_value(std::string_view value) {
  std::string out;
  bool in_space = false;
  for (char c : value) {
    bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (space) {
      in_space = !out.empty();
      continue;
    }
    if (in_space) out += ' ';
    in_space = false;
    out += c;
  }
  return out;
}

// Lowercased names sorted, values of repeated names joined by ',' in their original order.
std::vector<Header> canonical_headers(const Headers& headers) {
  std::vector<Header> lowered;
  for (const Header& header : headers) {
    lowered.push_back({lowercase(header.name), trim_value(header.value)});
  }
  std::stable_sort(lowered.begin(), lowered.end(),
                   [](const Header& a, const Header& b) { return a.name < b.name; });
  std::vector<Header> merged;
  for (Header& header : lowered) {
    if (!merged.empty() && merged.back().name == header.name) {
      merged.back().value += "," + header.value;
    } else {
      merged.push_back(std::move(header));
    }
  }
  return merged;
}

std::string signed_header_names(const std::vector<Header>& headers) {
  std::string names;
  for (const Header& header : headers) names += (names.empty() ? "" : ";") + header.name;
  return names;
}

std::string digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out, &size, md, nullptr) != 1) return {};  // no memory
  return std::string(reinterpret_cast<const char*>(out), size);
}

}  // namespace

std::optional<std::string> find_header(const Headers& headers, std::string_view name) {
  std::string wanted = lowercase(name);
  for (const Header& header : headers) {
    if (lowercase(header.name) == wanted) return header.value;
  }
  return std::nullopt;
}

std::string uri_encode(std::string_view text, bool encode_slash) {
  std::string out;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~' ||
        (c == '/' && !encode_slash)) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", byte);
    }
  }
  return out;
}

std::string canonical_path(std::string_view path) {
  return path.empty() ? "/" : uri_encode(path, false);
}

std::string canonical_query(const std::vector<QueryParam>& query) {
  std::vector<QueryParam> encoded;
  encoded.reserve(query.size());
  for (const auto& [key, value] : query) {
    encoded.emplace_back(uri_encode(key, true), uri_encode(value, true));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [key, value] : encoded) {
    if (!out.empty()) out += '&';
    out += key;
    out += '=';
    out += value;
  }
  return out;
}

std::string canonical_request(const SigningRequest& request) {
  std::vector<Header> headers = canonical_headers(request.headers);
  std::string header_block;
  for (const Header& header : headers) header_block += header.name + ":" + header.value + "\n";
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, canonical_path(request.path),
                     canonical_query(request.query), header_block, signed_header_names(headers),
                     request.payload_sha256);
}

std::string credential_scope(std::string_view date, std::string_view region,
                             std::string_view service) {
  return fmt::format("{}/{}/{}/aws4_request", date, region, service);
}

std::string amz_date(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char out[17];
  std::strftime(out, sizeof(out), "%Y%m%dT%H%M%SZ", &utc);
  return out;
}

Signature sign(const SigningRequest& request, const Credentials& credentials,
               std::string_view region, std::string_view service, std::string_view date_time) {
  Signature result;
  std::string_view date = date_time.substr(0, 8);
  std::string scope = credential_scope(date, region, service);
  result.canonical_request = canonical_request(request);
  result.string_to_sign = fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", date_time, scope,
                                      sha256_hex(result.canonical_request));
  std::string key = signing_key(credentials.secret_access_key, date, region, service);
  result.signature = hex(hmac_sha256(key, result.string_to_sign));
  result.authorization =
      fmt::format("AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}",
                  credentials.access_key_id, scope,
                  signed_header_names(canonical_headers(request.headers)), result.signature);
  return result;
}

Signature sign_in_place(SigningRequest& request, const Credentials& credentials,
                        std::string_view region, std::string_view service,
                        std::chrono::system_clock::time_point now, bool content_sha256_header) {
  std::string date_time = amz_date(now);
  request.headers.push_back({"x-amz-date", date_time});
  if (content_sha256_header) {
    request.headers.push_back({"x-amz-content-sha256", request.payload_sha256});
  }
  if (!credentials.session_token.empty()) {
    request.headers.push_back({"x-amz-security-token", credentials.session_token});
  }
  Signature signature = sign(request, credentials, region, service, date_time);
  request.headers.push_back({"Authorization", signature.authorization});
  return signature;
}

std::string hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += fmt::format("{:02x}", static_cast<unsigned char>(c));
  return out;
}

std::string sha256_hex(std::string_view data) { return hex(digest(EVP_sha256(), data)); }

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &size);
  return std::string(reinterpret_cast<const char*>(out), size);
}

std::string md5_base64(std::string_view data) {
  std::string raw = digest(EVP_md5(), data);
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                             reinterpret_cast<const unsigned char*>(raw.data()),
                             static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(size));
  return out;
}

std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service) {
  std::string key = hmac_sha256("AWS4" + std::string(secret), date);
  key = hmac_sha256(key, region);
  key = hmac_sha256(key, service);
  return hmac_sha256(key, "aws4_request");
}

struct Sha256::State {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  ~State() { EVP_MD_CTX_free(context); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr);
}
Sha256::~Sha256() = default;

void Sha256::update(std::string_view data) {
  EVP_DigestUpdate(state_->context, data.data(), data.size());
}

std::string Sha256::final_hex() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(state_->context, out, &size);
  return hex(std::string_view(reinterpret_cast<const char*>(out), size));
}

}  // namespace trainbox::aws
