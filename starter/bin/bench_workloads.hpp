// The db_bench-style workloads of mini-lsm-bench, written against a small engine interface so
// that the LevelDB and RocksDB counterparts in the repository's bench/ folder run exactly the same
// operations, take the same flags and print the same lines.
//
// Conventions of LevelDB's db_bench: keys are 16 decimal digits ("%016d"), values 100 bytes,
// random keys come from the Park-Miller "minimal standard" generator seeded with 301. Every
// benchmark prints one line:
//
//     fillrandom   :       2.816 micros/op;    355113 ops/s;    39.3 MB/s
//
// MB/s counts the bytes of keys and values written or read (MB = 2^20 bytes).
#pragma once

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

/// What a benchmark needs from a storage engine. Each program adapts its engine to it.
class Engine {
 public:
  virtual ~Engine() = default;
  /// Opens the database at the directory given to the program, creating it when missing.
  virtual void open() = 0;
  /// Closes the database; open() may follow.
  virtual void close() = 0;
  virtual void put(std::string_view key, std::string_view value) = 0;
  /// True and the value in `value` when `key` is there.
  virtual bool get(std::string_view key, std::string& value) = 0;
  /// Visits up to `limit` entries in key order from the first one; returns how many it visited
  /// and adds the bytes of their keys and values to `bytes`.
  virtual std::uint64_t read_sequential(std::uint64_t limit, std::uint64_t& bytes) = 0;
  /// Writes the memtables to disk and merges everything into the bottom of the tree, as
  /// LevelDB's CompactRange(nullptr, nullptr) does.
  virtual void compact() = 0;
};

struct Flags {
  std::filesystem::path db;
  std::uint64_t num = 1'000'000;
  std::string benchmarks = "fillseq,fillrandom,overwrite,readrandom,readseq,compact,readrandom";
  std::size_t value_size = 100;
};

inline constexpr const char* kBenchmarkHelp =
    "comma-separated, run in order: fillseq (keys 0..num-1 in order into an empty database), "
    "fillrandom (num random keys into an empty database), overwrite (num random keys over the "
    "database), readrandom (num gets of random keys), readseq (iterate over up to num entries), "
    "compact (the memtables flushed, then one full compaction)";

/// Adds the flags every benchmark program shares (--db, --num, --benchmarks, --value-size).
inline void add_flags(CLI::App& app, Flags& flags) {
  app.add_option("--db", flags.db, "the database directory; deleted first, and by every fill")
      ->required();
  app.add_option("--num", flags.num, "keys written or read by each benchmark")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}))
      ->capture_default_str();
  app.add_option("--benchmarks", flags.benchmarks, kBenchmarkHelp)->capture_default_str();
  app.add_option("--value-size", flags.value_size, "bytes of each value")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20))
      ->capture_default_str();
}

/// Park-Miller "minimal standard" generator: seed = seed * 16807 mod (2^31 - 1). The same
/// sequence on every engine, so each reads and writes exactly the same keys.
class Random {
 public:
  explicit Random(std::uint32_t seed) : seed_(seed) {}
  std::uint32_t next() {
    seed_ = static_cast<std::uint32_t>((std::uint64_t{seed_} * 16807) % 2147483647);
    return seed_;
  }

 private:
  std::uint32_t seed_;
};

inline constexpr std::uint32_t kSeed = 301;

/// Values are windows into one buffer of pseudo-random letters, so that making a value costs no
/// allocation. Compression is off on every engine, so how compressible they are does not matter.
class ValueSource {
 public:
  explicit ValueSource(std::size_t value_size) : value_size_(value_size) {
    Random random(kSeed);
    data_.resize(std::max<std::size_t>(1 << 20, 2 * value_size));
    for (char& byte : data_) {
      byte = static_cast<char>('a' + random.next() % 26);
    }
  }
  std::string_view next() {
    if (position_ + value_size_ > data_.size()) {
      position_ = 0;
    }
    std::string_view value(data_.data() + position_, value_size_);
    position_ += 7;  // the next value overlaps, shifted: values differ but stay cheap
    return value;
  }

 private:
  std::size_t value_size_;
  std::string data_;
  std::size_t position_ = 0;
};

/// The key of number `n`: 16 decimal digits, zero-padded.
inline std::string_view format_key(std::uint64_t n, char (&buffer)[32]) {
  const int length =
      std::snprintf(buffer, sizeof buffer, "%016llu", static_cast<unsigned long long>(n));
  return {buffer, static_cast<std::size_t>(length)};
}

/// What one benchmark did, for its line.
struct Outcome {
  std::uint64_t ops = 0;
  std::uint64_t bytes = 0;
  std::string note;  ///< printed after the numbers, e.g. "(632 of 1000 found)"
};

class Runner {
 public:
  Runner(Engine& engine, Flags flags) : engine_(engine), flags_(std::move(flags)) {}

  /// Runs every benchmark of the --benchmarks list; throws std::invalid_argument for an unknown
  /// name before running any.
  void run_all() {
    std::vector<std::string> names = split(flags_.benchmarks);
    for (const std::string& name : names) {
      if (!benchmarks().contains(name)) {
        throw std::invalid_argument("unknown benchmark '" + name +
                                    "'; the benchmarks are: " + kBenchmarkHelp);
      }
    }
    std::filesystem::remove_all(flags_.db);
    engine_.open();
    for (const std::string& name : names) {
      run(name);
    }
    engine_.close();
  }

 private:
  struct Benchmark {
    Outcome (Runner::*run)();
    bool empty_database;  ///< starts from an empty database (the fills), as in db_bench
  };

  static const std::map<std::string, Benchmark>& benchmarks() {
    static const std::map<std::string, Benchmark> kBenchmarks = {
        {"fillseq", {&Runner::fill_sequential, true}},
        {"fillrandom", {&Runner::fill_random, true}},
        {"overwrite", {&Runner::fill_random, false}},
        {"readrandom", {&Runner::read_random, false}},
        {"readseq", {&Runner::read_sequential, false}},
        {"compact", {&Runner::compact, false}},
    };
    return kBenchmarks;
  }

  static std::vector<std::string> split(const std::string& list) {
    std::vector<std::string> names;
    std::size_t begin = 0;
    while (begin <= list.size()) {
      std::size_t end = list.find(',', begin);
      if (end == std::string::npos) {
        end = list.size();
      }
      if (end > begin) {
        names.push_back(list.substr(begin, end - begin));
      }
      begin = end + 1;
    }
    return names;
  }

  void run(const std::string& name) {
    const Benchmark& benchmark = benchmarks().at(name);
    if (benchmark.empty_database) {
      start_empty();  // not timed: closing may flush what the previous benchmark wrote
    }
    const auto start = std::chrono::steady_clock::now();
    const Outcome outcome = (this->*benchmark.run)();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    const double seconds = std::max(elapsed.count(), 1e-9);
    const double ops = static_cast<double>(std::max<std::uint64_t>(outcome.ops, 1));
    std::printf("%-12s : %11.3f micros/op; %9.0f ops/s;", name.c_str(), seconds * 1e6 / ops,
                ops / seconds);
    if (outcome.bytes > 0) {
      std::printf(" %7.1f MB/s", static_cast<double>(outcome.bytes) / 1048576.0 / seconds);
    }
    if (!outcome.note.empty()) {
      std::printf(" %s", outcome.note.c_str());
    }
    std::printf("\n");
    std::fflush(stdout);
  }

  // Closes the database, deletes it and opens an empty one.
  void start_empty() {
    engine_.close();
    std::filesystem::remove_all(flags_.db);
    engine_.open();
  }

  Outcome write(bool random) {
    Random keys(kSeed);
    ValueSource values(flags_.value_size);
    char buffer[32];
    for (std::uint64_t i = 0; i < flags_.num; ++i) {
      const std::uint64_t n = random ? keys.next() % flags_.num : i;
      const std::string_view key = format_key(n, buffer);
      engine_.put(key, values.next());
    }
    return {flags_.num, flags_.num * (16 + flags_.value_size), ""};
  }

  Outcome fill_sequential() { return write(false); }
  Outcome fill_random() { return write(true); }

  Outcome read_random() {
    Random keys(kSeed + 1);  // not the sequence the writes used, as in db_bench
    char buffer[32];
    std::string value;
    std::uint64_t found = 0;
    std::uint64_t bytes = 0;
    for (std::uint64_t i = 0; i < flags_.num; ++i) {
      const std::string_view key = format_key(keys.next() % flags_.num, buffer);
      if (engine_.get(key, value)) {
        ++found;
        bytes += key.size() + value.size();
      }
    }
    return {flags_.num, bytes,
            "(" + std::to_string(found) + " of " + std::to_string(flags_.num) + " found)"};
  }

  Outcome read_sequential() {
    std::uint64_t bytes = 0;
    const std::uint64_t ops = engine_.read_sequential(flags_.num, bytes);
    return {ops, bytes, ""};
  }

  Outcome compact() {
    engine_.compact();
    return {1, 0, ""};
  }

  Engine& engine_;
  Flags flags_;
};

/// Runs the benchmarks on a new engine from `make_engine`; prints errors and returns the exit code.
inline int run_benchmarks(const Flags& flags,
                          const std::function<std::unique_ptr<Engine>()>& make) {
  try {
    std::unique_ptr<Engine> engine = make();
    Runner(*engine, flags).run_all();
    return 0;
  } catch (const std::exception& error) {
    std::fflush(stdout);
    std::fprintf(stderr, "error: %s\n", error.what());
    return 1;
  }
}

}  // namespace bench
