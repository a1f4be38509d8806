// rocksdb-bench: the workloads of mini-lsm-bench (reference/bin/bench_workloads.hpp) on RocksDB,
// with the same flags and output lines. Built by `./x bench` when Debian's librocksdb-dev is
// installed.
//
// Options: RocksDB's defaults (64 MiB write buffer, 64 MiB files, leveled compaction, 4 KiB
// blocks, one background thread for flushes and one for compactions) except three, set to match
// mini-lsm's defaults: an 8 MiB block cache, a full Bloom filter of 10 bits per key, and no
// compression. Writes are not synced, except in fillsync (WriteOptions::sync); RocksDB appends
// every write to its log.

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <stdexcept>
#include <string>

#include "bench_workloads.hpp"

namespace {

void check(const rocksdb::Status& status) {
  if (!status.ok()) {
    throw std::runtime_error("rocksdb: " + status.ToString());
  }
}

rocksdb::Slice slice(std::string_view bytes) {
  return {bytes.data(), bytes.size()};
}

class RocksDbEngine final : public bench::Engine {
 public:
  explicit RocksDbEngine(std::string path) : path_(std::move(path)) {
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = rocksdb::NewLRUCache(std::size_t{8} << 20);
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    options_.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    options_.create_if_missing = true;
    options_.compression = rocksdb::kNoCompression;
  }
  ~RocksDbEngine() override { close(); }

  void open(bench::Durability durability) override {
    write_options_.sync = durability == bench::Durability::kSyncEveryWrite;
    replayed_log_bytes_ = bench::log_bytes(path_, ".log");  // what DB::Open will replay
    rocksdb::DB* db = nullptr;
    check(rocksdb::DB::Open(options_, path_, &db));
    db_.reset(db);
  }
  void close() override {
    if (db_) {
      check(db_->Close());
      db_.reset();
    }
  }
  void put(std::string_view key, std::string_view value) override {
    check(db_->Put(write_options_, slice(key), slice(value)));
  }
  bool get(std::string_view key, std::string& value) override {
    const rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), slice(key), &value);
    if (status.IsNotFound()) {
      return false;
    }
    check(status);
    return true;
  }
  std::uint64_t read_sequential(std::uint64_t limit, std::uint64_t& bytes) override {
    const std::unique_ptr<rocksdb::Iterator> entry(db_->NewIterator(rocksdb::ReadOptions()));
    std::uint64_t count = 0;
    for (entry->SeekToFirst(); count < limit && entry->Valid(); entry->Next()) {
      bytes += entry->key().size() + entry->value().size();
      ++count;
    }
    check(entry->status());
    return count;
  }
  void compact() override {
    check(db_->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr));
  }
  void sync_log() override { check(db_->SyncWAL()); }
  std::uint64_t replayed_log_bytes() override { return replayed_log_bytes_; }

 private:
  std::string path_;
  rocksdb::Options options_;
  rocksdb::WriteOptions write_options_;
  std::uint64_t replayed_log_bytes_ = 0;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "rocksdb-bench: mini-lsm-bench's workloads on RocksDB (default options, 8 MiB block cache, "
      "10-bit Bloom filter, no compression, synced writes in fillsync only).",
      "rocksdb-bench"};
  bench::Flags flags;
  bench::add_flags(app, flags);
  CLI11_PARSE(app, argc, argv);
  return bench::run_benchmarks(flags,
                               [&] { return std::make_unique<RocksDbEngine>(flags.db.string()); });
}
