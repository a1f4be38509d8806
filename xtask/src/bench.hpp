// ./x bench: reading the lines of the benchmark programs and summing rounds up in a table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xtask {

/// One line of mini-lsm-bench (or leveldb-bench, rocksdb-bench):
/// "readrandom   :       2.900 micros/op;    344818 ops/s;    24.2 MB/s (63 of 100 found)".
struct BenchLine {
  std::string workload;  ///< the benchmark's name; a repeated one says after which ("readrandom
                         ///< (after compact)")
  double micros_per_op = 0;
  double ops_per_second = 0;
  /// The MB/s the line reports, if any (recover's row shows it instead of ops/s).
  std::optional<double> mb_per_second;
};

/// The benchmark lines of a program's output, in order; other lines are skipped, and so is a line
/// that says "(not measured: ...)". A name met
/// before is renamed "<name> (after <the benchmark before it>)", so each workload is one row.
std::vector<BenchLine> parse_bench_output(std::string_view output);

/// The median of `values` (the mean of the middle two for an even count); 0 for none.
double median(std::vector<double> values);

/// What one engine measured over every round.
struct EngineRuns {
  std::string engine;  ///< "mini-lsm", "LevelDB", "RocksDB"
  /// Per round, the program's lines.
  std::vector<std::vector<BenchLine>> rounds;
  /// Per round, the program's peak resident set size in KiB.
  std::vector<std::uint64_t> peak_rss_kib;
};

/// The Markdown table of the median of each workload per engine: ops/s (seconds for compact, a
/// single operation; MB/s of log replayed for recover, of blocks checksummed for crc32c, of file
/// read for diskread), the ratio of each engine to `baseline` (>
/// 1: faster than it), and a last row with each engine's median peak RSS. `engines[0]` sets the
/// rows.
std::string bench_table(const std::vector<EngineRuns>& engines, std::string_view baseline);

}  // namespace xtask
