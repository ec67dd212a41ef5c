#pragma once
// AWS credentials and region from the usual environment variables: AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (optional), AWS_REGION or AWS_DEFAULT_REGION.
// Read once, when a backend opens; nothing here is cached.

#include <functional>
#include <string>

#include "aws/sigv4.h"
#include "util/result.h"

namespace trainbox::aws {

// Looks a variable up; returns nullptr when unset. std::getenv by default, a map in tests.
using EnvLookup = std::function<const char*(const char*)>;

// kInvalidArgument "aws_credentials_missing", naming the missing variable, when the key id or the
// secret is unset or empty.
Result<Credentials> credentials_from_env(const EnvLookup& lookup = {});
// AWS_REGION, else AWS_DEFAULT_REGION, else "" (the caller decides the default).
std::string region_from_env(const EnvLookup& lookup = {});

}  // namespace trainbox::aws
