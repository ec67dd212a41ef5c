include(GoogleTest)
set(TRAINBOX_TEST_SERVERS_DIR ${CMAKE_BINARY_DIR}/test-servers)
# trainbox_test(<name> SOURCES ... LIBS ... [LABELS ...] [SERVERS postgres redis s3]): one gtest
# binary, tests discovered by ctest. SERVERS names the real servers (tests/servers/<name>.sh) that
# ctest starts before these tests and stops after them (CTest fixtures); the tests find each
# server's URL in TRAINBOX_TEST_SERVERS_DIR/<name>.url (tests/support/test_servers.h).
function(trainbox_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS;SERVERS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main Threads::Threads)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR})
  trainbox_warnings(${name})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  # One fixture name per binary: a list value would be split by gtest_discover_tests' PROPERTIES.
  set(fixture "")
  foreach(server IN LISTS T_SERVERS)
    set(fixture "${name}_servers")
    set_property(TEST servers.${server}.start APPEND PROPERTY FIXTURES_SETUP ${fixture})
    set_property(TEST servers.${server}.stop APPEND PROPERTY FIXTURES_CLEANUP ${fixture})
  endforeach()
  set(properties LABELS "${T_LABELS}" TIMEOUT 600 ENVIRONMENT "TRAINBOX_BINARY=$<TARGET_FILE:trainbox>")
  if(fixture)
    list(APPEND properties FIXTURES_REQUIRED ${fixture})
  endif()
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60
                       PROPERTIES ${properties})
  target_compile_definitions(${name} PRIVATE
                             TRAINBOX_TEST_SERVERS_DIR="${TRAINBOX_TEST_SERVERS_DIR}")
endfunction()

# trainbox_test_server(<name>): the setup and cleanup tests of one real server on loopback.
function(trainbox_test_server name)
  set(script ${PROJECT_SOURCE_DIR}/tests/servers/${name}.sh)
  add_test(NAME servers.${name}.start COMMAND bash ${script} start ${TRAINBOX_TEST_SERVERS_DIR})
  add_test(NAME servers.${name}.stop COMMAND bash ${script} stop ${TRAINBOX_TEST_SERVERS_DIR})
  set_tests_properties(servers.${name}.start PROPERTIES TIMEOUT 120 LABELS servers)
  set_tests_properties(servers.${name}.stop PROPERTIES TIMEOUT 60 LABELS servers)
endfunction()
