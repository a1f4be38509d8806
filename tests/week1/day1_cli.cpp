// Week 1 day 1: mini-lsm-cli, built from your tree, prints one result line per command.

#include <algorithm>
#include <filesystem>
#include <string>

#include "harness/catch.hpp"
#include "harness/run_cli.hpp"
#include "harness/temp_dir.hpp"

using mini_lsm::testing::run_cli;
using mini_lsm::testing::run_cli_with;
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

TEST_CASE("cli fill reaches the largest key without wrapping and refuses more than its cap",
          "[w1d1][cli]") {
  TempDir dir;
  const auto result = run_cli(dir.path() / "db",
                              "fill 18446744073709551615 18446744073709551615\n"
                              "fill 18446744073709551613 18446744073709551615\n"
                              "get 18446744073709551614\n"
                              "fill 0 18446744073709551615\n"  // 2^64 keys: the count overflows
                              "fill 0 1000000\n"               // one key over the cap
                              "fill 5 1000005\n"               // likewise, elsewhere
                              "fill 18446744073709551616 18446744073709551616\n"  // not a u64
                              "get 18446744073709551613\n"
                              "get 18446744073709551615\n"
                              "get 0\n"  // the refused fills wrote nothing
                              "get 5\n");
  CHECK(result.output ==
        "1 keys filled\n"
        "3 keys filled\n"
        "18446744073709551614=value18446744073709551614\n"
        "error: fill: at most 1000000 keys at a time, and 0..18446744073709551615 holds more\n"
        "error: fill: at most 1000000 keys at a time, and 0..1000000 holds more\n"
        "error: fill: at most 1000000 keys at a time, and 5..1000005 holds more\n"
        "error: not a non-negative integer: 18446744073709551616\n"
        "18446744073709551613=value18446744073709551613\n"
        "18446744073709551615=value18446744073709551615\n"
        "0 (not found)\n"
        "5 (not found)\n");
  CHECK(result.exit_code == 1);
}

TEST_CASE("cli bad flag prints an error line, exits 1 and creates no database", "[w1d1][cli]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  const std::string path = "--path '" + db.string() + "'";
  const auto script = dir.path() / "script";

  const auto unknown = run_cli_with(path + " --no-such-flag", script, "put k v\n");
  CHECK(unknown.output.rfind("error: ", 0) == 0);
  CHECK(unknown.output.find("--no-such-flag") != std::string::npos);
  CHECK(unknown.output.find("(try --help)\n") != std::string::npos);
  CHECK(std::count(unknown.output.begin(), unknown.output.end(), '\n') == 1);
  CHECK(unknown.exit_code == 1);

  const auto missing_value = run_cli_with("--path", script, "put k v\n");
  CHECK(missing_value.output.rfind("error: ", 0) == 0);
  CHECK(missing_value.exit_code == 1);
  CHECK_FALSE(std::filesystem::exists(db));  // no command ran

  const auto help = run_cli_with("--help", script, "");
  CHECK(help.output.find("--path") != std::string::npos);
  CHECK(help.exit_code == 0);

  // The same database with good flags works as ever.
  const auto good = run_cli_with(path, script, "put k v\nget k\n");
  CHECK(good.output == "ok\nk=v\n");
  CHECK(good.exit_code == 0);
}

TEST_CASE("cli flush either flushes or fails without freezing the memtable", "[w1d1][cli]") {
  // Before week 1 day 6 the engine cannot flush (force_flush throws NotImplemented). A flush
  // command that freezes the memtable first and then fails would leave a frozen memtable behind:
  // a failed command must leave the engine as it was. From day 6 on the flush succeeds.
  TempDir dir;
  const auto result = run_cli(dir.path() / "db",
                              "put a 1\n"
                              "flush\n"
                              "get a\n"
                              "dump\n");
  INFO(result.output);
  const std::string failed = "ok\nerror: ";
  if (result.output.rfind(failed, 0) == 0) {
    CHECK(result.output.find("not implemented") != std::string::npos);
    CHECK(result.output.find("\na=1\n"
                             "memtable 0 (current): 1 entries, a..a\n"
                             "ok\n") != std::string::npos);
    CHECK(result.exit_code == 1);
  } else {
    CHECK(result.output.rfind("ok\nok: flushed 1 memtables\na=1\nmemtable 1 (current): empty\n",
                              0) == 0);
    CHECK(result.output.find("frozen") == std::string::npos);
    CHECK(result.exit_code == 0);
  }
}
