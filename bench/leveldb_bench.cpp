// leveldb-bench: the workloads of mini-lsm-bench (reference/bin/bench_workloads.hpp) on LevelDB,
// with the same flags and output lines. Built by `./x bench` when Debian's libleveldb-dev is
// installed.
//
// Options: LevelDB's defaults (4 MiB write buffer, 2 MiB files, 4 KiB blocks) except three, set to
// match mini-lsm's defaults: an 8 MiB block cache, a Bloom filter of 10 bits per key, and no
// compression (mini-lsm does not compress). Writes are not synced, except in fillsync
// (WriteOptions::sync); LevelDB appends every write to its log, as mini-lsm does only with a WAL
// (week 2 day 6), which its bench turns on for fillsync and recover only.

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/options.h>
#include <leveldb/write_batch.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <stdexcept>
#include <string>

#include "bench_workloads.hpp"

namespace {

void check(const leveldb::Status& status) {
  if (!status.ok()) {
    throw std::runtime_error("leveldb: " + status.ToString());
  }
}

leveldb::Slice slice(std::string_view bytes) {
  return {bytes.data(), bytes.size()};
}

class LevelDbEngine final : public bench::Engine {
 public:
  explicit LevelDbEngine(std::string path)
      : path_(std::move(path)),
        cache_(leveldb::NewLRUCache(std::size_t{8} << 20)),
        filter_(leveldb::NewBloomFilterPolicy(10)) {
    options_.create_if_missing = true;
    options_.block_cache = cache_.get();
    options_.filter_policy = filter_.get();
    options_.compression = leveldb::kNoCompression;
  }
  ~LevelDbEngine() override { close(); }

  void open(bench::Durability durability) override {
    write_options_.sync = durability == bench::Durability::kSyncEveryWrite;
    replayed_log_bytes_ = bench::log_bytes(path_, ".log");  // what DB::Open will replay
    leveldb::DB* db = nullptr;
    check(leveldb::DB::Open(options_, path_, &db));
    db_.reset(db);
  }
  void close() override { db_.reset(); }
  void put(std::string_view key, std::string_view value) override {
    check(db_->Put(write_options_, slice(key), slice(value)));
  }
  bool get(std::string_view key, std::string& value) override {
    const leveldb::Status status = db_->Get(leveldb::ReadOptions(), slice(key), &value);
    if (status.IsNotFound()) {
      return false;
    }
    check(status);
    return true;
  }
  std::uint64_t read_sequential(std::uint64_t limit, std::uint64_t& bytes) override {
    const std::unique_ptr<leveldb::Iterator> entry(db_->NewIterator(leveldb::ReadOptions()));
    std::uint64_t count = 0;
    for (entry->SeekToFirst(); count < limit && entry->Valid(); entry->Next()) {
      bytes += entry->key().size() + entry->value().size();
      ++count;
    }
    check(entry->status());
    return count;
  }
  void compact() override { db_->CompactRange(nullptr, nullptr); }
  // Each write reaches the log file (the operating system) before Put returns; an empty synced
  // batch fsyncs it.
  void sync_log() override {
    leveldb::WriteOptions synced;
    synced.sync = true;
    leveldb::WriteBatch empty;
    check(db_->Write(synced, &empty));
  }
  std::uint64_t replayed_log_bytes() override { return replayed_log_bytes_; }

 private:
  std::string path_;
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  leveldb::Options options_;
  leveldb::WriteOptions write_options_;
  std::uint64_t replayed_log_bytes_ = 0;
  std::unique_ptr<leveldb::DB> db_;  // declared last: closed before the cache and the filter go
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "leveldb-bench: mini-lsm-bench's workloads on LevelDB (default options, 8 MiB block cache, "
      "10-bit Bloom filter, no compression, synced writes in fillsync only).",
      "leveldb-bench"};
  bench::Flags flags;
  bench::add_flags(app, flags);
  CLI11_PARSE(app, argc, argv);
  return bench::run_benchmarks(flags,
                               [&] { return std::make_unique<LevelDbEngine>(flags.db.string()); });
}
