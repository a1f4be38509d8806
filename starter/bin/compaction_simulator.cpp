// compaction-simulator: a compaction controller of this tree at work on a simulated workload.
//
// Each step flushes one SST of random keys, runs the controller's tasks until it has none left,
// and prints every task and then the levels. No file is written: the SSTs exist as metadata only
// (mini_lsm::CompactionSimulation), so thousands of steps take a moment. The output depends only
// on the arguments, which lets `./x simulate` compare a tree's controller with the reference's
// step by step. With --chart, the levels are drawn instead, one row per step.
//
// A controller that throws ends the run with "step N: error: <what>" and exit status 1; a bad
// flag prints "error: <why> (try --help)" and exits 1 before anything runs.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "mini_lsm/compaction/simulation.hpp"
#include "mini_lsm/compaction/task.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/options.hpp"

namespace {

using mini_lsm::CompactionSimulation;
using mini_lsm::Level;
using mini_lsm::LsmState;

// More tasks than this after one flush means the controller keeps proposing work forever.
constexpr std::size_t kMaxTasksPerStep = 1'000;
// The most task lines one step prints; a looping controller's others are only counted.
constexpr std::size_t kMaxPrintedTasks = 50;
// A level with more SSTs than this is listed as its first ids, "...", and its last id.
constexpr std::size_t kMaxListedIds = 8;
// The widest bar of the chart, in characters; bigger levels share a coarser scale.
constexpr std::size_t kMaxBarWidth = 40;

struct Settings {
  mini_lsm::CompactionOptions compaction;
  CompactionSimulation::Workload workload;
  std::size_t steps = 20;
  bool chart = false;
};

// ---- Formatting ---------------------------------------------------------------------------------

// Bytes in decimal units with one decimal: "100.0 kB", "12.3 MB".
std::string format_bytes(std::uint64_t bytes) {
  constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  if (bytes < 1000) {
    return std::to_string(bytes) + " B";
  }
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1000.0 && unit + 1 < std::size(kUnits)) {
    value /= 1000.0;
    ++unit;
  }
  std::ostringstream text;
  text << std::fixed << std::setprecision(1) << value << ' ' << kUnits[unit];
  return text.str();
}

// An option's byte count as it was most likely written: "10 MiB" for 10 << 20, else in bytes.
std::string format_option_bytes(std::uint64_t bytes) {
  if (bytes != 0 && bytes % (std::uint64_t{1} << 20) == 0) {
    return std::to_string(bytes >> 20) + " MiB";
  }
  if (bytes != 0 && bytes % (std::uint64_t{1} << 10) == 0) {
    return std::to_string(bytes >> 10) + " KiB";
  }
  return std::to_string(bytes) + " B";
}

// "[4 5 6]", or "[4 5 6 ... 19]" for a long list.
std::string format_ids(const std::vector<std::size_t>& ids) {
  std::string text = "[";
  for (std::size_t index = 0; index < ids.size(); ++index) {
    if (ids.size() > kMaxListedIds && index == kMaxListedIds - 1) {
      text += " ... " + std::to_string(ids.back());
      break;
    }
    text += (index == 0 ? "" : " ") + std::to_string(ids[index]);
  }
  return text + "]";
}

std::uint64_t bytes_of(const LsmState& state, const std::vector<std::size_t>& ids) {
  std::uint64_t bytes = 0;
  for (const std::size_t id : ids) {
    bytes += state.sstables.at(id)->file_size();
  }
  return bytes;
}

// "3 SSTs, 300.0 kB [4 5 6]", or "empty".
std::string describe_run(const LsmState& state, const std::vector<std::size_t>& ids) {
  if (ids.empty()) {
    return "empty";
  }
  return std::to_string(ids.size()) + (ids.size() == 1 ? " SST, " : " SSTs, ") +
         format_bytes(bytes_of(state, ids)) + " " + format_ids(ids);
}

// One row of the tree: its name ("L0", "L2", "tier 7") and its SSTs.
struct Row {
  std::string name;
  std::vector<std::size_t> sst_ids;
};

// The rows of the tree, newest data first. A tiered tree has no L0 (flushes make tiers), and its
// tiers are named after their id; a leveled tree shows every level, empty ones included, so that
// its shape stays visible.
std::vector<Row> rows_of(const LsmState& state, bool tiered) {
  std::vector<Row> rows;
  if (!tiered) {
    rows.push_back({"L0", state.l0_sstables});
  }
  for (const Level& level : state.levels) {
    rows.push_back({(tiered ? "tier " : "L") + std::to_string(level.id), level.sst_ids});
  }
  return rows;
}

std::string describe_options(const mini_lsm::CompactionOptions& options) {
  std::ostringstream text;
  switch (options.strategy) {
    case mini_lsm::CompactionStrategy::kSimple:
      text << "simple leveled compaction (size ratio " << options.simple.size_ratio_percent
           << "%, L0 trigger " << options.simple.level0_file_num_compaction_trigger
           << " SSTs, max levels " << options.simple.max_levels << ")";
      break;
    case mini_lsm::CompactionStrategy::kTiered:
      text << "tiered compaction (num tiers " << options.tiered.num_tiers
           << ", max size amplification " << options.tiered.max_size_amplification_percent
           << "%, size ratio " << options.tiered.size_ratio << "%, min merge width "
           << options.tiered.min_merge_width << ", max merge width ";
      if (options.tiered.max_merge_width == 0) {
        text << "unlimited)";
      } else {
        text << options.tiered.max_merge_width << ")";
      }
      break;
    case mini_lsm::CompactionStrategy::kLeveled:
      text << "leveled compaction (level size multiplier " << options.leveled.level_size_multiplier
           << ", L0 trigger " << options.leveled.level0_file_num_compaction_trigger
           << " SSTs, max levels " << options.leveled.max_levels << ", base level "
           << format_option_bytes(options.leveled.base_level_size_bytes) << ")";
      break;
    case mini_lsm::CompactionStrategy::kNone:
      text << "no compaction";
      break;
  }
  return text.str();
}

// ---- The chart ----------------------------------------------------------------------------------

// The levels over time, one row per step and one column per level (or per tier position, newest
// first): each column a bar of '#', one per `unit` bytes (rounded up, so that a level holding
// anything shows), and '.' for an empty level. Rows are kept until the end, since the columns are
// as wide as their widest bar.
class Chart {
 public:
  Chart(std::uint64_t flushed_sst_bytes, bool tiered)
      : flushed_sst_bytes_(flushed_sst_bytes), tiered_(tiered) {}

  void add_step(const LsmState& state) {
    std::vector<std::uint64_t> sizes;
    for (const Row& row : rows_of(state, tiered_)) {
      sizes.push_back(bytes_of(state, row.sst_ids));
    }
    if (!tiered_) {
      names_.resize(std::max(names_.size(), sizes.size()));
      for (std::size_t index = 0; index < sizes.size(); ++index) {
        names_[index] = index == 0 ? "L0" : "L" + std::to_string(state.levels[index - 1].id);
      }
    }
    steps_.push_back(std::move(sizes));
  }

  void print(std::ostream& out) const {
    const std::uint64_t unit = scale();
    const std::vector<std::size_t> widths = column_widths(unit);
    const std::uint64_t ssts = unit / std::max<std::uint64_t>(flushed_sst_bytes_, 1);
    out << "levels over time: one # per " << format_bytes(unit) << " ("
        << (ssts == 1 ? "a flushed SST" : std::to_string(ssts) + " flushed SSTs")
        << "), rounded up; . = empty\n";
    std::vector<std::string> header;
    for (std::size_t column = 0; column < widths.size(); ++column) {
      header.push_back(name(column));
    }
    out << table_row("step", header, widths);
    for (std::size_t step = 0; step < steps_.size(); ++step) {
      std::vector<std::string> bars;
      for (std::size_t column = 0; column < widths.size(); ++column) {
        bars.push_back(bar_of(step, column, unit));
      }
      out << table_row(pad_left(std::to_string(step + 1), 4), bars, widths);
    }
  }

 private:
  static std::string pad_left(const std::string& text, std::size_t width) {
    return std::string(width > text.size() ? width - text.size() : 0, ' ') + text;
  }

  // `first`, then each cell padded to its column's width, without trailing spaces.
  static std::string table_row(const std::string& first, const std::vector<std::string>& cells,
                               const std::vector<std::size_t>& widths) {
    std::string line = first;
    for (std::size_t column = 0; column < cells.size(); ++column) {
      line += "  " + cells[column] + std::string(widths[column] - cells[column].size(), ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    return line + '\n';
  }

  std::string name(std::size_t column) const {
    return tiered_ ? "T" + std::to_string(column + 1) : names_[column];
  }

  // Bytes per '#': a flushed SST, or a multiple of it when the biggest level would not fit.
  std::uint64_t scale() const {
    std::uint64_t biggest = 0;
    for (const auto& sizes : steps_) {
      for (const std::uint64_t size : sizes) {
        biggest = std::max(biggest, size);
      }
    }
    const std::uint64_t unit = std::max<std::uint64_t>(flushed_sst_bytes_, 1);
    const std::uint64_t bars = (biggest + unit - 1) / unit;
    const std::uint64_t factor = (bars + kMaxBarWidth - 1) / kMaxBarWidth;
    return unit * std::max<std::uint64_t>(factor, 1);
  }

  std::string bar_of(std::size_t step, std::size_t column, std::uint64_t unit) const {
    const auto& sizes = steps_[step];
    if (column >= sizes.size() || sizes[column] == 0) {
      return column >= sizes.size() && tiered_ ? "" : ".";
    }
    return std::string((sizes[column] + unit - 1) / unit, '#');
  }

  std::vector<std::size_t> column_widths(std::uint64_t unit) const {
    std::vector<std::size_t> widths;
    for (std::size_t step = 0; step < steps_.size(); ++step) {
      widths.resize(std::max(widths.size(), steps_[step].size()));
      for (std::size_t column = 0; column < steps_[step].size(); ++column) {
        widths[column] = std::max(widths[column], bar_of(step, column, unit).size());
      }
    }
    for (std::size_t column = 0; column < widths.size(); ++column) {
      widths[column] = std::max(widths[column], name(column).size());
    }
    return widths;
  }

  std::uint64_t flushed_sst_bytes_;
  bool tiered_;
  std::vector<std::string> names_;
  std::vector<std::vector<std::uint64_t>> steps_;
};

// ---- The run ------------------------------------------------------------------------------------

// Prints the tasks of one step, one line each. A controller that loops would print a thousand
// lines, so a task repeated right after itself is printed once with a count, and after
// kMaxPrintedTasks lines the rest are only counted.
class TaskPrinter {
 public:
  explicit TaskPrinter(std::ostream& out) : out_(out) {}

  void add(const std::string& line) {
    if (line == previous_) {
      ++repeats_;
      return;
    }
    print_repeats();
    previous_ = line;
    print("  compact " + line);
  }

  // Prints what is still counted; call it once the step is over, also when it failed.
  void finish() {
    print_repeats();
    if (unprinted_ > 0) {
      out_ << "  ... and " << unprinted_ << " more\n";
    }
  }

 private:
  void print(const std::string& line) {
    if (printed_ < kMaxPrintedTasks) {
      out_ << line << '\n';
      ++printed_;
    } else {
      ++unprinted_;
    }
  }

  void print_repeats() {
    if (repeats_ > 0) {
      print("  (the same task " + std::to_string(repeats_) + " more times)");
      repeats_ = 0;
    }
  }

  std::ostream& out_;
  std::string previous_;
  std::size_t repeats_ = 0;
  std::size_t printed_ = 0;
  std::size_t unprinted_ = 0;
};

// Flushes once, then runs the controller's tasks until it has none, printing each one (unless
// `quiet`). Throws what the controller throws.
void run_step(CompactionSimulation& simulation, std::size_t step, bool quiet, std::ostream& out) {
  const std::size_t flushed = simulation.flush();
  if (!quiet) {
    out << "step " << step << ": flush SST " << flushed << '\n';
  }
  std::ostringstream discarded;
  TaskPrinter printer(quiet ? discarded : out);
  try {
    for (std::size_t tasks = 1; const auto task = simulation.step(); ++tasks) {
      printer.add(mini_lsm::describe(*task));
      if (tasks >= kMaxTasksPerStep) {
        throw mini_lsm::InvalidArgument("the controller still proposes tasks after " +
                                        std::to_string(kMaxTasksPerStep) +
                                        " compactions in a row: does it loop on the same task?");
      }
    }
  } catch (const std::exception&) {
    printer.finish();
    throw;
  }
  printer.finish();
}

void print_levels(const LsmState& state, bool tiered, std::ostream& out) {
  std::size_t name_width = 0;
  const std::vector<Row> rows = rows_of(state, tiered);
  for (const Row& row : rows) {
    name_width = std::max(name_width, row.name.size());
  }
  if (rows.empty()) {
    out << "  (no " << (tiered ? "tiers" : "levels") << ")\n";
  }
  for (const Row& row : rows) {
    out << "  " << std::left << std::setw(static_cast<int>(name_width)) << row.name << std::right
        << "  " << describe_run(state, row.sst_ids) << '\n';
  }
}

void print_summary(const CompactionSimulation& simulation, std::size_t steps, std::ostream& out) {
  out << "summary after " << steps << (steps == 1 ? " step:\n" : " steps:\n") << std::fixed
      << std::setprecision(2) << "  write amplification  " << simulation.write_amplification()
      << '\n'
      << "  space amplification  " << simulation.space_amplification() << '\n'
      << "  sorted runs          " << simulation.sorted_runs() << '\n'
      << "  compactions          " << simulation.compactions() << '\n';
}

int simulate(const Settings& settings, std::ostream& out) {
  const auto controller = mini_lsm::make_compaction_controller(settings.compaction);
  CompactionSimulation simulation(*controller, settings.compaction, settings.workload);
  const bool tiered = !controller->flush_to_l0();
  const auto& workload = settings.workload;
  out << "compaction-simulator: " << describe_options(settings.compaction) << '\n'
      << "workload: " << settings.steps << " flushes of " << workload.keys_per_sst
      << " keys drawn from " << workload.key_space << " (" << workload.bytes_per_key
      << " bytes a key, seed " << workload.seed << ")\n";

  Chart chart(workload.keys_per_sst * workload.bytes_per_key, tiered);
  for (std::size_t step = 1; step <= settings.steps; ++step) {
    try {
      run_step(simulation, step, settings.chart, out);
    } catch (const std::exception& error) {
      if (settings.chart && step > 1) {
        chart.print(out);
      }
      out << "step " << step << ": error: " << error.what() << '\n';
      return 1;
    }
    if (settings.chart) {
      chart.add_step(simulation.state());
    } else {
      print_levels(simulation.state(), tiered, out);
    }
  }
  if (settings.chart) {
    chart.print(out);
  }
  print_summary(simulation, settings.steps, out);
  return 0;
}

// ---- The command line ---------------------------------------------------------------------------

// The flags every strategy shares, on the strategy's subcommand.
void add_workload_flags(CLI::App& command, Settings& settings) {
  auto& workload = settings.workload;
  command.add_option("--seed", workload.seed, "seed of the random keys")->capture_default_str();
  command.add_option("--steps", settings.steps, "flushes to simulate")->capture_default_str();
  command.add_option("--key-space", workload.key_space, "keys are drawn from [0, K)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command
      .add_option("--keys-per-sst", workload.keys_per_sst,
                  "distinct keys in a flushed SST, and the most a compaction puts into one SST")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command.add_option("--bytes-per-key", workload.bytes_per_key, "the size of one key and value")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command.add_flag("--chart", settings.chart,
                   "draw the levels over time (one row per step) instead of listing the tasks");
}

void add_simple_flags(CLI::App& command, mini_lsm::SimpleLeveledCompactionOptions& options) {
  command
      .add_option("--size-ratio-percent", options.size_ratio_percent,
                  "compact Li into Li+1 while Li+1 holds fewer than this % of Li's SSTs")
      ->capture_default_str();
  command
      .add_option("--level0-file-num-compaction-trigger",
                  options.level0_file_num_compaction_trigger, "compact L0 once it holds this many")
      ->capture_default_str();
  command.add_option("--max-levels", options.max_levels, "levels below L0")->capture_default_str();
}

void add_tiered_flags(CLI::App& command, mini_lsm::TieredCompactionOptions& options) {
  command.add_option("--num-tiers", options.num_tiers, "compact once there are this many tiers")
      ->capture_default_str();
  command
      .add_option("--max-size-amplification-percent", options.max_size_amplification_percent,
                  "merge every tier when the others exceed this % of the last one")
      ->capture_default_str();
  command
      .add_option("--size-ratio", options.size_ratio,
                  "% of slack when comparing the newest tiers with the next one")
      ->capture_default_str();
  command.add_option("--min-merge-width", options.min_merge_width, "fewest tiers merged by ratio")
      ->capture_default_str();
  command
      .add_option("--max-merge-width", options.max_merge_width,
                  "most tiers merged by ratio or count (0: no limit)")
      ->capture_default_str();
}

void add_leveled_flags(CLI::App& command, mini_lsm::LeveledCompactionOptions& options) {
  command
      .add_option("--level-size-multiplier", options.level_size_multiplier,
                  "each level's target is this many times the one above")
      ->capture_default_str();
  command
      .add_option("--level0-file-num-compaction-trigger",
                  options.level0_file_num_compaction_trigger, "compact L0 once it holds this many")
      ->capture_default_str();
  command.add_option("--max-levels", options.max_levels, "levels below L0")->capture_default_str();
  command
      .add_option("--base-level-size-bytes", options.base_level_size_bytes,
                  "target size of the base level")
      ->capture_default_str();
}

constexpr const char* kStrategyFooter =
    "Prints, for each step, the flushed SST, each compaction (\"compact ...\") and then the\n"
    "levels (L0, L1, ... or the tiers, newest first) with their SSTs; at the end the write\n"
    "amplification (bytes written / bytes flushed), the space amplification (bytes stored /\n"
    "live bytes), the sorted runs a read may visit and the number of compactions. A controller\n"
    "that throws ends the run with \"step N: error: <what>\" and exit status 1.\n";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "compaction-simulator: this tree's compaction controller on a simulated workload.\n"
      "Each step flushes one SST of random keys, runs the controller's tasks until it has none\n"
      "and prints them, then the levels. SSTs exist as metadata only: nothing is written."};
  app.require_subcommand(1);
  app.footer("Run compaction-simulator <strategy> --help for the flags of a strategy.\n");
  Settings settings;

  using Strategy = mini_lsm::CompactionStrategy;
  auto* simple = app.add_subcommand("simple", "simple leveled compaction (week 2 day 2)");
  add_workload_flags(*simple, settings);
  add_simple_flags(*simple, settings.compaction.simple);
  simple->callback([&] { settings.compaction.strategy = Strategy::kSimple; });

  auto* tiered = app.add_subcommand("tiered", "tiered compaction (week 2 day 3)");
  add_workload_flags(*tiered, settings);
  add_tiered_flags(*tiered, settings.compaction.tiered);
  tiered->callback([&] { settings.compaction.strategy = Strategy::kTiered; });

  auto* leveled = app.add_subcommand("leveled", "leveled compaction (week 2 day 4)");
  add_workload_flags(*leveled, settings);
  add_leveled_flags(*leveled, settings.compaction.leveled);
  leveled->callback([&] { settings.compaction.strategy = Strategy::kLeveled; });

  for (CLI::App* strategy : {simple, tiered, leveled}) {
    strategy->footer(kStrategyFooter);
  }

  try {
    // CLI11 would only say "a subcommand is required" of a misspelt strategy.
    const std::string first = argc > 1 ? argv[1] : "";
    if (!first.empty() && first[0] != '-' && first != "simple" && first != "tiered" &&
        first != "leveled") {
      throw CLI::ValidationError("unknown strategy '" + first +
                                 "': the strategies are simple, tiered and leveled");
    }
    app.parse(argc, argv);
  } catch (const CLI::Success& help) {  // --help: CLI11 prints it, and the exit status is 0
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    std::cerr << "error: " << error.what() << " (try --help)\n";
    return 1;
  }

  try {
    return simulate(settings, std::cout);
  } catch (const std::exception& error) {  // a workload the simulation refuses
    std::cerr << "error: " << error.what() << '\n';
    return 1;
  }
}
