// The xtask commands. Each returns the process exit code (0 ok, 1 failed, 2 bad usage) and may
// throw UsageError (exit 2) or another std::exception (exit 1); main.cpp prints those as errors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "build.hpp"
#include "error.hpp"
#include "grade.hpp"
#include "repo.hpp"

namespace xtask {

// cmd_tests.cpp
int copy_test(const Repo& repo, ChapterFilter filter, const std::string& tree);
int scheck(const Repo& repo, const std::string& tree);
int test(const Repo& repo, ChapterFilter filter, const std::string& tree,
         const std::string& sanitize);

// cmd_status.cpp
/// Prints each chapter's state from the last scheck of `tree`, the TODOs left per chapter and the
/// next thing to do; runs scheck first when `run`. Builds nothing otherwise.
int status(const Repo& repo, const std::string& tree, bool run);

/// Copies tests/harness/, tests/provided/ and the test files of `chapters` into `tests_dir`,
/// keeping relative paths and rewriting only files that changed; one line per file when `verbose`.
void copy_official_tests(const Repo& repo, const std::vector<Chapter>& chapters,
                         const std::filesystem::path& tests_dir, bool verbose);

/// The build folder (under build/) of the official suite for a tree and a sanitizer, one per
/// pair so that switching between them never rebuilds everything: "reference" for the reference,
/// "test-<tree>" for another tree, "asan-<tree>" or "tsan-<tree>" under a sanitizer ("address" or
/// "thread"). The tree is "reference", "starter" or the name of its directory.
std::string suite_build_name(const std::string& tree_name, const std::string& sanitize);

/// How `./x test` builds `tree` against the official tests/ (and `./x demo` the reference), so that
/// both share build/reference instead of reconfiguring it back and forth: build/reference with
/// -Werror for the reference, else the folder suite_build_name() names.
EngineBuild official_suite_build(const Repo& repo, const std::filesystem::path& tree,
                                 const std::string& sanitize);

/// Runs the tests of each label ("provided", "w1d1", ...) in `build_dir`, one CTest run each.
std::vector<LabelRun> run_labels(const std::filesystem::path& build_dir,
                                 const std::vector<std::string>& labels, Output output,
                                 const std::string& sanitize = "");

// cmd_tree.cpp
int checkpoint(const Repo& repo, const std::string& through, const std::string& out, bool force);
int sync(const Repo& repo, bool check, bool force);
int verify_chapters(const Repo& repo);

// cmd_mutants.cpp
/// Applies every mutant of mutants/*.txt (of `chapter` only, unless empty) to its chapter's
/// checkpoint and runs that chapter's tests; fails when a chapter catches under `min_percent`.
int mutants(const Repo& repo, const std::string& chapter, int min_percent);

// cmd_simulate.cpp
/// Builds compaction-simulator from `tree` and from the reference, runs both as
/// `compaction-simulator <strategy> <simulator_args...>` and compares them step by step; exit
/// code 0 when they agree on every step.
int simulate(const Repo& repo, const std::string& tree, const std::string& strategy,
             const std::vector<std::string>& simulator_args);

// cmd_doctor.cpp
int doctor(const Repo& repo);

// cmd_demo.cpp
int demo(const Repo& repo);

// cmd_book.cpp
struct BookOptions {
  bool check = false;           ///< then open every page in headless Chromium (./x book --check)
  bool update_figures = false;  ///< write the figures made for the book over their committed copies
};
int book(const Repo& repo, const BookOptions& options);
/// ./x sync's part for the test code that chapter pages quote (book_snippets.hpp): refreshes the
/// fenced copies, or with `check` prints a diff where one differs. False on a difference or error.
bool sync_page_snippets(const Repo& repo, bool check);

// cmd_bench.cpp
struct BenchOptions {
  std::string tree = "reference";
  std::uint64_t num = 1'000'000;
  int rounds = 3;
  std::string compaction = "leveled";
  std::string benchmarks = "fillseq,fillrandom,overwrite,readrandom,readseq,compact,readrandom";
  /// fillsync's thread counts, passed to every program as --threads.
  std::string threads = "1,2,4,8";
};
/// Builds mini-lsm-bench of a tree in Release and the LevelDB/RocksDB programs of bench/ (when
/// their libraries are installed), runs them in turn for each round and prints a Markdown table.
int bench(const Repo& repo, const BenchOptions& options);

// cmd_crash_test.cpp
struct CrashTestOptions {
  std::string tree = "reference";
  int rounds = 200;
  std::string wal_sync = "always";  ///< "always" or "manual"
  std::uint64_t seed = 1;
  std::string dir;     ///< where the rounds' databases go; empty: /dev/shm or the temp directory
  bool batch = false;  ///< each write is a batch of several keys that must be found whole
  /// Power cuts in-process on the fault-injecting file system (the tree's w2d7_tests) instead
  /// of SIGKILLs; wal_sync, batch and dir do not apply.
  bool power_loss = false;
};
/// Builds the tree's mini-lsm-cli and, for each round, kills it with SIGKILL in the middle of
/// seeded writes with --enable-wal, reopens the database and checks that every write it
/// acknowledged as durable is there, in order (with batch, every batch found whole). Exit code 1
/// when something was lost.
int crash_test(const Repo& repo, const CrashTestOptions& options);

// cmd_fuzz.cpp
struct FuzzOptions {
  std::string tree = "reference";
  std::vector<std::string> targets;  ///< names in fuzz/ ("wal"); empty = all of them
  int runs = 0;                      ///< inputs per target; 0 = run for `seconds` instead
  int seconds = 30;                  ///< per target, when runs is 0
  std::uint64_t seed = 1;            ///< with runs, the same seed gives the same inputs
};
/// Builds the libFuzzer targets of fuzz/ against a tree (clang++, ASan+UBSan) and runs each in
/// turn on its corpus (build/fuzz-<tree>/corpus/<target>, seeded by the tree's own files). Exit
/// code 1 when a target found an input that breaks its decoder, or nothing could be built.
int fuzz(const Repo& repo, const FuzzOptions& options);

// cmd_ci.cpp
int ci(const Repo& repo);

}  // namespace xtask
