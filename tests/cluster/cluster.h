#pragma once
// A whole scale-out topology for one test: `scripts/cluster.sh up` (PostgreSQL, Redis, s3rver,
// one `serve --workers 0` and two `trainbox worker`s, all on loopback) in a scratch folder, and
// `down` when the test ends. The faults go through the same script.

#include <httplib.h>
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>

#include "util/fs.h"

namespace trainbox::testing {

class Cluster {
 public:
  explicit Cluster(int lease_timeout_s);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  bool up();
  // Runs `scripts/cluster.sh ACTION DIR` (restart-redis, pause-postgres, resume-postgres).
  bool run(const std::string& action);
  pid_t worker_pid(const std::string& worker_id) const;  // 0 if unknown
  std::unique_ptr<httplib::Client> client() const;
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  int lease_timeout_s_;
  int port_ = 0;
  TempDir dir_;
  bool started_ = false;
};

}  // namespace trainbox::testing
