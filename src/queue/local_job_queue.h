#pragma once

#include <memory>

#include "queue/job_queue.h"

namespace trainbox::queue {

// In-process FIFO over a mutex and a condition variable; also the fake queue for tests. A popped
// id is gone (ack() is a no-op) and the contents are never lost (generation() is always 0).
std::unique_ptr<JobQueue> make_local_job_queue();

}  // namespace trainbox::queue
