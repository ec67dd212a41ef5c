#pragma once

#include <memory>

#include "queue/job_queue.h"

namespace trainbox::queue {

// In-process FIFO over a mutex and a condition variable; also the fake queue for tests.
std::unique_ptr<JobQueue> make_local_job_queue();

}  // namespace trainbox::queue
