#include "tests/cluster/cluster.h"

#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "tests/support/server_process.h"

namespace trainbox::testing {
namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

std::string script() { return std::string(TRAINBOX_SOURCE_TREE) + "/scripts/cluster.sh"; }

}  // namespace

Cluster::Cluster(int lease_timeout_s)
    : lease_timeout_s_(lease_timeout_s), dir_(std::filesystem::temp_directory_path(), "cluster") {}

Cluster::~Cluster() {
  if (started_) (void)run("down");
}

bool Cluster::up() {
  port_ = free_port();
  started_ = true;
  // No pretrained backbones: the image search uses its from-scratch candidates, as the API
  // tests do, so the test needs nothing downloaded.
  std::filesystem::create_directories(dir() / "no-backbones");
  std::string command = fmt::format(
      "PORT={} TRAINBOX_BIN={} TRAINBOX_LEASE_TIMEOUT_S={} TRAINBOX_BACKBONES_DIR={} "
      "bash {} up {} > {}/cluster-up.log 2>&1",
      port_, trainbox_binary().string(), lease_timeout_s_, (dir() / "no-backbones").string(),
      script(), dir().string(), dir().string());
  return std::system(command.c_str()) == 0;
}

bool Cluster::run(const std::string& action) {
  std::string command = fmt::format("bash {} {} {} >> {}/cluster-{}.log 2>&1", script(), action,
                                    dir().string(), dir().string(), action);
  return std::system(command.c_str()) == 0;
}

pid_t Cluster::worker_pid(const std::string& worker_id) const {
  std::ifstream file(dir() / (worker_id + ".pid"));
  pid_t pid = 0;
  file >> pid;
  return pid;
}

std::unique_ptr<httplib::Client> Cluster::client() const {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", port_);
  client->set_read_timeout(30, 0);
  // cluster.sh keeps accounts on and writes its admin's token here.
  std::ifstream token_file(dir() / "token");
  std::string token;
  if (std::getline(token_file, token) && !token.empty()) client->set_bearer_token_auth(token);
  return client;
}

}  // namespace trainbox::testing
