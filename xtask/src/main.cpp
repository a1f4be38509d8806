// ./x: the course tool. This file only wires the command line to the commands (commands.hpp).
#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <iostream>

#include "cli.hpp"
#include "commands.hpp"
#include "error.hpp"

namespace {

using xtask::ChapterFilter;
using xtask::Repo;

/// The --week/--day options of one command; the values are checked against the chapters that
/// exist (select_chapters), not against a fixed range, so that the message can name them.
struct ChapterOptions {
  int week = 0;
  int day = 0;
  std::vector<std::pair<CLI::Option*, CLI::Option*>> added;

  void add_to(CLI::App& command, const std::string& what) {
    auto* week_option = command.add_option("--week", week, "week of the chapters " + what);
    auto* day_option =
        command.add_option("--day", day, "day of the chapter (needs --week)")->needs(week_option);
    added.emplace_back(week_option, day_option);
  }

  /// The filter of the command that was parsed.
  ChapterFilter filter() const {
    ChapterFilter filter;
    for (const auto& [week_option, day_option] : added) {
      if (week_option->count() > 0) {
        filter.week = week;
      }
      if (day_option->count() > 0) {
        filter.day = day;
      }
    }
    return filter;
  }
};

std::vector<xtask::OptionInfo> options_of(const CLI::App& command) {
  std::vector<xtask::OptionInfo> options;
  for (const CLI::Option* option : command.get_options()) {
    xtask::OptionInfo info{{}, option->get_type_size_max() > 0};
    for (const auto& name : option->get_snames()) {
      info.names.push_back("-" + name);
    }
    for (const auto& name : option->get_lnames()) {
      info.names.push_back("--" + name);
    }
    options.push_back(std::move(info));
  }
  return options;
}

/// Checks the command and its options before CLI11 does, for messages that say what exists.
/// Throws UsageError for an unknown command or option.
void check_command_line(const CLI::App& app, int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto index = xtask::command_index(args);
  std::vector<xtask::CommandInfo> commands;
  const CLI::App* command = nullptr;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    commands.push_back({sub->get_name(), sub->get_description()});
    if (index && sub->get_name() == args[*index]) {
      command = sub;
    }
  }
  if (!index) {
    // Nothing, or only the --root DIR that ./x passes: list the commands. Anything else (--help,
    // a bad global option) is CLI11's to answer.
    bool only_root = args.empty() || (args.size() == 2 && args[0] == "--root");
    if (only_root) {
      throw xtask::UsageError(xtask::unknown_command_message("", commands));
    }
    return;
  }
  if (!command) {
    throw xtask::UsageError(xtask::unknown_command_message(args[*index], commands));
  }
  if (command->get_allow_extras()) {
    return;  // its extra options go to another program, which checks them
  }
  auto options = options_of(*command);
  std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(*index) + 1, args.end());
  auto known = options;
  known.push_back({{"--root"}, true});  // the global option, also accepted after the command
  if (auto unknown = xtask::unknown_option(rest, known)) {
    throw xtask::UsageError(xtask::unknown_option_message(args[*index], *unknown, options));
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "./x: the Mini-LSM course tool. Copies tests into your tree, builds and checks it, and\n"
      "generates the starter, the chapter checkpoints and the book from reference/.",
      "./x"};
  app.require_subcommand(1);
  app.footer("Run ./x <command> --help for what a command does exactly.");
  std::string root = std::filesystem::current_path().string();
  app.add_option("--root", root, "the repository root (./x passes it; default: the current dir)")
      ->take_last();

  std::function<int(const Repo&)> action;
  ChapterFilter filter;
  ChapterOptions chapter_options;
  std::string tree = "starter";
  std::string test_tree = "reference";
  std::string sanitize;
  std::string through;
  std::string out;
  bool check = false;
  bool force = false;

  auto* copy = app.add_subcommand(
      "copy-test", "Copy the official tests of a chapter (or a whole week) into your tree");
  copy->footer(
      "Copies tests/harness/*, tests/provided/* and tests/weekW/dayD_*.cpp (every day of the week\n"
      "when --day is omitted) into DIR/tests/, keeping their relative paths. Files already up to\n"
      "date are left alone, so running it twice is harmless. The tests of earlier chapters\n"
      "already in DIR/tests/ are brought up to date too, and each one rewritten is named (a later\n"
      "chapter can change what they may assume). Then run ./x scheck.");
  chapter_options.add_to(*copy, "to copy (required)");
  copy->get_option("--week")->required();
  copy->add_option("--tree", tree, "the tree to copy into: starter or a directory")
      ->capture_default_str();
  copy->callback([&] { action = [&](const Repo& r) { return copy_test(r, filter, tree); }; });

  auto* scheck = app.add_subcommand(
      "scheck", "Check your tree: formatting, build, and the tests copied into it");
  scheck->footer(
      "Checks the formatting of DIR's include/, src/ and bin/ with clang-format (skipped when it\n"
      "is not installed), builds DIR with the tests in DIR/tests/ (build/scheck-<name>), runs\n"
      "the tests of each copied chapter and the provided tests, and prints a per-chapter table.\n"
      "It records the results (per chapter: passed, total, the failing tests; when it ran;\n"
      "whether the build failed) in build/scheck-<name>/scheck-results.txt for ./x status.\n"
      "Exit code 1 when formatting, the build or any test fails.");
  scheck->add_option("--tree", tree, "the tree to check: starter or a directory")
      ->capture_default_str();
  scheck->callback([&] { action = [&](const Repo& r) { return xtask::scheck(r, tree); }; });

  bool run_scheck = false;
  auto* status = app.add_subcommand(
      "status", "Show each chapter's state, the TODOs left and what to do next (builds nothing)");
  status->footer(
      "For each chapter of the course: whether its tests are copied into DIR/tests/ and, from\n"
      "the results the last ./x scheck recorded, whether they pass (\"tests not copied\",\n"
      "\"copied, failing n of m\", \"passing (m tests)\"); how many TODO(wNdM) stubs are left\n"
      "in DIR's include/, src/ and bin/ (a stub counts until its TODO comment is gone); and\n"
      "the next thing to do, as a command. It says when the results are older than a change\n"
      "to the tree (an edit under include/, src/, bin/ or tests/, tests copied since) or when\n"
      "there are none yet. Without --run it only reads files: no CMake, no compiler. Exit\n"
      "code 0 whenever it could show the status.");
  status->add_option("--tree", tree, "the tree to show: starter or a directory")
      ->capture_default_str();
  status->add_flag("--run", run_scheck, "run ./x scheck first, then show the status");
  status->callback(
      [&] { action = [&](const Repo& r) { return xtask::status(r, tree, run_scheck); }; });

  auto* test = app.add_subcommand(
      "test", "Build a tree against the official tests/ and run them (default: the reference)");
  test->footer(
      "Builds only the test executables needed and runs the official suite from tests/ (never a\n"
      "tree's own copies): every chapter plus the provided tests by default, or the chapters\n"
      "chosen with --week/--day. Prints a per-chapter table; exit code 1 when a test fails.");
  chapter_options.add_to(*test, "to test (default: all)");
  test->add_option("--tree", test_tree, "reference, starter or a directory holding a tree")
      ->capture_default_str();
  test->add_option("--sanitize", sanitize, "build with address (ASan+UBSan) or thread (TSan)")
      ->check(CLI::IsMember({"address", "thread"}));
  test->callback(
      [&] { action = [&](const Repo& r) { return xtask::test(r, filter, test_tree, sanitize); }; });

  std::string strategy;
  auto* simulate = app.add_subcommand(
      "simulate", "Run your compaction controller side by side with the reference's");
  simulate->footer(
      "Builds compaction-simulator from the tree (build/test-<tree>) and from reference/\n"
      "(build/reference), runs both with the same arguments and compares them step by step: a\n"
      "step flushes one SST of random keys, runs the controller's tasks until it has none, then\n"
      "lists the levels. Prints \"identical for N steps\", or the first step where they differ\n"
      "with both sides of it. Exit code 0 when identical, 1 when they differ.\n"
      "\n"
      "Simulator flags, after the strategy (the controller's default from options.hpp otherwise):\n"
      "  any strategy  --steps N (20), --seed S (1), --key-space K (100000),\n"
      "                --keys-per-sst M (1000), --bytes-per-key B (100),\n"
      "                --chart (after the comparison, draw both trees' levels over time)\n"
      "  simple        --size-ratio-percent, --level0-file-num-compaction-trigger, --max-levels\n"
      "  tiered        --num-tiers, --max-size-amplification-percent, --size-ratio,\n"
      "                --min-merge-width, --max-merge-width\n"
      "  leveled       --level-size-multiplier, --level0-file-num-compaction-trigger,\n"
      "                --max-levels, --base-level-size-bytes\n"
      "Example: ./x simulate leveled --steps 200 --base-level-size-bytes 1000000 --chart\n"
      "The simulator alone: build/reference/compaction-simulator <strategy> --help");
  simulate->add_option("strategy", strategy, "the controller: simple, tiered or leveled")
      ->required()
      ->check(CLI::IsMember({"simple", "tiered", "leveled"}));
  simulate->add_option("--tree", tree, "starter, reference or a directory holding a tree")
      ->capture_default_str();
  simulate->allow_extras();
  simulate->callback([&, simulate] {
    action = [&, simulate](const Repo& r) {
      return xtask::simulate(r, tree, strategy, simulate->remaining());
    };
  });

  auto* doctor =
      app.add_subcommand("doctor", "Show which tools are installed and how to add the rest");
  doctor->footer(
      "Prints one line per tool (compilers, CMake, Ninja, ccache, Catch2, CLI11, clang-format,\n"
      "Doxygen, Graphviz, doxygen-awesome-css, sanitizer runtimes): ok with its version, or\n"
      "missing with the command that installs it. Exit code 1 only when a required tool is "
      "missing.");
  doctor->callback([&] { action = xtask::doctor; });

  auto* checkpoint = app.add_subcommand(
      "checkpoint", "Generate the engine tree as it is after a chapter (or before all: none)");
  checkpoint->footer(
      "Renders every file of reference/ into DIR: lesson regions of chapters up to --through keep\n"
      "their solution, later ones become a TODO and a NotImplemented stub. Only changed files are\n"
      "rewritten; DIR/tests/ is never touched. DIR must be new, empty or an earlier generated "
      "tree\n"
      "(it holds a .mini-lsm-tree marker); then files no longer generated are removed. The marker\n"
      "records a hash of every generated file: when one was edited by hand (or a file was added\n"
      "under include/, src/ or bin/), nothing is written unless --force is given.");
  checkpoint->add_option("--through", through, "none or a chapter such as w1d3")->required();
  checkpoint->add_option("--out", out, "the directory to write")->required();
  checkpoint->add_flag("--force", force, "overwrite files that were edited by hand");
  checkpoint->callback(
      [&] { action = [&](const Repo& r) { return xtask::checkpoint(r, through, out, force); }; });

  auto* sync = app.add_subcommand("sync", "Regenerate starter/ from reference/ (checkpoint none)");
  sync->footer(
      "Writes checkpoint none into starter/ (starter/tests/ is untouched). With --check nothing "
      "is\n"
      "written: it prints a diff and exits 1 when starter/ differs from what would be generated.\n"
      "Without --force it refuses to overwrite files of starter/ that were edited by hand (your\n"
      "work, if you are a learner: you never need ./x sync).");
  sync->add_flag("--check", check, "only compare, do not write");
  sync->add_flag("--force", force, "overwrite files that were edited by hand");
  sync->callback([&] { action = [&](const Repo& r) { return xtask::sync(r, check, force); }; });

  auto* verify = app.add_subcommand("verify-chapters",
                                    "Prove each chapter's tests need exactly that chapter's code");
  verify->footer(
      "For each checkpoint (none, then every chapter): renders it into build/verify/tree, checks\n"
      "that it is clang-format clean, builds it with the official tests (by clang++ when it is\n"
      "installed, as ./x mutants) and checks that every test of the chapters up to it passes,\n"
      "every test of the next chapter fails, and the provided tests pass. Prints the matrix.");
  verify->callback([&] { action = xtask::verify_chapters; });

  std::string mutant_chapter;
  int min_percent = 90;
  auto* mutants = app.add_subcommand(
      "mutants", "Check that each chapter's tests catch the plausible bugs of mutants/*.txt");
  mutants->footer(
      "For each chapter (or only --chapter): renders its checkpoint into build/mutants/tree and\n"
      "applies each of its mutants in turn (a plausible learner bug inside that chapter's lesson\n"
      "regions, see mutants/README.md), rebuilds, and runs the chapter's own tests: a failing or\n"
      "hanging test catches the mutant. Prints caught/total per chapter and the survivors. Exit\n"
      "code 1 when a chapter catches under --min-score percent, or a mutant no longer applies.");
  mutants->add_option("--chapter", mutant_chapter, "only this chapter, such as w1d4");
  mutants->add_option("--min-score", min_percent, "the percentage every chapter must catch")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  mutants->callback([&] {
    action = [&](const Repo& r) { return xtask::mutants(r, mutant_chapter, min_percent); };
  });

  xtask::GradeOptions grade_options;
  bool grade_self_test = false;
  auto* grade = app.add_subcommand(
      "grade", "Grade students' trees with the official tests (for instructors)");
  grade->footer(
      "For each --tree (a directory with include/mini_lsm): copies its include/, src/ and bin/,\n"
      "and nothing else, into OUT/.scratch/tree (the tree itself is never written to), builds it\n"
      "against the official tests of tests/ (never the student's copies), one program per test\n"
      "file, and runs every test of the chosen chapters with a time limit, without network when\n"
      "`unshare -r -n` works. Trees are graded one after another in the same scratch tree and\n"
      "build folder, so only what differs between two students is rebuilt.\n"
      "Whatever breaks is reported, not fatal: a test file that does not compile fails only its\n"
      "own tests; an engine function that does not compile is replaced by the starter's stub of\n"
      "it (else the whole file by the starter's), so only its chapter loses points; a test over\n"
      "the time limit is \"timed out\", one killed by a signal \"crashed (SIGSEGV)\".\n"
      "Score: per chapter passed / total; the total is the mean of the chapters (each weighs the\n"
      "same). Writes OUT/<tree>/report.md (table and problems), OUT/<tree>/junit.xml,\n"
      "OUT/grades.csv (a row per tree), and with --format gradescope OUT/<tree>/results.json.\n"
      "--extra-tests DIR: every *.cpp below DIR (using tests/harness) is built and run too, and\n"
      "reported apart, never in the official score. Exit code 0 when grading finished, whatever\n"
      "the scores; 1 when it could not grade. See book/instructors.md.");
  grade->add_option("--tree", grade_options.trees, "a student's engine tree (repeatable)");
  grade->add_option("--chapters", grade_options.chapters,
                    "the chapters to grade: w1d1-w2d7, or one such as w1d3 (default: all)");
  grade->add_option("--out", grade_options.out, "where the reports go (default: build/grade)");
  grade->add_option("--extra-tests", grade_options.extra_tests,
                    "a directory of private test files, reported apart");
  grade->add_option("--format", grade_options.format, "markdown, or gradescope (+ results.json)")
      ->check(CLI::IsMember({"markdown", "gradescope"}))
      ->capture_default_str();
  grade->add_option("--timeout", grade_options.timeout_seconds, "seconds a test may run")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  grade->add_flag("--self-test", grade_self_test,
                  "grade four trees made from checkpoint w1d3 (one intact, one with a compile "
                  "error, one that hangs, one that crashes) and check the exact tables");
  grade->callback([&] {
    action = [&](const Repo& r) {
      if (grade_self_test) {
        return xtask::grade_self_test(r);
      }
      if (grade_options.trees.empty()) {
        throw xtask::UsageError("grade needs at least one --tree DIR");
      }
      return xtask::grade(r, grade_options);
    };
  });

  auto* demo = app.add_subcommand("demo", "Run the reference engine's CLI on a scripted session");
  demo->footer(
      "Builds mini-lsm-cli from reference/ (build/reference), runs the demo script against a "
      "fresh\n"
      "temporary database and prints the transcript. Exit code 1 when the CLI fails.");
  demo->callback([&] { action = xtask::demo; });

  xtask::BookOptions book_options;
  auto* book = app.add_subcommand("book", "Build the course book with Doxygen");
  book->footer(
      "Installs Doxygen, Graphviz and doxygen-awesome-css when missing (or prints the command),\n"
      "stages book/*.md and the chapter pages in build/book/pages/, fills in book/Doxyfile.in and\n"
      "runs Doxygen. Any Doxygen warning fails the build. Output: build/book/html/index.html.\n"
      "\n"
      "Figures are made at every build: each weekN/dayD-*/NAME.dot is rendered by Graphviz, and\n"
      "a page line `<!-- figure: NAME.svg = compaction-simulator ARGS -->` draws that run's\n"
      "--chart (the simulator is built from reference/ in build/reference). The SVG copies\n"
      "committed beside the pages, which GitHub shows, must equal what the build makes (unless\n"
      "they were rendered by another Graphviz version): --update-figures rewrites them.\n"
      "\n"
      "--check then opens every HTML page of the built book in headless Chromium (Debian's\n"
      "chromium, installed when missing), two Chromium runs sharing the pages, and fails on a\n"
      "local link whose file or #anchor does not exist, an image that did not load, any console\n"
      "message (a page of the book has no reason to print one) or a page whose body has no text\n"
      "after rendering. It prints each problem with its page, the number of pages checked, and\n"
      "writes build/book/screenshots/start.png and wal-chapter.png (the start page and w2d6).");
  book->add_flag("--update-figures", book_options.update_figures,
                 "write each figure made for the book over its committed copy beside the page");
  book->add_flag("--check", book_options.check,
                 "after building, check every page in headless Chromium and take screenshots");
  book->callback(
      [&] { action = [&](const xtask::Repo& r) { return xtask::book(r, book_options); }; });

  xtask::BenchOptions bench_options;
  auto* bench = app.add_subcommand(
      "bench",
      "Benchmark a tree's engine (db_bench workloads) side by side with LevelDB and RocksDB");
  bench->footer(
      "Builds mini-lsm-bench of the tree in Release (-O2 -DNDEBUG, build/release-<tree>) and the\n"
      "programs of bench/ (build/bench-baselines): leveldb-bench when Debian's libleveldb-dev is\n"
      "installed, rocksdb-bench when librocksdb-dev is (otherwise it says how to install them and\n"
      "measures without). All run the same workloads: 16-byte keys, 100-byte values, a fixed\n"
      "seed; fillseq and fillrandom start from an empty database, the reads use what the fills\n"
      "wrote, compact flushes the memtables and merges everything (CompactRange). Each round\n"
      "runs every engine once, in turn, in a fresh temporary directory. Prints a Markdown\n"
      "table: the median ops/s of each workload per\n"
      "engine (seconds for compact), each engine's ratio to LevelDB (> 1: faster), and each\n"
      "program's median peak RSS. 1M keys take about a minute per engine and round on 2 cores.\n"
      "Durability (week 2 day 6): --benchmarks fsync,fillsync,recover measures the disk's own\n"
      "append + fdatasync (num/1000 times), synced puts (num/1000 per thread, one row per\n"
      "--threads count: mini-lsm with a WAL in always mode, LevelDB and RocksDB with\n"
      "WriteOptions::sync) and the reopen after a SIGKILL (MB/s of log replayed).\n"
      "Checksums (week 2 day 7): --benchmarks crc32c,diskread measures the engine's CRC-32C over\n"
      "4 KiB blocks (mini-lsm only) and the disk's sequential reads of a file evicted from the\n"
      "page cache, in MB/s: the checksum should not be what a cold read waits for.");
  bench
      ->add_option("--tree", bench_options.tree, "reference, starter or a directory holding a tree")
      ->capture_default_str();
  bench->add_option("--num", bench_options.num, "keys each workload writes or reads")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}))
      ->capture_default_str();
  bench->add_option("--rounds", bench_options.rounds, "rounds; the table shows their median")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  bench
      ->add_option("--compaction", bench_options.compaction,
                   "mini-lsm's compaction controller: none, simple, tiered or leveled")
      ->check(CLI::IsMember({"none", "simple", "tiered", "leveled"}))
      ->capture_default_str();
  bench
      ->add_option("--benchmarks", bench_options.benchmarks,
                   "the workloads, in order (see mini-lsm-bench --help)")
      ->capture_default_str();
  bench
      ->add_option("--threads", bench_options.threads,
                   "fillsync's thread counts, comma-separated (one row each)")
      ->capture_default_str();
  bench->callback([&] { action = [&](const Repo& r) { return xtask::bench(r, bench_options); }; });

  xtask::CrashTestOptions crash_options;
  auto* crash = app.add_subcommand(
      "crash-test", "Kill a tree's CLI with SIGKILL mid-write and check what its WAL kept");
  crash->footer(
      "Builds mini-lsm-cli of the tree (as ./x test does) and runs rounds: the CLI writes with\n"
      "--enable-wal --wal-sync MODE into a fresh directory (put key_i value_i, 40 per round; with\n"
      "manual a sync every few writes; a flush now and then), and after a seeded number of\n"
      "acknowledged writes (each \"ok\") it is killed with SIGKILL while later writes are in\n"
      "flight. A second CLI reopens the directory and scans it. With always, every acknowledged\n"
      "write must be there; with manual, every write before the last acknowledged sync or\n"
      "flush; and what is there must be a prefix of the writes, with their values. Prints one\n"
      "line per round and `crash-test: N rounds, L lost, C acknowledged writes checked`. Exit\n"
      "code 1 when a round is wrong, or when the tree has no WAL yet (it names the chapter).\n"
      "A SIGKILL loses only what the process had not handed to the kernel: a write kept in a\n"
      "buffer in memory, or acknowledged before it was appended. It cannot show a missing\n"
      "fsync (only a power cut would; the day's fault-injection tests do). So the rounds run on\n"
      "/dev/shm by default, where fsync costs nothing: about 10 ms a round.\n"
      "With --batch (week 2 day 7) each of the 40 writes is a batch command of 5 puts: its own\n"
      "key and 4 slot keys shared by every batch, all with the batch's generation marker\n"
      "(batch put key_i value_i put slot_0 value_i ... put slot_3 value_i). The batches found\n"
      "must be a prefix of the history as above, and every slot must hold the marker of the\n"
      "newest batch found: a slot of another generation is a batch kept in part.\n"
      "With --power-loss (week 2 day 7) there is no process to kill: the tree's w2d7_tests runs\n"
      "its hidden test case [.power-loss] for --rounds rounds per sync mode (always, manual)\n"
      "from --seed. Each round writes batches on the fault-injecting file system of\n"
      "tests/harness until the machine dies at a seeded file-system operation, cuts the power\n"
      "(unsynced bytes dropped, a seeded prefix of them kept, or zero-filled), reopens, and\n"
      "checks every batch promised durable (by always, a sync or a flush) and every batch found\n"
      "whole. This is what a SIGKILL cannot show: a missing fsync.");
  crash
      ->add_option("--tree", crash_options.tree, "reference, starter or a directory holding a tree")
      ->capture_default_str();
  crash->add_option("--rounds", crash_options.rounds, "how many crashes")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  crash
      ->add_option("--wal-sync", crash_options.wal_sync,
                   "the CLI's --wal-sync: always (every ok is durable) or manual (every sync is)")
      ->check(CLI::IsMember({"always", "manual"}))
      ->capture_default_str();
  crash->add_option("--seed", crash_options.seed, "seeds the plans and the kill points")
      ->capture_default_str();
  crash->add_option("--dir", crash_options.dir,
                    "where the databases go (default: /dev/shm when present, else the temp dir)");
  crash->add_flag("--batch", crash_options.batch,
                  "write batches of 5 keys (week 2 day 7) and check that each is whole or absent");
  crash->add_flag("--power-loss", crash_options.power_loss,
                  "power cuts in-process on the fault-injecting file system (week 2 day 7) "
                  "instead of SIGKILLs; --wal-sync, --batch and --dir do not apply");
  crash->callback(
      [&] { action = [&](const Repo& r) { return xtask::crash_test(r, crash_options); }; });

  xtask::FuzzOptions fuzz_options;
  auto* fuzz = app.add_subcommand(
      "fuzz", "Run libFuzzer on a tree's decoders (WAL, manifest, SST, block, filter)");
  fuzz->footer(
      "Builds the targets of fuzz/ against the tree with clang++, ASan+UBSan and libFuzzer in\n"
      "build/fuzz-<tree>/, then runs each in turn: fuzz-wal (read_wal), fuzz-manifest\n"
      "(read_manifest), fuzz-manifest-record (decode_record), fuzz-sst (SsTable::open and a\n"
      "read of every entry), fuzz-block (Block::decode), fuzz-block-meta (BlockMeta::decode)\n"
      "and fuzz-bloom (Bloom::decode). Each starts from seeds that the tree itself writes and\n"
      "keeps its corpus in build/fuzz-<tree>/corpus/<target>, so the next run goes on from it.\n"
      "A finding is a crash, a sanitizer report, an exception other than Corruption, an input\n"
      "over 10 s or 1 GiB, or a broken property of the decoder (a Corruption naming another\n"
      "file or an offset outside the input; a record, block or filter that decodes but does not\n"
      "encode back to its bytes, ...). It prints the report and the command that reproduces it\n"
      "(the input is saved in build/fuzz-<tree>/findings/) and exits 1. One line per target:\n"
      "`fuzz-wal: 5000 runs in 3.1 s, 412 edges covered, 57 inputs in its corpus: no finding`.\n"
      "With --runs and the same --seed (and corpus), a run tries the same inputs.\n"
      "Needs clang++ with libFuzzer (Debian: clang, libclang-rt-dev or libclang-rt-14-dev),\n"
      "and tests/harness in the tree's tests (its file system in memory).");
  fuzz->add_option("--tree", fuzz_options.tree, "reference, starter or a directory holding a tree")
      ->capture_default_str();
  fuzz->add_option("--target", fuzz_options.targets,
                   "a target of fuzz/ (wal, manifest, manifest_record, sst, block, block_meta, "
                   "bloom); repeatable; default: all");
  auto* fuzz_runs =
      fuzz->add_option("--runs", fuzz_options.runs, "inputs per target (instead of --seconds)")
          ->check(CLI::Range(1, 1'000'000'000));
  fuzz->add_option("--seconds", fuzz_options.seconds, "seconds per target")
      ->check(CLI::Range(1, 86'400))
      ->capture_default_str()
      ->excludes(fuzz_runs);
  fuzz->add_option("--seed", fuzz_options.seed, "libFuzzer's random seed")->capture_default_str();
  fuzz->callback([&] { action = [&](const Repo& r) { return xtask::fuzz(r, fuzz_options); }; });

  auto* ci = app.add_subcommand("ci", "Run every check of the repository (what CI runs)");
  ci->footer(
      "Runs, keeping going after a failure: the xtask unit tests, the reference built with\n"
      "-Werror by g++ and its suite, the suite under ASan+UBSan (built by clang++ with\n"
      "-Werror) and TSan (clang++), sync --check, verify-chapters (whose checkpoint none, the\n"
      "starter, is built with every test; every checkpoint clang-format clean), crash-test\n"
      "(SIGKILL rounds in two sync modes, batches, power cuts), fuzz (5000 inputs for each\n"
      "decoder, seed 1), grade --self-test, mutants (90% of each chapter's caught),\n"
      "formatting and the book (built, then checked in headless Chromium: book --check).\n"
      "Ends with a table and the line `ci: N passed, M failed`.");
  ci->callback([&] { action = xtask::ci; });

  try {
    check_command_line(app, argc, argv);
  } catch (const xtask::UsageError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return xtask::kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? xtask::kExitOk : xtask::kExitUsage;
  }
  filter = chapter_options.filter();

  try {
    return action(Repo(root));
  } catch (const xtask::UsageError& e) {
    std::cout.flush();
    std::cerr << "error: " << e.what() << "\n";
    return xtask::kExitUsage;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "error: " << e.what() << "\n";
    return xtask::kExitFailed;
  }
}
