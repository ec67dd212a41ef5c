#pragma once
// Errors as values at library boundaries: Result<T> is a [[nodiscard]] tl::expected<T, Error>.
// Error carries a coarse ErrorCode (mapped to an HTTP status in one table, http/responses.cc),
// a machine-readable slug (e.g. "archive_path_traversal") and a message a person can act on.

#include <string>
#include <tl/expected.hpp>
#include <utility>

namespace trainbox {

enum class ErrorCode {
  kInvalidArgument,       // bad input from the caller (400)
  kUnprocessable,         // well-formed JSON whose fields are wrong (422)
  kNotFound,              // no such object (404)
  kConflict,              // illegal in the current state (409)
  kPayloadTooLarge,       // over a configured limit (413)
  kUnsupportedMediaType,  // wrong kind of file (415)
  kUnauthenticated,       // no valid credentials (401)
  kForbidden,             // authenticated, but not allowed (403)
  kQuotaExceeded,         // a per-user limit is reached (429)
  kUnavailable,           // a backend is down; retrying may help (503)
  kInsufficientStorage,   // disk full (507)
  kCancelled,             // stopped on request
  kInternal,              // a bug or an unexpected failure (500)
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string slug;     // stable, machine-readable
  std::string message;  // for a person
};

template <class T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using tl::expected<T, Error>::expected;
  Result(tl::expected<T, Error> other)  // NOLINT(google-explicit-constructor)
      : tl::expected<T, Error>(std::move(other)) {}
};

using Status = Result<void>;

inline tl::unexpected<Error> fail(ErrorCode code, std::string slug, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(slug), std::move(message)});
}
inline tl::unexpected<Error> fail(Error error) { return tl::unexpected<Error>(std::move(error)); }

// Returns early from the enclosing function with the error of a failed Result.
#define TRAINBOX_TRY(expr)                                   \
  do {                                                       \
    auto trainbox_try_result_ = (expr);                      \
    if (!trainbox_try_result_) {                             \
      return ::trainbox::fail(trainbox_try_result_.error()); \
    }                                                        \
  } while (false)

const char* error_code_name(ErrorCode code);

}  // namespace trainbox
