// mini-lsm-cli: a REPL (and script runner) over the engine built from this tree.
//
// Every command prints one result line (batch too: "ok: N writes in one batch"), except scan (one
// line per entry, then "N keys"), dump and stats (several lines, then "ok"), so scripts and tests
// can read the output. A failing command prints "error: <why>" and the session goes on; in script
// mode (stdin not a terminal) the exit code is 1 when any command failed. The session ends at
// close, quit or the end of the input, and all three close() the engine (which flushes, or with
// --enable-wal syncs the WAL); crash ends it without close(), as a kill -9 would, to show what the
// WAL keeps.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/write_op.hpp"

namespace {

using Words = std::vector<std::string>;

// The most keys one fill command writes: enough for any demonstration, small enough that a typo
// such as `fill 0 18446744073709551615` is refused instead of running for centuries.
constexpr std::uint64_t kMaxFillKeys = 1'000'000;

constexpr const char* kHelp =
    "commands: put KEY VALUE | get KEY | del KEY | batch WRITE... (each WRITE is put KEY VALUE "
    "or del KEY; all or none) | scan [LO HI] | fill LO HI | flush | full_compaction | sync | dump "
    "| stats | help | close | quit | crash";

constexpr const char* kBatchUsage =
    "usage: batch WRITE... where each WRITE is put KEY VALUE or del KEY";

Words split_words(const std::string& line) {
  std::istringstream stream(line);
  Words words;
  for (std::string word; stream >> word;) {
    words.push_back(word);
  }
  return words;
}

void expect_arguments(const Words& words, std::size_t count, const char* usage) {
  if (words.size() != count + 1) {
    throw mini_lsm::InvalidArgument(std::string("usage: ") + usage);
  }
}

std::uint64_t parse_number(const std::string& text) {
  std::uint64_t number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw mini_lsm::InvalidArgument("not a non-negative integer: " + text);
  }
  return number;
}

// The writes of `batch put k1 v1 del k2 ...`, in order; they view the words, which must outlive
// them. Any word that starts no whole write makes the line an error, so nothing is written.
std::vector<mini_lsm::WriteOp> parse_batch(const Words& words) {
  std::vector<mini_lsm::WriteOp> writes;
  std::size_t at = 1;  // words[0] is "batch"
  while (at < words.size()) {
    const std::string& verb = words[at];
    const std::size_t arguments = verb == "put" ? 2 : verb == "del" ? 1 : 0;
    if (arguments == 0) {
      throw mini_lsm::InvalidArgument("batch: word " + std::to_string(at) + " is '" + verb +
                                      "', not put or del (" + kBatchUsage + ")");
    }
    if (at + arguments >= words.size()) {
      throw mini_lsm::InvalidArgument("batch: the " + verb + " at word " + std::to_string(at) +
                                      " needs " + (arguments == 2 ? "KEY VALUE" : "KEY") + " (" +
                                      kBatchUsage + ")");
    }
    writes.push_back(arguments == 2 ? mini_lsm::WriteOp::put(words[at + 1], words[at + 2])
                                    : mini_lsm::WriteOp::del(words[at + 1]));
    at += arguments + 1;
  }
  if (writes.empty()) {
    throw mini_lsm::InvalidArgument(std::string(kBatchUsage) + ", at least one");
  }
  return writes;
}

// One session over one open engine. Each handler returns the command's result line.
class Session {
 public:
  explicit Session(std::unique_ptr<mini_lsm::LsmStorage> engine) : engine_(std::move(engine)) {}

  void close_engine() { engine_->close(); }

  // Runs one command line; returns false when the session should end.
  bool run(const std::string& line, std::ostream& out) {
    const Words words = split_words(line);
    if (words.empty()) {
      return true;
    }
    const auto handler = handlers_.find(words[0]);
    if (handler == handlers_.end()) {
      throw mini_lsm::InvalidArgument("unknown command '" + words[0] + "' (try help)");
    }
    out << (this->*(handler->second))(words) << '\n';
    return words[0] != "close" && words[0] != "quit";
  }

 private:
  using Handler = std::string (Session::*)(const Words&);

  std::string put(const Words& words) {
    expect_arguments(words, 2, "put KEY VALUE");
    engine_->put(words[1], words[2]);
    return "ok";
  }

  std::string get(const Words& words) {
    expect_arguments(words, 1, "get KEY");
    const auto value = engine_->get(words[1]);
    return value ? words[1] + "=" + *value : words[1] + " (not found)";
  }

  std::string del(const Words& words) {
    expect_arguments(words, 1, "del KEY");
    engine_->del(words[1]);
    return "ok";
  }

  // Several puts and deletes in one write_batch() (week 2 day 7): after a crash, all of them or
  // none. A bad line writes nothing: the whole line is parsed before the engine sees it.
  std::string batch(const Words& words) {
    const std::vector<mini_lsm::WriteOp> writes = parse_batch(words);
    engine_->write_batch(writes);
    return "ok: " + std::to_string(writes.size()) + (writes.size() == 1 ? " write" : " writes") +
           " in one batch";
  }

  std::string fill(const Words& words) {
    expect_arguments(words, 2, "fill LO HI");
    const std::uint64_t low = parse_number(words[1]);
    const std::uint64_t high = parse_number(words[2]);
    if (low > high) {
      throw mini_lsm::InvalidArgument("fill: LO must not be above HI");
    }
    // high - low cannot overflow (low <= high); high - low + 1 could, so compare before adding.
    if (high - low >= kMaxFillKeys) {
      throw mini_lsm::InvalidArgument("fill: at most " + std::to_string(kMaxFillKeys) +
                                      " keys at a time, and " + words[1] + ".." + words[2] +
                                      " holds more");
    }
    const std::uint64_t count = high - low + 1;
    for (std::uint64_t index = 0; index < count; ++index) {
      const std::string key = std::to_string(low + index);
      engine_->put(key, "value" + key);
    }
    return std::to_string(count) + " keys filled";
  }

  // Prints the live entries in [LO, HI] (or all of them), then their number.
  std::string scan(const Words& words) {
    if (words.size() != 1 && words.size() != 3) {
      throw mini_lsm::InvalidArgument("usage: scan [LO HI]");
    }
    const auto lower =
        words.size() == 3 ? mini_lsm::Bound::included(words[1]) : mini_lsm::Bound::unbounded();
    const auto upper =
        words.size() == 3 ? mini_lsm::Bound::included(words[2]) : mini_lsm::Bound::unbounded();
    std::ostringstream lines;
    std::size_t count = 0;
    for (auto entry = engine_->scan(lower, upper); entry.is_valid(); entry.next()) {
      lines << entry.key() << '=' << entry.value() << '\n';
      ++count;
    }
    return lines.str() + std::to_string(count) + " keys";
  }

  // Freezes the current memtable if it holds data, then flushes every frozen memtable.
  std::string flush(const Words& words) {
    expect_arguments(words, 0, "flush");
    const auto before = engine_->state();
    const std::size_t to_flush =
        before->imm_memtables.size() + (before->memtable->is_empty() ? 0 : 1);
    // Flush before freezing: with nothing frozen this changes nothing, and in an engine without a
    // flush yet (before week 1 day 6) it throws NotImplemented while the memtable is still
    // current, so a failed flush command leaves the engine as it found it.
    engine_->force_flush();
    if (!engine_->state()->memtable->is_empty()) {
      engine_->force_freeze_memtable();
    }
    while (!engine_->state()->imm_memtables.empty()) {
      engine_->force_flush();
    }
    return "ok: flushed " + std::to_string(to_flush) + " memtables";
  }

  // Merges every SST into one sorted run at the bottom (week 2 day 1).
  std::string full_compaction(const Words& words) {
    expect_arguments(words, 0, "full_compaction");
    engine_->force_full_compaction();
    const auto state = engine_->state();
    std::size_t tables = 0;
    for (const auto& level : state->levels) {
      tables += level.sst_ids.size();
    }
    return "ok: " + std::to_string(tables) + " SSTs below L0, " +
           std::to_string(state->l0_sstables.size()) + " in L0";
  }

  // One line per memtable and SST, newest first.
  std::string dump(const Words& words) {
    expect_arguments(words, 0, "dump");
    const auto state = engine_->state();
    std::ostringstream lines;
    lines << "memtable " << state->memtable->id() << " (current): " << describe(*state->memtable)
          << '\n';
    for (const auto& frozen : state->imm_memtables) {
      lines << "frozen memtable " << frozen->id() << ": " << describe(*frozen) << '\n';
    }
    const auto describe_sst = [&](const std::string& where, std::size_t id) {
      const auto& table = *state->sstables.at(id);
      lines << where << " sst " << id << ": " << table.num_blocks() << " blocks, "
            << table.file_size() << " bytes, " << table.first_key() << ".." << table.last_key()
            << '\n';
    };
    for (const std::size_t id : state->l0_sstables) {
      describe_sst("L0", id);
    }
    for (const auto& level : state->levels) {
      for (const std::size_t id : level.sst_ids) {
        describe_sst(level_name(level), id);
      }
    }
    return lines.str() + "ok";
  }

  std::string stats(const Words& words) {
    expect_arguments(words, 0, "stats");
    const auto state = engine_->state();
    std::size_t memtable_bytes = state->memtable->approximate_size();
    for (const auto& frozen : state->imm_memtables) {
      memtable_bytes += frozen->approximate_size();
    }
    const auto bytes_of = [&](const std::vector<std::size_t>& ids) {
      std::uint64_t bytes = 0;
      for (const std::size_t id : ids) {
        bytes += state->sstables.at(id)->file_size();
      }
      return bytes;
    };
    std::ostringstream lines;
    lines << "memtables: 1 current, " << state->imm_memtables.size() << " frozen, "
          << memtable_bytes << " bytes\n"
          << "L0 SSTs: " << state->l0_sstables.size() << ", " << bytes_of(state->l0_sstables)
          << " bytes\n";
    for (const auto& level : state->levels) {
      if (level.sst_ids.empty()) {
        continue;  // a fresh tree has its levels before it has data for them
      }
      lines << level_name(level) << " SSTs: " << level.sst_ids.size() << ", "
            << bytes_of(level.sst_ids) << " bytes\n";
    }
    if (const auto& cache = engine_->block_cache()) {
      lines << "block cache: " << cache->size() << " blocks, " << cache->bytes() << " of "
            << cache->capacity() << " bytes, " << cache->hits() << " hits, " << cache->misses()
            << " misses\n";
    } else {
      lines << "block cache: off\n";
    }
    return lines.str() + wal_stats() + "ok";
  }

  // Makes every write acknowledged so far durable (week 2 day 6): fsyncs the WALs.
  std::string sync(const Words& words) {
    expect_arguments(words, 0, "sync");
    if (!engine_->options().enable_wal) {
      return "ok: nothing to sync: without --enable-wal there is no WAL; writes are durable once "
             "flushed, and close or quit flushes them";
    }
    engine_->sync();
    return "ok";
  }

  // The WAL's lines of stats: what was written and fsynced, and what the last open replayed.
  // None without a WAL, so that the lines of earlier weeks stay as they were.
  std::string wal_stats() const {
    if (!engine_->options().enable_wal) {
      return "";
    }
    const mini_lsm::WalStats wal = engine_->wal_stats();
    const double writes_per_group =
        wal.commit_groups == 0
            ? 0.0
            : static_cast<double>(wal.commit_group_writes) / static_cast<double>(wal.commit_groups);
    std::ostringstream lines;
    lines << "WAL: " << wal.bytes << " bytes, " << wal.fsyncs << " fsyncs, fsync p50 "
          << fixed(wal.fsync_p50_us, 1) << " us, p99 " << fixed(wal.fsync_p99_us, 1) << " us\n"
          << "WAL commit groups: " << wal.commit_groups << ", " << fixed(writes_per_group, 2)
          << " writes per group\n";
    const mini_lsm::RecoveryReport& report = engine_->recovery_report();
    std::size_t records = 0;
    std::uint64_t bytes = 0;
    for (const auto& replayed : report.replayed_wals) {
      records += replayed.records;
      bytes += replayed.bytes;
    }
    const double seconds = report.wal_replay_seconds;
    const double mb_per_second =
        seconds > 0 ? static_cast<double>(bytes) / (1024.0 * 1024.0) / seconds : 0.0;
    lines << "WAL replay at open: " << report.replayed_wals.size() << " WALs, " << records
          << " records, " << bytes << " bytes, " << fixed(seconds, 6) << " s, "
          << fixed(mb_per_second, 1) << " MB/s\n";
    return lines.str();
  }

  // Ends the process at once, without close(), as a kill -9 would: the WAL records still in the
  // engine's buffer are lost, and the next open() replays what reached the file (week 2 day 6).
  std::string crash(const Words& words) {
    expect_arguments(words, 0, "crash");
    std::cout << "crashing: exit without close()" << std::endl;
    std::_Exit(0);
  }

  std::string help(const Words& /*words*/) { return kHelp; }
  std::string close(const Words& /*words*/) { return "ok"; }

  static std::string fixed(double value, int decimals) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
  }

  // "L1" for a level; "tier 12" in a tiered tree, where a tier is named after an SST of it.
  std::string level_name(const mini_lsm::Level& level) const {
    const bool tiered =
        engine_->options().compaction.strategy == mini_lsm::CompactionStrategy::kTiered;
    return tiered ? "tier " + std::to_string(level.id) : "L" + std::to_string(level.id);
  }

  // "N entries, FIRST..LAST" (tombstones count as entries), or "empty".
  static std::string describe(const mini_lsm::MemTable& memtable) {
    std::size_t count = 0;
    std::string first;
    std::string last;
    for (auto entry = memtable.scan(mini_lsm::Bound::unbounded(), mini_lsm::Bound::unbounded());
         entry.is_valid(); entry.next()) {
      if (count == 0) {
        first = entry.key();
      }
      last = entry.key();
      ++count;
    }
    return count == 0 ? "empty" : std::to_string(count) + " entries, " + first + ".." + last;
  }

  std::unique_ptr<mini_lsm::LsmStorage> engine_;
  const std::map<std::string, Handler> handlers_{
      {"put", &Session::put},    {"get", &Session::get},
      {"del", &Session::del},    {"scan", &Session::scan},
      {"fill", &Session::fill},  {"flush", &Session::flush},
      {"dump", &Session::dump},  {"stats", &Session::stats},
      {"help", &Session::help},  {"close", &Session::close},
      {"quit", &Session::close}, {"full_compaction", &Session::full_compaction},
      {"sync", &Session::sync},  {"crash", &Session::crash},
      {"batch", &Session::batch}};
};

int run_session(Session& session, bool interactive) {
  bool any_failed = false;
  std::string line;
  while (true) {
    if (interactive) {
      std::cout << "mini-lsm> " << std::flush;
    }
    if (!std::getline(std::cin, line)) {
      break;
    }
    try {
      if (!session.run(line, std::cout)) {
        break;
      }
    } catch (const std::exception& error) {
      std::cout << "error: " << error.what() << '\n';
      any_failed = true;
    }
    // Each answer leaves at once, even into a pipe: a program driving the CLI (./x crash-test)
    // reads an "ok" as the moment the write was acknowledged.
    std::cout << std::flush;
  }
  return any_failed && !interactive ? 1 : 0;
}

// What open() repaired (week 2 day 5), one line each, on stderr: nothing on a clean open.
void print_recovery(const mini_lsm::RecoveryReport& report, std::ostream& out) {
  if (report.adopted_without_manifest) {
    out << "recovered: the directory had SSTs but no MANIFEST; they are L0 now, newest id first, "
           "and a MANIFEST records them\n";
  }
  if (report.manifest_torn_tail_offset) {
    out << "recovered: the MANIFEST ended in a record cut short at byte "
        << *report.manifest_torn_tail_offset << " (a crash during an append); it was dropped\n";
  }
  if (!report.removed_unnamed_sstables.empty()) {
    out << "recovered: removed SSTs that no MANIFEST record names:";
    for (const std::size_t id : report.removed_unnamed_sstables) {
      out << ' ' << id << ".sst";
    }
    out << '\n';
  }
  for (const auto& wal : report.replayed_wals) {
    if (wal.records == 0 && !wal.torn_tail_offset) {
      continue;  // an empty WAL (a close with a WAL does not flush): nothing was recovered
    }
    out << "recovered: replayed " << wal.id << ".wal: " << wal.records << " records, " << wal.bytes
        << " bytes";
    if (wal.torn_tail_offset) {
      out << "; it ended in a record cut short at byte " << *wal.torn_tail_offset
          << " (a crash during an append), which was cut off";
    }
    out << '\n';
  }
  if (!report.removed_stale_wals.empty()) {
    out << "recovered: removed WALs that no live memtable owns:";
    for (const std::size_t id : report.removed_stale_wals) {
      out << ' ' << id << ".wal";
    }
    out << '\n';
  }
}

// The WAL flags only mean something together: refuse a combination that would silently do
// nothing, so that nobody believes their writes are fsynced when there is no log at all.
void check_wal_flags(const mini_lsm::LsmOptions& options, bool sync_given, bool interval_given) {
  if (sync_given && !options.enable_wal) {
    throw mini_lsm::InvalidArgument(
        "--wal-sync needs --enable-wal: without a WAL there is nothing to sync");
  }
  if (interval_given && !options.enable_wal) {
    throw mini_lsm::InvalidArgument(
        "--wal-sync-interval-ms needs --enable-wal and --wal-sync periodic");
  }
  if (interval_given && options.wal_sync != mini_lsm::WalSyncMode::kPeriodic) {
    throw mini_lsm::InvalidArgument(
        "--wal-sync-interval-ms is the period of --wal-sync periodic, and the mode is another");
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "mini-lsm-cli: run commands against a mini-lsm database.\n"
      "Reads one command per line from stdin (a prompt is shown only on a terminal).\n" +
      std::string(kHelp)};
  std::string path = "mini-lsm.db";
  app.add_option(
         "--path", path,
         "database directory (created when missing; one engine at a time: it is locked while open)")
      ->capture_default_str();
  const std::map<std::string, mini_lsm::CompactionStrategy> strategies{
      {"none", mini_lsm::CompactionStrategy::kNone},
      {"simple", mini_lsm::CompactionStrategy::kSimple},
      {"tiered", mini_lsm::CompactionStrategy::kTiered},
      {"leveled", mini_lsm::CompactionStrategy::kLeveled}};
  mini_lsm::LsmOptions options;
  app.add_option("--compaction", options.compaction.strategy,
                 "compaction controller run in the background: none (only full_compaction), "
                 "simple, tiered or leveled; each with its default parameters")
      ->transform(CLI::CheckedTransformer(strategies, CLI::ignore_case))
      ->default_str("none");
  app.add_flag("--enable-wal", options.enable_wal,
               "write-ahead log (week 2 day 6): every write goes to <id>.wal before the memtable, "
               "and the next open replays it; close and quit then sync instead of flushing");
  const std::map<std::string, mini_lsm::WalSyncMode> sync_modes{
      {"manual", mini_lsm::WalSyncMode::kManual},
      {"always", mini_lsm::WalSyncMode::kAlways},
      {"periodic", mini_lsm::WalSyncMode::kPeriodic}};
  CLI::Option* wal_sync =
      app.add_option("--wal-sync", options.wal_sync,
                     "when the WAL is fsynced (needs --enable-wal): manual (by the sync command, "
                     "close and quit), always (before each put or del answers ok) or periodic "
                     "(every --wal-sync-interval-ms in the background)")
          ->transform(CLI::CheckedTransformer(sync_modes, CLI::ignore_case))
          ->default_str("manual");
  std::uint64_t interval_ms = 0;
  CLI::Option* interval =
      app.add_option("--wal-sync-interval-ms", interval_ms,
                     "the period of --wal-sync periodic, in milliseconds (default 100)")
          ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{3'600'000}));
  try {
    app.parse(argc, argv);
    check_wal_flags(options, wal_sync->count() > 0, interval->count() > 0);
    if (interval->count() > 0) {
      options.wal_sync_interval = std::chrono::milliseconds(interval_ms);
    }
  } catch (const CLI::Success& help) {  // --help: CLI11 prints it, and the exit status is 0
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    // Reported like every other failure of this program: "error: <why>" and exit status 1.
    std::cerr << "error: " << error.what() << " (try --help)\n";
    return 1;
  } catch (const mini_lsm::InvalidArgument& error) {
    std::cerr << "error: " << error.what() << " (try --help)\n";
    return 1;
  }

  try {
    std::unique_ptr<mini_lsm::LsmStorage> engine = mini_lsm::LsmStorage::open(path, options);
    print_recovery(engine->recovery_report(), std::cerr);
    Session session(std::move(engine));
    const int status = run_session(session, isatty(STDIN_FILENO) != 0);
    // @lesson w1d6 solution-only
    session.close_engine();  // flushes the memtables: week 1 has no log to recover them from
    // @lesson end
    return status;
  } catch (const std::exception& error) {
    std::cerr << "error: " << error.what() << '\n';
    return 1;
  }
}
