#include "jobs/child_process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include "util/fs.h"

namespace trainbox::jobs {
namespace {
namespace fsys = std::filesystem;
using std::chrono::milliseconds;

class ChildProcessTest : public ::testing::Test {
 protected:
  ChildProcess sh(const std::string& script) {
    SpawnOptions options;
    options.argv = {"/bin/sh", "-c", script};
    options.stderr_log = dir_.path() / "stderr.log";
    auto child = ChildProcess::spawn(options);
    EXPECT_TRUE(child) << child.error().message;
    return std::move(*child);
  }
  TempDir dir_{fsys::temp_directory_path(), "child-test"};
};

TEST_F(ChildProcessTest, ReadsLinesAndExitCode) {
  ChildProcess child = sh("echo first; echo second; echo oops >&2; exit 3");
  EXPECT_EQ(child.read_line(milliseconds(5000)).value_or(""), "first");
  EXPECT_EQ(child.read_line(milliseconds(5000)).value_or(""), "second");
  EXPECT_FALSE(child.read_line(milliseconds(5000)));
  EXPECT_TRUE(child.eof());
  ExitStatus status = child.wait();
  EXPECT_TRUE(status.exited);
  EXPECT_EQ(status.code, 3);
  EXPECT_EQ(read_file(dir_.path() / "stderr.log").value(), "oops\n");
}

TEST_F(ChildProcessTest, ReadLineTimesOutWhileChildIsQuiet) {
  ChildProcess child = sh("sleep 5");
  EXPECT_FALSE(child.read_line(milliseconds(50)));
  EXPECT_FALSE(child.eof());
  EXPECT_FALSE(child.try_wait());
  child.signal(SIGKILL);
  ExitStatus status = child.wait();
  EXPECT_FALSE(status.exited);
  EXPECT_EQ(status.signal, SIGKILL);
  EXPECT_EQ(describe(status), "signal 9 (SIGKILL)");
}

TEST_F(ChildProcessTest, TermStopsAChildThatHonoursIt) {
  ChildProcess child = sh("trap 'exit 3' TERM; echo ready; while true; do sleep 0.05; done");
  ASSERT_EQ(child.read_line(milliseconds(5000)).value_or(""), "ready");
  child.signal(SIGTERM);
  ExitStatus status = child.wait();
  EXPECT_TRUE(status.exited);
  EXPECT_EQ(status.code, 3);
}

TEST_F(ChildProcessTest, MissingExecutableExits127) {
  SpawnOptions options;
  options.argv = {"/nonexistent/binary"};
  options.stderr_log = dir_.path() / "stderr.log";
  auto child = ChildProcess::spawn(options);
  ASSERT_TRUE(child);
  EXPECT_EQ(child->wait().code, 127);
}

}  // namespace
}  // namespace trainbox::jobs
