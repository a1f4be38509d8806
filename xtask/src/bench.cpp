#include "bench.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <regex>

#include "text.hpp"

namespace xtask {
namespace {

/// "1234567" -> "1,234,567".
std::string with_thousands(double value) {
  std::string digits = std::to_string(static_cast<long long>(value + 0.5));
  std::string grouped;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      grouped += ',';
    }
    grouped += digits[i];
  }
  return grouped;
}

/// " text |": one cell of a Markdown row, after the row's opening "|".
std::string cell(std::string_view text) {
  std::string cell = " ";
  cell.append(text).append(" |");
  return cell;
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

/// compact runs one operation: its row shows seconds, not ops/s.
bool is_single_op(std::string_view workload) {
  return workload.starts_with("compact");
}

/// recover times one open: what matters is how fast it replays the log, in MB/s. crc32c and
/// diskread are compared with each other (can the checksum keep up with the disk?), in MB/s too.
bool shows_throughput(std::string_view workload) {
  return workload.starts_with("recover") || workload.starts_with("crc32c") ||
         workload.starts_with("diskread");
}

struct Samples {
  std::vector<double> micros_per_op;
  std::vector<double> ops_per_second;
  std::vector<double> mb_per_second;
};

std::map<std::string, Samples> samples_of(const EngineRuns& runs) {
  std::map<std::string, Samples> samples;
  for (const auto& round : runs.rounds) {
    for (const auto& line : round) {
      samples[line.workload].micros_per_op.push_back(line.micros_per_op);
      samples[line.workload].ops_per_second.push_back(line.ops_per_second);
      samples[line.workload].mb_per_second.push_back(line.mb_per_second.value_or(0));
    }
  }
  return samples;
}

}  // namespace

std::vector<BenchLine> parse_bench_output(std::string_view output) {
  static const std::regex kLine(
      R"(^(\S+)\s*:\s*([0-9.]+) micros/op;\s*([0-9.]+) ops/s;(\s*([0-9.]+) MB/s)?.*$)");
  std::vector<BenchLine> lines;
  std::map<std::string, int> seen;
  for (std::string_view text : split_lines(output)) {
    std::string line(text);
    std::smatch match;
    // A workload the engine cannot run (LevelDB's and RocksDB's checksums are not exposed)
    // reports 1 op in no time and says so: no number, so its cell shows "-".
    if (!std::regex_match(line, match, kLine) || line.find("(not measured") != std::string::npos) {
      continue;
    }
    std::string name = match[1].str();
    if (seen[name]++ > 0 && !lines.empty()) {
      std::string before = lines.back().workload.substr(0, lines.back().workload.find(' '));
      name += " (after " + before + ")";
    }
    std::optional<double> mb_per_second;
    if (match[5].matched) {
      mb_per_second = std::stod(match[5].str());
    }
    lines.push_back({name, std::stod(match[2].str()), std::stod(match[3].str()), mb_per_second});
  }
  return lines;
}

double median(std::vector<double> values) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  std::size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

std::string bench_table(const std::vector<EngineRuns>& engines, std::string_view baseline) {
  if (engines.empty() || engines[0].rounds.empty()) {
    return "";
  }
  std::vector<std::map<std::string, Samples>> samples;
  std::size_t baseline_index = engines.size();
  for (std::size_t i = 0; i < engines.size(); ++i) {
    samples.push_back(samples_of(engines[i]));
    if (engines[i].engine == baseline) {
      baseline_index = i;
    }
  }
  std::string header = "| workload |";
  std::string rule = "|---|";
  for (const auto& engine : engines) {
    header += cell(engine.engine);
    rule += "---:|";
  }
  for (std::size_t i = 0; i < engines.size(); ++i) {
    if (baseline_index < engines.size() && i != baseline_index) {
      header += cell(engines[i].engine + " / " + std::string(baseline));
      rule += "---:|";
    }
  }
  std::string table = header + "\n" + rule + "\n";

  for (const auto& line : engines[0].rounds[0]) {
    const std::string& workload = line.workload;
    bool single = is_single_op(workload);
    bool throughput = shows_throughput(workload);
    // Speed, so that a bigger number is better in every row: ops/s, 1/seconds, or MB/s.
    std::vector<std::optional<double>> speed;
    std::string row = "|";
    row += cell(workload + (single ? " (s)" : throughput ? " (MB/s)" : " (ops/s)"));
    for (std::size_t i = 0; i < engines.size(); ++i) {
      auto found = samples[i].find(workload);
      if (found == samples[i].end()) {
        speed.emplace_back();
        row += " - |";
        continue;
      }
      double micros = median(found->second.micros_per_op);
      double ops = median(found->second.ops_per_second);
      if (throughput) {
        double mb = median(found->second.mb_per_second);
        speed.emplace_back(mb);
        row += cell(fixed(mb, 1));
        continue;
      }
      speed.emplace_back(single ? 1e6 / std::max(micros, 1e-9) : ops);
      row += cell(single ? fixed(micros / 1e6, 2) : with_thousands(ops));
    }
    for (std::size_t i = 0; i < engines.size(); ++i) {
      if (baseline_index >= engines.size() || i == baseline_index) {
        continue;
      }
      const auto& mine = speed[i];
      const auto& base = speed[baseline_index];
      row += cell(mine && base && *base > 0 ? fixed(*mine / *base, 2) : "-");
    }
    table += row + "\n";
  }

  std::string rss = "| peak RSS (MiB) |";
  for (const auto& engine : engines) {
    std::vector<double> values(engine.peak_rss_kib.begin(), engine.peak_rss_kib.end());
    rss += cell(fixed(median(values) / 1024, 1));
  }
  for (std::size_t i = 0; i < engines.size(); ++i) {
    if (baseline_index < engines.size() && i != baseline_index) {
      rss += " |";
    }
  }
  return table + rss + "\n";
}

}  // namespace xtask
