// mini-lsm-bench: db_bench-style workloads (bench_workloads.hpp) on the engine built from this
// tree. `./x bench` runs it side by side with LevelDB and RocksDB; see the README's Benchmarks.
//
//     mini-lsm-bench --db /tmp/bench --num 100000 --compaction leveled
//     fillseq      :       1.234 micros/op;    810372 ops/s;    89.6 MB/s
//     ...
//
// fillsync opens the engine with a WAL in WalSyncMode::kAlways, recover with a WAL synced by hand;
// the other workloads without a WAL.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "bench_workloads.hpp"
#include "mini_lsm/crc32c.hpp"
#include "mini_lsm/lsm_storage.hpp"

namespace {

class MiniLsmEngine final : public bench::Engine {
 public:
  MiniLsmEngine(std::filesystem::path path, mini_lsm::LsmOptions options)
      : path_(std::move(path)), options_(std::move(options)) {}

  void open(bench::Durability durability) override {
    mini_lsm::LsmOptions options = options_;
    // Without a WAL (the default), a put is durable once its memtable is flushed.
    options.enable_wal = durability != bench::Durability::kDefault;
    options.wal_sync = durability == bench::Durability::kSyncEveryWrite
                           ? mini_lsm::WalSyncMode::kAlways
                           : mini_lsm::WalSyncMode::kManual;
    engine_ = mini_lsm::LsmStorage::open(path_, options);
  }
  void close() override {
    if (engine_) {
      engine_->close();
      engine_.reset();
    }
  }
  void put(std::string_view key, std::string_view value) override { engine_->put(key, value); }
  bool get(std::string_view key, std::string& value) override {
    std::optional<std::string> found = engine_->get(key);
    if (!found) {
      return false;
    }
    value = std::move(*found);
    return true;
  }
  std::uint64_t read_sequential(std::uint64_t limit, std::uint64_t& bytes) override {
    std::uint64_t count = 0;
    for (auto entry = engine_->scan(mini_lsm::Bound::unbounded(), mini_lsm::Bound::unbounded());
         count < limit && entry.is_valid(); entry.next()) {
      bytes += entry.key().size() + entry.value().size();
      ++count;
    }
    return count;
  }
  // As LevelDB's and RocksDB's CompactRange(all) do: the memtables go to disk first, then
  // everything on disk is merged, so that reads afterwards find one sorted run.
  void compact() override {
    engine_->force_freeze_memtable();
    while (!engine_->state()->imm_memtables.empty()) {
      engine_->force_flush();
    }
    engine_->force_full_compaction();
  }
  void sync_log() override { engine_->sync(); }
  std::string describe_syncs() override {
    const mini_lsm::WalStats wal = engine_->wal_stats();
    if (wal.commit_groups == 0) {
      return "";
    }
    char text[128];
    std::snprintf(
        text, sizeof text, "(%llu fsyncs, %.2f writes per group, fsync p50 %.0f us)",
        static_cast<unsigned long long>(wal.fsyncs),
        static_cast<double>(wal.commit_group_writes) / static_cast<double>(wal.commit_groups),
        wal.fsync_p50_us);
    return text;
  }
  std::optional<std::uint32_t> checksum(std::string_view data) override {
    return mini_lsm::crc32c(data);
  }
  std::uint64_t replayed_log_bytes() override {
    std::uint64_t bytes = 0;
    for (const auto& wal : engine_->recovery_report().replayed_wals) {
      bytes += wal.bytes;
    }
    return bytes;
  }

 private:
  std::filesystem::path path_;
  mini_lsm::LsmOptions options_;
  std::unique_ptr<mini_lsm::LsmStorage> engine_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "mini-lsm-bench: db_bench-style benchmarks of the engine built from this tree: 16-byte "
      "keys, 100-byte values, a fixed seed; one line per benchmark (micros/op, ops/s, MB/s).\n"
      "Default options of the engine: 2 MiB memtables and SSTs, 4 KiB blocks, an 8 MiB block "
      "cache, 10-bit Bloom filters.",
      "mini-lsm-bench"};
  bench::Flags flags;
  bench::add_flags(app, flags);
  const std::map<std::string, mini_lsm::CompactionStrategy> strategies{
      {"none", mini_lsm::CompactionStrategy::kNone},
      {"simple", mini_lsm::CompactionStrategy::kSimple},
      {"tiered", mini_lsm::CompactionStrategy::kTiered},
      {"leveled", mini_lsm::CompactionStrategy::kLeveled}};
  mini_lsm::LsmOptions options;
  options.compaction.strategy = mini_lsm::CompactionStrategy::kLeveled;
  app.add_option("--compaction", options.compaction.strategy,
                 "compaction controller run in the background: none (only the compact "
                 "benchmark compacts), simple, tiered or leveled; each with its default parameters")
      ->transform(CLI::CheckedTransformer(strategies, CLI::ignore_case))
      ->default_str("leveled");
  CLI11_PARSE(app, argc, argv);
  return bench::run_benchmarks(flags,
                               [&] { return std::make_unique<MiniLsmEngine>(flags.db, options); });
}
