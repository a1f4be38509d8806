// Week 1 day 2: the scan command of mini-lsm-cli.

#include "harness/catch.hpp"
#include "harness/run_cli.hpp"
#include "harness/temp_dir.hpp"

using mini_lsm::testing::run_cli;
using mini_lsm::testing::TempDir;

TEST_CASE("cli scan prints every live key in key order, then the count", "[w1d2][cli]") {
  TempDir dir;
  const auto result = run_cli(dir.path() / "db",
                              "scan\n"
                              "put pear green\n"
                              "put apple red\n"
                              "put fig purple\n"
                              "put apple yellow\n"
                              "scan\n"
                              "del fig\n"
                              "scan\n");
  CHECK(result.output ==
        "0 keys\n"
        "ok\n"
        "ok\n"
        "ok\n"
        "ok\n"
        "apple=yellow\n"
        "fig=purple\n"
        "pear=green\n"
        "3 keys\n"
        "ok\n"
        "apple=yellow\n"
        "pear=green\n"
        "2 keys\n");
  CHECK(result.exit_code == 0);
}

TEST_CASE("cli scan LO HI includes both ends and orders keys as bytes", "[w1d2][cli]") {
  TempDir dir;
  // fill writes the decimal keys "8" .. "12": as bytes, "10" < "11" < "12" < "8" < "9".
  const auto result = run_cli(dir.path() / "db",
                              "fill 8 12\n"
                              "scan\n"
                              "scan 10 12\n"
                              "scan 11 8\n"
                              "scan 111 7\n"
                              "scan 9 9\n"
                              "scan 13 79\n"
                              "del 11\n"
                              "scan 10 12\n");
  CHECK(result.output ==
        "5 keys filled\n"
        "10=value10\n"
        "11=value11\n"
        "12=value12\n"
        "8=value8\n"
        "9=value9\n"
        "5 keys\n"
        "10=value10\n"
        "11=value11\n"
        "12=value12\n"
        "3 keys\n"
        "11=value11\n"
        "12=value12\n"
        "8=value8\n"
        "3 keys\n"
        "12=value12\n"
        "1 keys\n"
        "9=value9\n"
        "1 keys\n"
        "0 keys\n"
        "ok\n"
        "10=value10\n"
        "12=value12\n"
        "2 keys\n");
  CHECK(result.exit_code == 0);
}

TEST_CASE("cli scan with one or three arguments prints its usage and goes on", "[w1d2][cli]") {
  TempDir dir;
  const auto result = run_cli(dir.path() / "db",
                              "put k v\n"
                              "scan k\n"
                              "scan a b c\n"
                              "scan a z\n");
  CHECK(result.output ==
        "ok\n"
        "error: usage: scan [LO HI]\n"
        "error: usage: scan [LO HI]\n"
        "k=v\n"
        "1 keys\n");
  CHECK(result.exit_code == 1);
}
