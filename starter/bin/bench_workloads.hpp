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
//
// Three workloads measure durability (week 2 day 6): fsync (the disk alone: an append and an
// fdatasync in a loop), fillsync (every put durable before it returns, from 1, 2, 4 or 8 threads)
// and recover (a child process writes with the log on and is killed with SIGKILL; the reopen,
// which replays the log, is timed). Two compare the checksum with the disk (week 2 day 7):
// crc32c (the engine's checksum over 4 KiB blocks) and diskread (the disk's sequential reads).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace bench {

/// How an engine is opened: what a put promises when it returns.
enum class Durability {
  /// The engine's defaults (mini-lsm: no WAL; LevelDB and RocksDB: a log, not synced).
  kDefault,
  /// A log of every write, synced only when asked (sync_log()): what the recover child uses.
  kLogged,
  /// Every put is in the log and fsynced before it returns (mini-lsm: WalSyncMode::kAlways;
  /// LevelDB and RocksDB: WriteOptions::sync).
  kSyncEveryWrite,
};

/// What a benchmark needs from a storage engine. Each program adapts its engine to it.
class Engine {
 public:
  virtual ~Engine() = default;
  /// Opens the database at the directory given to the program, creating it when missing.
  virtual void open(Durability durability) = 0;
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
  /// Makes the log's writes durable (fsynced), for an engine opened with Durability::kLogged.
  virtual void sync_log() = 0;
  /// Bytes of log the last open() replayed.
  virtual std::uint64_t replayed_log_bytes() = 0;
  /// What the engine's log syncs did since open(), for fillsync's line ("(812 fsyncs, 1.23
  /// writes per group)"); empty when the engine does not say.
  virtual std::string describe_syncs() { return ""; }
  /// The engine's checksum of `data` (mini-lsm: CRC-32C, week 2 day 7), for the crc32c
  /// benchmark; nullopt when the engine does not expose one (LevelDB and RocksDB keep theirs
  /// internal).
  virtual std::optional<std::uint32_t> checksum(std::string_view /*data*/) { return std::nullopt; }
};

struct Flags {
  std::filesystem::path db;
  std::uint64_t num = 1'000'000;
  std::string benchmarks = "fillseq,fillrandom,overwrite,readrandom,readseq,compact,readrandom";
  std::size_t value_size = 100;
  /// The thread counts fillsync runs with, one line each.
  std::vector<unsigned> threads = {1};
  /// Internal: run as the child of the recover benchmark.
  bool recover_child = false;
};

inline constexpr const char* kBenchmarkHelp =
    "comma-separated, run in order: fillseq (keys 0..num-1 in order into an empty database), "
    "fillrandom (num random keys into an empty database), overwrite (num random keys over the "
    "database), readrandom (num gets of random keys), readseq (iterate over up to num entries), "
    "compact (the memtables flushed, then one full compaction), fsync (num/1000 appends of one "
    "record's bytes to a file, each followed by fdatasync: what the disk alone costs), fillsync "
    "(num/1000 random keys per thread into an empty database, each put durable before it "
    "returns; one line fillsync/<N>t per --threads count), recover (a child process writes num "
    "random keys with the log on, syncs it and is killed with SIGKILL; the reopen is timed, and "
    "MB/s counts the log it replayed), crc32c (the engine's checksum over num/1000 MiB of 4 KiB "
    "blocks, as db_bench's crc32c), diskread (a 256 MiB file written, fdatasynced and evicted "
    "from the page cache, then read in 1 MiB reads: what the disk delivers, to compare with "
    "crc32c)";

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
  app.add_option("--threads", flags.threads,
                 "comma-separated thread counts of fillsync, such as 1,2,4,8 (one line each)")
      ->delimiter(',')
      ->check(CLI::Range(1u, 64u))
      ->default_str("1");
  app.add_flag("--recover-child", flags.recover_child)->group("");  // internal: see recover
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
  /// The seconds to report when only part of the benchmark is timed (recover: the open).
  std::optional<double> seconds;
};

/// The p-th percentile (0..100) of `micros`, sorted in place; 0 for none.
inline double percentile(std::vector<double>& micros, double p) {
  if (micros.empty()) {
    return 0;
  }
  std::sort(micros.begin(), micros.end());
  const auto index = static_cast<std::size_t>(p / 100.0 * static_cast<double>(micros.size() - 1));
  return micros[index];
}

/// fdatasync where there is one (Linux), fsync elsewhere.
inline int sync_data(int descriptor) {
#if defined(__linux__)
  return ::fdatasync(descriptor);
#else
  return ::fsync(descriptor);
#endif
}

/// The bytes of the files in `directory` whose names end in `suffix` (0 for none): the logs that
/// LevelDB's and RocksDB's open will replay.
inline std::uint64_t log_bytes(const std::filesystem::path& directory, std::string_view suffix) {
  std::uint64_t bytes = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().string().ends_with(suffix)) {
      bytes += entry.file_size(error);
    }
  }
  return bytes;
}

/// `num` random keys of db_bench's sequence from `seed`: a fillsync thread's, the recover child's.
inline void write_random_keys(Engine& engine, std::uint64_t num, std::size_t value_size,
                              std::uint32_t seed) {
  Random keys(seed);
  ValueSource values(value_size);
  char buffer[32];
  for (std::uint64_t i = 0; i < num; ++i) {
    engine.put(format_key(keys.next() % num, buffer), values.next());
  }
}

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
    engine_.open(Durability::kDefault);
    for (const std::string& name : names) {
      if (name == "fillsync") {
        for (const unsigned threads : flags_.threads) {
          threads_ = threads;
          run(name, name + "/" + std::to_string(threads) + "t");
        }
      } else {
        run(name, name);
      }
    }
    engine_.close();
  }

 private:
  struct Benchmark {
    Outcome (Runner::*run)();
    bool empty_database;  ///< starts from an empty database (the fills), as in db_bench
    Durability durability = Durability::kDefault;  ///< of that empty database
    /// Measures fsyncs: the dirty pages of what ran before are written out first (sync(2),
    /// untimed), or the kernel's writeback of them would land in the first fsyncs measured.
    bool settle_disk = false;
  };

  static const std::map<std::string, Benchmark>& benchmarks() {
    static const std::map<std::string, Benchmark> kBenchmarks = {
        {"fillseq", {&Runner::fill_sequential, true}},
        {"fillrandom", {&Runner::fill_random, true}},
        {"overwrite", {&Runner::fill_random, false}},
        {"readrandom", {&Runner::read_random, false}},
        {"readseq", {&Runner::read_sequential, false}},
        {"compact", {&Runner::compact, false}},
        {"fsync", {&Runner::fsync, false, Durability::kDefault, true}},
        {"fillsync", {&Runner::fill_sync, true, Durability::kSyncEveryWrite, true}},
        {"recover", {&Runner::recover, false, Durability::kDefault, true}},
        {"crc32c", {&Runner::checksum, false}},
        {"diskread", {&Runner::disk_read, false, Durability::kDefault, true}},
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

  // Runs benchmark `name` and prints its line, labelled `label`.
  void run(const std::string& name, const std::string& label) {
    const Benchmark& benchmark = benchmarks().at(name);
    if (benchmark.empty_database) {
      // Not timed: closing may flush what the previous benchmark wrote.
      start_empty(benchmark.durability);
    }
    if (benchmark.settle_disk) {
      ::sync();
    }
    const auto start = std::chrono::steady_clock::now();
    const Outcome outcome = (this->*benchmark.run)();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    const double seconds = std::max(outcome.seconds.value_or(elapsed.count()), 1e-9);
    const double ops = static_cast<double>(std::max<std::uint64_t>(outcome.ops, 1));
    std::printf("%-12s : %11.3f micros/op; %9.0f ops/s;", label.c_str(), seconds * 1e6 / ops,
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
  void start_empty(Durability durability) {
    engine_.close();
    std::filesystem::remove_all(flags_.db);
    engine_.open(durability);
  }

  // The durability benchmarks do num/1000 operations, as db_bench's fillsync: each costs a
  // round trip to the disk.
  std::uint64_t synced_ops() const { return std::max<std::uint64_t>(flags_.num / 1000, 1); }

  Outcome write(bool random) {
    Random keys(kSeed);
    ValueSource values(flags_.value_size);
    char buffer[32];
    for (std::uint64_t i = 0; i < flags_.num; ++i) {
      const std::uint64_t n = random ? keys.next() % flags_.num : i;
      const std::string_view key = format_key(n, buffer);
      engine_.put(key, values.next());
    }
    return {flags_.num, flags_.num * (16 + flags_.value_size), "", std::nullopt};
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
            "(" + std::to_string(found) + " of " + std::to_string(flags_.num) + " found)",
            std::nullopt};
  }

  Outcome read_sequential() {
    std::uint64_t bytes = 0;
    const std::uint64_t ops = engine_.read_sequential(flags_.num, bytes);
    return {ops, bytes, "", std::nullopt};
  }

  Outcome compact() {
    engine_.compact();
    return {1, 0, "", std::nullopt};
  }

  // The disk's own cost of a durable append: one record's bytes (key, value and mini-lsm's 6
  // bytes of lengths) appended to a file, then fdatasync, in a loop. No engine is involved.
  Outcome fsync() {
    const std::filesystem::path path = flags_.db / "fsync-bench.tmp";
    std::filesystem::create_directories(flags_.db);
    const int descriptor = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    if (descriptor < 0) {
      throw std::runtime_error("cannot create " + path.string());
    }
    const std::string record(16 + flags_.value_size + 6, 'r');
    std::vector<double> micros;
    bool failed = false;
    for (std::uint64_t i = 0; i < synced_ops() && !failed; ++i) {
      const auto start = std::chrono::steady_clock::now();
      failed = ::write(descriptor, record.data(), record.size()) !=
                   static_cast<ssize_t>(record.size()) ||
               sync_data(descriptor) != 0;
      const std::chrono::duration<double, std::micro> took =
          std::chrono::steady_clock::now() - start;
      micros.push_back(took.count());
    }
    ::close(descriptor);
    std::filesystem::remove(path);
    if (failed) {
      throw std::runtime_error("cannot append to or fdatasync " + path.string());
    }
    return {synced_ops(), synced_ops() * record.size(), latency_note(micros), std::nullopt};
  }

  // The engine's checksum over 4 KiB blocks, num/1000 MiB in all (at least 64 MiB).
  Outcome checksum() {
    const std::string block(4096, 'x');
    const std::uint64_t blocks = std::max<std::uint64_t>(flags_.num / 1000, 64) * 256;
    std::uint32_t fold = 0;  // printed, so that the compiler keeps every call
    for (std::uint64_t i = 0; i < blocks; ++i) {
      const std::optional<std::uint32_t> sum = engine_.checksum(block);
      if (!sum) {
        return {1, 0, "(not measured: this engine does not expose its checksum)", 1e-9};
      }
      fold = fold * 31 + *sum;
    }
    char note[48];
    std::snprintf(note, sizeof note, "(4 KiB blocks, sums folded to %08x)", fold);
    return {blocks, blocks * block.size(), note, std::nullopt};
  }

  // Sequential reads of a file that is not in the page cache: the disk's read speed.
  Outcome disk_read() {
    const std::filesystem::path path = flags_.db / "diskread-bench.tmp";
    std::filesystem::create_directories(flags_.db);
    constexpr std::size_t kChunk = std::size_t{1} << 20;
    constexpr std::size_t kChunks = 256;
    std::string chunk(kChunk, 'd');
    write_evicted_file(path, chunk, kChunks);
    const int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (descriptor < 0) {
      throw std::runtime_error("cannot open " + path.string());
    }
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t bytes = 0;
    for (ssize_t got = 1; got > 0; bytes += static_cast<std::uint64_t>(got)) {
      got = ::read(descriptor, chunk.data(), chunk.size());
      if (got < 0) {
        ::close(descriptor);
        throw std::runtime_error("cannot read " + path.string());
      }
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    ::close(descriptor);
    std::filesystem::remove(path);
    return {kChunks, bytes, "(1 MiB reads, page cache evicted first)", took.count()};
  }

  // Writes `chunks` copies of `chunk` to `path`, fdatasyncs it and asks the kernel to drop its
  // pages from the cache (clean pages go without root).
  static void write_evicted_file(const std::filesystem::path& path, const std::string& chunk,
                                 std::size_t chunks) {
    const int descriptor = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    bool failed = descriptor < 0;
    for (std::size_t i = 0; i < chunks && !failed; ++i) {
      failed =
          ::write(descriptor, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size());
    }
    failed = failed || sync_data(descriptor) != 0 ||
             ::posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED) != 0;
    if (descriptor >= 0) {
      ::close(descriptor);
    }
    if (failed) {
      throw std::runtime_error("cannot write, fdatasync or evict " + path.string());
    }
  }

  static std::string latency_note(std::vector<double>& micros) {
    char note[96];
    const double p50 = percentile(micros, 50);
    const double p99 = percentile(micros, 99);
    std::snprintf(note, sizeof note, "(p50 %.0f us, p99 %.0f us)", p50, p99);
    return note;
  }

  // num/1000 random keys per thread, every put durable before it returns (the engine was opened
  // with Durability::kSyncEveryWrite). Threads that write together may share an fsync.
  Outcome fill_sync() {
    const std::uint64_t per_thread = synced_ops();
    std::vector<std::thread> writers;
    std::vector<std::string> errors(threads_);
    for (unsigned t = 0; t < threads_; ++t) {
      writers.emplace_back([&, t] {
        try {
          write_random_keys(engine_, per_thread, flags_.value_size, kSeed + t);
        } catch (const std::exception& error) {
          errors[t] = error.what();
        }
      });
    }
    for (std::thread& writer : writers) {
      writer.join();
    }
    for (const std::string& error : errors) {
      if (!error.empty()) {
        throw std::runtime_error(error);
      }
    }
    const std::uint64_t ops = per_thread * threads_;
    return {ops, ops * (16 + flags_.value_size), engine_.describe_syncs(), std::nullopt};
  }

  // A child process (this program again, with --recover-child) writes num random keys with the
  // log on, syncs it and says so; it is killed with SIGKILL, and the open that replays its log is
  // timed. MB/s counts the bytes of log replayed.
  Outcome recover() {
    engine_.close();
    std::filesystem::remove_all(flags_.db);
    run_and_kill_writer();
    const auto start = std::chrono::steady_clock::now();
    engine_.open(Durability::kLogged);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    const std::uint64_t bytes = engine_.replayed_log_bytes();
    char note[96];
    std::snprintf(note, sizeof note, "(%.1f MB of log replayed in %.1f ms)",
                  static_cast<double>(bytes) / 1048576.0, took.count() * 1000);
    return {1, bytes, note, took.count()};
  }

  // The command line this program was started with (Linux: /proc/self/cmdline).
  static std::vector<std::string> own_arguments() {
    std::ifstream file("/proc/self/cmdline", std::ios::binary);
    std::vector<std::string> arguments;
    for (std::string argument; std::getline(file, argument, '\0');) {
      arguments.push_back(argument);
    }
    if (arguments.empty()) {
      throw std::runtime_error("cannot read /proc/self/cmdline: recover needs Linux");
    }
    return arguments;
  }

  // Starts the recover child, waits until it has written and synced, and kills it.
  void run_and_kill_writer() {
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe2 failed");
    }
    // This program again, with the same flags (the engine's options too) and --recover-child.
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    std::vector<std::string> arguments = own_arguments();
    arguments.emplace_back("--recover-child");
    std::vector<char*> argv;
    for (std::string& argument : arguments) {
      argv.push_back(argument.data());
    }
    argv.push_back(nullptr);
    const pid_t child = ::fork();
    if (child == 0) {
      ::dup2(ready[1], STDOUT_FILENO);
      ::execv(self.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(ready[1]);
    char byte = 0;
    const ssize_t got = child > 0 ? ::read(ready[0], &byte, 1) : -1;
    ::close(ready[0]);
    if (child > 0) {
      ::kill(child, SIGKILL);
      int status = 0;
      ::waitpid(child, &status, 0);
    }
    if (got != 1) {
      throw std::runtime_error("the recover child failed before it had written its keys");
    }
  }
  Engine& engine_;
  Flags flags_;
  unsigned threads_ = 1;  // of the fillsync being run
};

/// The recover benchmark's child: writes num random keys with the log on, syncs the log, prints
/// one byte to say so and waits to be killed.
inline void run_recover_child(Engine& engine, const Flags& flags) {
  engine.open(Durability::kLogged);
  write_random_keys(engine, flags.num, flags.value_size, kSeed);
  engine.sync_log();
  std::fputs("w", stdout);
  std::fflush(stdout);
  while (true) {
    ::pause();
  }
}

/// Runs the benchmarks on a new engine from `make_engine`; prints errors and returns the exit code.
inline int run_benchmarks(const Flags& flags,
                          const std::function<std::unique_ptr<Engine>()>& make) {
  try {
    std::unique_ptr<Engine> engine = make();
    if (flags.recover_child) {
      run_recover_child(*engine, flags);
    }
    Runner(*engine, flags).run_all();
    return 0;
  } catch (const std::exception& error) {
    std::fflush(stdout);
    std::fprintf(stderr, "error: %s\n", error.what());
    return 1;
  }
}

}  // namespace bench
