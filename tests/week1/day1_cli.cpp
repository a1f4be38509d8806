// Week 1 day 1: mini-lsm-cli, built from your tree, prints one result line per command.

#include "harness/catch.hpp"
#include "harness/run_cli.hpp"
#include "harness/temp_dir.hpp"

using mini_lsm::testing::run_cli;
using mini_lsm::testing::TempDir;

TEST_CASE("cli answers put, get, del and fill with one line each", "[w1d1][cli]") {
  TempDir dir;
  const auto result = run_cli(dir.path() / "db",
                              "put apple red\n"
                              "get apple\n"
                              "put apple green\n"
                              "get apple\n"
                              "del apple\n"
                              "get apple\n"
                              "fill 10 19\n"
                              "get 15\n"
                              "quit\n"
                              "get 15\n");  // after quit: never run
  CHECK(result.output ==
        "ok\n"
        "apple=red\n"
        "ok\n"
        "apple=green\n"
        "ok\n"
        "apple (not found)\n"
        "10 keys filled\n"
        "15=value15\n"
        "ok\n");
  CHECK(result.exit_code == 0);
}

TEST_CASE("cli reports a bad command and goes on, then exits 1 in script mode", "[w1d1][cli]") {
  TempDir dir;
  const auto result = run_cli(dir.path() / "db",
                              "put k v\n"
                              "frobnicate\n"
                              "put only-a-key\n"
                              "fill 9 x\n"
                              "get k\n");
  CHECK(result.output ==
        "ok\n"
        "error: unknown command 'frobnicate' (try help)\n"
        "error: usage: put KEY VALUE\n"
        "error: not a non-negative integer: x\n"
        "k=v\n");
  CHECK(result.exit_code == 1);
}
