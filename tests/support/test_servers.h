#pragma once
// Where the tests find the real servers that ctest started for them (tests/servers/<name>.sh
// writes the URL to TRAINBOX_TEST_SERVERS_DIR/<name>.url; see cmake/testing.cmake). An
// environment variable TRAINBOX_TEST_<NAME>_URL overrides the file, to point a suite at a server
// started by hand. A missing server is an error, never a skipped test.

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#ifndef TRAINBOX_TEST_SERVERS_DIR
#define TRAINBOX_TEST_SERVERS_DIR ""
#endif

namespace trainbox::testing {

// TRAINBOX_TEST_<NAME>_URL
inline std::string test_server_variable(const std::string& name) {
  std::string variable = "TRAINBOX_TEST_";
  for (char c : name) variable += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return variable + "_URL";
}

inline std::optional<std::string> test_server_url(const std::string& name) {
  std::string variable = test_server_variable(name);
  if (const char* url = std::getenv(variable.c_str()); url != nullptr && *url != '\0') return url;
  std::ifstream file(std::string(TRAINBOX_TEST_SERVERS_DIR) + "/" + name + ".url");
  std::string url;
  if (!std::getline(file, url) || url.empty()) return std::nullopt;
  return url;
}

// The message for a test that cannot find its server.
inline std::string missing_server_message(const std::string& name) {
  return "no " + name + " server: run this suite through ctest (fixture servers." + name +
         ".start) or set " + test_server_variable(name);
}

}  // namespace trainbox::testing
