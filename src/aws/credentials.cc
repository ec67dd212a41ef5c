#include "aws/credentials.h"

#include <fmt/format.h>

#include <cstdlib>

namespace trainbox::aws {
namespace {

std::string get(const EnvLookup& lookup, const char* name) {
  const char* value = lookup ? lookup(name) : std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

Result<Credentials> credentials_from_env(const EnvLookup& lookup) {
  Credentials credentials{get(lookup, "AWS_ACCESS_KEY_ID"), get(lookup, "AWS_SECRET_ACCESS_KEY"),
                          get(lookup, "AWS_SESSION_TOKEN")};
  const char* missing = credentials.access_key_id.empty()       ? "AWS_ACCESS_KEY_ID"
                        : credentials.secret_access_key.empty() ? "AWS_SECRET_ACCESS_KEY"
                                                                : nullptr;
  if (missing != nullptr) {
    return fail(ErrorCode::kInvalidArgument, "aws_credentials_missing",
                fmt::format("{} is not set: an AWS backend needs AWS_ACCESS_KEY_ID and "
                            "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary "
                            "credentials) in the environment",
                            missing));
  }
  return credentials;
}

std::string region_from_env(const EnvLookup& lookup) {
  std::string region = get(lookup, "AWS_REGION");
  return region.empty() ? get(lookup, "AWS_DEFAULT_REGION") : region;
}

}  // namespace trainbox::aws
