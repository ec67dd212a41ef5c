#pragma once
// Who is asking: the user behind a request, as the HTTP layer authenticated it. Every user-facing
// use case of TaskService takes one, so ownership is checked in one place whatever the front end
// (HTTP server, Lambda API role).

#include <string>

#include "core/task.h"

namespace trainbox::service {

struct Caller {
  std::string user;       // "" when accounts are off (--auth none)
  bool is_admin = false;  // sees every task; not held to the per-user limits

  // A user sees their own tasks only; another user's task is reported as missing (404), so ids
  // cannot be probed.
  bool can_see(const core::Task& task) const { return is_admin || task.owner == user; }
};

// The caller of a server without accounts (--auth none), and of in-process tools and tests: sees
// everything, owns what it creates as "".
inline Caller unrestricted_caller() { return Caller{"", true}; }

}  // namespace trainbox::service
