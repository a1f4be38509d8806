// The write-ahead log (week 2 day 6): every write of a memtable, appended to `<id>.wal` before the
// memtable sees it, so that open() can rebuild the memtable after a crash.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mini_lsm/file_system.hpp"
#include "mini_lsm/options.hpp"
#include "mini_lsm/record_frame.hpp"
#include "mini_lsm/write_op.hpp"

namespace mini_lsm {

/// The bytes "MWAL" read as a little-endian u32: the first four bytes of every WAL.
inline constexpr std::uint32_t kWalMagic = 0x4C41574D;
/// Format version 1 (week 2 day 6): after the header, one record per write, without checksums.
/// Still read, so that a database written before week 2 day 7 opens.
inline constexpr std::uint32_t kWalFormatVersion = 1;
/// Format version 2 (week 2 day 7), what the engine writes: after the header, one checksummed
/// frame (record_frame.hpp, salted with the WAL's id) per batch of writes.
inline constexpr std::uint32_t kWalChecksummedFormatVersion = 2;
/// magic (u32) | format version (u32) | the WAL's id (u64): a WAL copied under another id's name
/// is told apart from the real one. The same 16 bytes in both versions.
inline constexpr std::size_t kWalHeaderSize = 16;
/// A record is key_len (u16) | key | value_len (u32) | value, little-endian: these are the bytes
/// besides the key and the value. u16 fits kMaxKeySize, u32 fits kMaxValueSize; a delete is a
/// record with an empty value.
inline constexpr std::size_t kWalRecordOverhead = 6;
/// A batch's payload (version 2) is count (u32) | count records: the bytes besides the records.
inline constexpr std::size_t kWalBatchOverhead = 4;
/// The largest payload a batch may have, so that a reader can tell a garbled length from a real
/// one; LsmStorage::write_batch() refuses bigger batches.
inline constexpr std::size_t kMaxWalBatchBytes = std::size_t{32} << 20;
/// Records gather in a buffer in memory and go to the file (one append) once it holds this many
/// bytes, or at sync(): one system call per many small writes.
inline constexpr std::size_t kWalBufferSize = std::size_t{64} << 10;

/// Appends the record of `key` = `value` (an empty value: a delete) to `out`.
void encode_wal_record(std::string& out, std::string_view key, std::string_view value);

/// Appends the payload of a batch (version 2) to `out`: the number of writes (u32), then the
/// record of each, in order, as encode_wal_record() writes it.
void encode_wal_batch(std::string& out, std::span<const WriteOp> batch);

/// A record as read from a WAL; key and value point into the bytes read.
struct WalRecordView {
  /// Where the record starts in the file: its key_len field (version 1), or the frame of its
  /// batch (version 2).
  std::uint64_t offset = 0;
  std::string_view key;
  std::string_view value;
  /// Version 2: the record's place in its batch, the batch's size and its frame's checksum
  /// (verified). Version 1: 0, 1 and 0.
  std::size_t index_in_batch = 0;
  std::size_t batch_size = 1;
  std::uint32_t checksum = 0;
};

/// The records of the batch in `frame` (version 2), whose checksum matched. A count of 0, a
/// value over kMaxValueSize or bytes after the last record are Corruption naming `file` and the
/// offset: the writer wrote them, so the engine that wrote the file is broken.
std::vector<WalRecordView> decode_wal_batch(const FrameView& frame, std::string_view file);

/// What reading a WAL found.
struct WalReadResult {
  /// kWalFormatVersion or kWalChecksummedFormatVersion.
  std::uint32_t format_version = kWalFormatVersion;
  /// Whole records read, and the batches (frames) they came in (version 2; version 1 counts one
  /// per record).
  std::size_t records = 0;
  std::size_t batches = 0;
  /// The file's size when it was read.
  std::uint64_t file_size = 0;
  /// Where the last whole record ends: everything after it is a torn tail.
  std::uint64_t valid_size = 0;
  /// Where a record that the file ends inside begins (a crash cut its append short); nullopt
  /// when the file ends after a whole record.
  std::optional<std::uint64_t> torn_tail_offset;
  /// Why the tail is torn (version 2 says more than "the file ends inside a record").
  std::string torn_tail_reason;
};

/// Reads the WAL at `path` and calls `each` for every whole record, in file order. A record cut
/// short by the end of the file is a torn tail: reported, not an error. Throws Corruption naming
/// the file and the offset for a header that is missing, foreign, of another format version or
/// (when `expected_id` is given) of another WAL, and for a value length over kMaxValueSize,
/// which no write has. Throws IoError when the file cannot be read.
///
/// Version 2 (week 2 day 7): `each` sees a batch's records only once its frame's checksum
/// matched, so a batch is replayed whole or not at all. A bad frame with no whole frame after it
/// is the torn tail (a zero-filled or garbage tail included); a bad frame with a whole frame
/// after it is damage, and throws Corruption at its offset (read_frames()).
WalReadResult read_wal(const std::filesystem::path& path, FileSystem& fs,
                       std::optional<std::size_t> expected_id,
                       const std::function<void(const WalRecordView&)>& each);

/// What a WAL's fsyncs cost, for `stats` and the benchmark.
struct WalStats {
  /// Bytes of records appended (header excluded), buffered ones included.
  std::uint64_t bytes = 0;
  /// fsyncs of WAL files.
  std::uint64_t fsyncs = 0;
  /// Median and 99th percentile of the latest fsyncs (up to 4096 of them), in microseconds.
  double fsync_p50_us = 0;
  double fsync_p99_us = 0;
  /// Groups of writes committed together (group commit), and the writes in them.
  std::uint64_t commit_groups = 0;
  std::uint64_t commit_group_writes = 0;
};

/// Counters shared by every WAL of one engine (provided). Thread-safe.
class WalMetrics {
 public:
  void add_bytes(std::uint64_t bytes);
  void add_fsync(std::chrono::steady_clock::duration took);
  void add_commit_group(std::size_t writes);
  WalStats stats() const;

 private:
  static constexpr std::size_t kLatencies = 4096;
  mutable std::mutex mutex_;
  WalStats totals_;
  // The latest fsync latencies in microseconds, a ring of kLatencies.
  std::vector<double> latencies_;
  std::size_t next_latency_ = 0;
};

/// The write-ahead log of one memtable, `<id>.wal`. Records are encoded into a buffer in memory;
/// sync() writes the buffer to the file and fsyncs it. Nothing is durable before sync() returns.
/// put() is called by one thread at a time (the engine's commit leader); sync() may be called
/// from any thread meanwhile. A failed append or fsync sticks: every later put() and sync()
/// throws that error, since the file's tail is unknown until the engine is reopened.
class Wal {
 public:
  /// Creates `path` holding the header (with `id`), fsyncs it, then fsyncs its directory, so
  /// that once this returns the WAL survives a crash and a record may name it.
  static std::unique_ptr<Wal> create(const std::filesystem::path& path, std::size_t id,
                                     FileSystem& fs, std::shared_ptr<WalMetrics> metrics = nullptr);
  /// Replays the WAL `id` at `path`: read_wal() with `each` called for every whole record. A torn
  /// tail is cut off (the file truncated to the whole records and fsynced) before this returns,
  /// so that nothing ever appended to the file follows bytes a reader cannot frame. Under
  /// WalRecoveryMode::kAbsoluteConsistency (week 2 day 7) a torn tail is Corruption instead, and
  /// the file is left as it is.
  static WalReadResult recover(
      const std::filesystem::path& path, std::size_t id, FileSystem& fs,
      const std::function<void(std::string_view key, std::string_view value)>& each,
      WalRecoveryMode mode = WalRecoveryMode::kTolerateTornTail);

  // Public for std::make_unique only: create() is the way to make one.
  struct PrivateKey {};
  Wal(PrivateKey, std::filesystem::path path, std::size_t id, std::unique_ptr<WritableFile> file,
      std::shared_ptr<WalMetrics> metrics);
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;
  ~Wal() = default;

  /// Appends the record of `key` = `value` (empty: a delete) to the buffer, and the buffer to the
  /// file once it holds kWalBufferSize bytes.
  void put(std::string_view key, std::string_view value);
  /// Appends `batch` as one record (week 2 day 7: one checksummed frame), so that after a crash
  /// the batch is replayed whole or not at all. An empty batch throws InvalidArgument and writes
  /// nothing.
  void put_batch(std::span<const WriteOp> batch);
  /// Writes the buffer to the file and fsyncs it: every record put() before the call is durable
  /// when it returns.
  void sync();

  std::size_t id() const { return id_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  // Adds `bytes` (already in buffer_) to the counts, and writes the buffer out once it is full.
  // Needs mutex_ held.
  void account_put(std::size_t bytes);
  // Appends buffer_ to the file and empties it. Needs mutex_ held.
  void write_buffer();
  // Throws failed_ if an earlier append or fsync failed. Needs mutex_ held.
  void throw_if_failed() const;

  std::filesystem::path path_;
  std::size_t id_;
  std::unique_ptr<WritableFile> file_;
  std::shared_ptr<WalMetrics> metrics_;
  // Guards buffer_, put_bytes_, synced_bytes_, failed_ and appends to file_.
  mutable std::mutex mutex_;
  std::string buffer_;
  // Bytes of records put so far, and how many of them the last fsync made durable.
  std::uint64_t put_bytes_ = 0;
  std::uint64_t synced_bytes_ = 0;
  std::exception_ptr failed_;
  // One fsync at a time; held without mutex_ during the fsync, so that put() goes on meanwhile.
  std::mutex sync_mutex_;
};

}  // namespace mini_lsm
