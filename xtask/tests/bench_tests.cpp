// Tests of bench.hpp: reading the benchmark programs' lines and the table of ./x bench.
#include "../src/bench.hpp"

#include <optional>
#include <string>

#include "../../tests/harness/catch.hpp"

using xtask::bench_table;
using xtask::BenchLine;
using xtask::EngineRuns;
using xtask::median;
using xtask::parse_bench_output;

TEST_CASE("benchmark lines are read, other lines skipped, repeats named after what preceded",
          "[xtask][bench]") {
  auto lines = parse_bench_output(
      "fillseq      :       1.250 micros/op;    800000 ops/s;    88.5 MB/s\n"
      "some warning\n"
      "readrandom   :       4.000 micros/op;    250000 ops/s;    17.5 MB/s (632 of 1000 found)\n"
      "compact      :  113231.073 micros/op;         9 ops/s;\n"
      "readrandom   :       2.000 micros/op;    500000 ops/s;    35.0 MB/s (632 of 1000 found)\n");
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].workload == "fillseq");
  CHECK(lines[0].micros_per_op == 1.25);
  CHECK(lines[0].ops_per_second == 800000);
  CHECK(lines[2].workload == "compact");
  CHECK(lines[2].micros_per_op == 113231.073);
  CHECK(lines[3].workload == "readrandom (after compact)");
  CHECK(lines[3].ops_per_second == 500000);
}

TEST_CASE("the median of an odd count is the middle value, of an even count the mean of two",
          "[xtask][bench]") {
  CHECK(median({3, 1, 2}) == 2);
  CHECK(median({4, 1, 3, 2}) == 2.5);
  CHECK(median({}) == 0);
}

TEST_CASE("the table shows medians, compact in seconds, ratios to the baseline and peak RSS",
          "[xtask][bench]") {
  EngineRuns mine{
      "mini-lsm",
      {{{"fillseq", 1, 1000000, std::nullopt}, {"compact", 2000000, 0.5, std::nullopt}},
       {{"fillseq", 1, 3000000, std::nullopt}, {"compact", 4000000, 0.25, std::nullopt}},
       {{"fillseq", 1, 2000000, std::nullopt}, {"compact", 3000000, 0.33, std::nullopt}}},
      {10240, 20480, 30720}};
  EngineRuns base{
      "LevelDB",
      {{{"fillseq", 1, 500000, std::nullopt}, {"compact", 1500000, 0.66, std::nullopt}},
       {{"fillseq", 1, 500000, std::nullopt}, {"compact", 1500000, 0.66, std::nullopt}},
       {{"fillseq", 1, 500000, std::nullopt}, {"compact", 1500000, 0.66, std::nullopt}}},
      {1024, 1024, 1024}};
  CHECK(bench_table({mine, base}, "LevelDB") ==
        "| workload | mini-lsm | LevelDB | mini-lsm / LevelDB |\n"
        "|---|---:|---:|---:|\n"
        "| fillseq (ops/s) | 2,000,000 | 500,000 | 4.00 |\n"
        "| compact (s) | 3.00 | 1.50 | 0.50 |\n"
        "| peak RSS (MiB) | 20.0 | 1.0 | |\n");
}

TEST_CASE("the durability lines are read with their MB/s, and recover's row shows MB/s",
          "[xtask][bench]") {
  auto lines = parse_bench_output(
      "fsync        :     195.120 micros/op;      5125 ops/s;     0.6 MB/s (p50 182 us, p99 347 "
      "us)\n"
      "fillsync/8t  :      48.781 micros/op;     20500 ops/s;     2.3 MB/s\n"
      "recover      :  176710.447 micros/op;         6 ops/s;    39.4 MB/s (7.0 MB of log "
      "replayed in 176.7 ms)\n");
  REQUIRE(lines.size() == 3);
  CHECK(lines[1].workload == "fillsync/8t");
  CHECK(lines[1].ops_per_second == 20500);
  CHECK(lines[2].workload == "recover");
  CHECK(lines[2].mb_per_second == 39.4);
  CHECK_FALSE(parse_bench_output("compact      :  113231.073 micros/op;         9 ops/s;\n")[0]
                  .mb_per_second.has_value());

  EngineRuns mine{
      "mini-lsm", {{{"fillsync/1t", 250, 4000, 0.5}, {"recover", 200000, 5, 40.0}}}, {1024}};
  EngineRuns base{
      "LevelDB", {{{"fillsync/1t", 500, 2000, 0.25}, {"recover", 100000, 10, 20.0}}}, {1024}};
  CHECK(bench_table({mine, base}, "LevelDB") ==
        "| workload | mini-lsm | LevelDB | mini-lsm / LevelDB |\n"
        "|---|---:|---:|---:|\n"
        "| fillsync/1t (ops/s) | 4,000 | 2,000 | 2.00 |\n"
        "| recover (MB/s) | 40.0 | 20.0 | 2.00 |\n"
        "| peak RSS (MiB) | 1.0 | 1.0 | |\n");
}

TEST_CASE("crc32c and diskread rows show MB/s, and a workload not measured shows -",
          "[xtask][bench]") {
  const std::string leveldb_output =
      "crc32c       :       0.001 micros/op; 1000000000 ops/s; (not measured: this engine does "
      "not expose its checksum)\n"
      "diskread     :     368.000 micros/op;      2717 ops/s;  2717.0 MB/s\n";
  auto lines = parse_bench_output(leveldb_output);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].workload == "diskread");

  EngineRuns mine{
      "mini-lsm", {{{"crc32c", 1.4, 705547, 2756.0}, {"diskread", 874, 1144, 1144.0}}}, {1024}};
  EngineRuns base{"LevelDB", {lines}, {1024}};
  CHECK(bench_table({mine, base}, "LevelDB") ==
        "| workload | mini-lsm | LevelDB | mini-lsm / LevelDB |\n"
        "|---|---:|---:|---:|\n"
        "| crc32c (MB/s) | 2756.0 | - | - |\n"
        "| diskread (MB/s) | 1144.0 | 2717.0 | 0.42 |\n"
        "| peak RSS (MiB) | 1.0 | 1.0 | |\n");
}
