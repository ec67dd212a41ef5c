// The per-user limits of TaskService::create(): how many tasks one user may have waiting or
// running, and how many bytes of uploads and bundles they may keep. Checked before anything is
// stored. Two uploads of one user racing past the check can overshoot a limit by one task; the
// next create sees it.

#include <fmt/format.h>

#include "service/task_service.h"

namespace trainbox::service {
namespace {

std::string megabytes(int64_t bytes) {
  return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
}

}  // namespace

Status TaskService::check_user_limits(const Caller& caller, int64_t upload_bytes) {
  const UserLimits& limits = config_.user_limits;
  if (caller.is_admin || (limits.max_active_tasks <= 0 && limits.max_stored_bytes <= 0)) {
    return {};
  }
  auto usage = store_.usage(caller.user);
  if (!usage) return fail(usage.error());
  if (limits.max_active_tasks > 0 && usage->active_tasks >= limits.max_active_tasks) {
    return fail(ErrorCode::kQuotaExceeded, "too_many_active_tasks",
                fmt::format("user '{}' already has {} tasks queued or running (the limit is {}); "
                            "wait for one to end or cancel one",
                            caller.user, usage->active_tasks, limits.max_active_tasks));
  }
  if (limits.max_stored_bytes > 0 && usage->stored_bytes + upload_bytes > limits.max_stored_bytes) {
    return fail(ErrorCode::kQuotaExceeded, "storage_quota_exceeded",
                fmt::format("user '{}' stores {} and this upload is {}: over the limit of {}; "
                            "delete tasks to free space",
                            caller.user, megabytes(usage->stored_bytes), megabytes(upload_bytes),
                            megabytes(limits.max_stored_bytes)));
  }
  return {};
}

}  // namespace trainbox::service
