// The write-ahead log's record format, reading it back, and appending and syncing (week 2 day 6).
#include "mini_lsm/wal.hpp"

#include <algorithm>
#include <utility>

#include "coding.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/options.hpp"
#include "mini_lsm/record_frame.hpp"

namespace mini_lsm {

void encode_wal_record(std::string& out, std::string_view key, std::string_view value) {
  // @lesson w2d6 encode_wal_record: append key_len (u16), the key, value_len (u32) and the value
  //   to `out` (put_u16 and put_u32 of coding.hpp write little-endian)
  put_u16(out, static_cast<std::uint16_t>(key.size()));
  out.append(key);
  put_u32(out, static_cast<std::uint32_t>(value.size()));
  out.append(value);
  // @lesson end
}

void encode_wal_batch(std::string& out, std::span<const WriteOp> batch) {
  // @lesson w2d7 encode_wal_batch: the number of writes (u32), then encode_wal_record() of each
  put_u32(out, static_cast<std::uint32_t>(batch.size()));
  for (const WriteOp& write : batch) {
    encode_wal_record(out, write.key, write.value);
  }
  // @lesson end
}

std::vector<WalRecordView> decode_wal_batch(const FrameView& frame, std::string_view file) {
  // @lesson w2d7 decode_wal_batch: read the count (u32) and that many records (key_len u16, key,
  //   value_len u32, value) from the payload with a ByteReader (file offset: after the frame
  //   header); a count of 0, a value over kMaxValueSize or bytes left over are Corruption (the
  //   checksum matched, so the writer wrote them); each view's offset is the frame's
  ByteReader payload(frame.payload, file, frame.offset + kFrameHeaderSize);
  const std::uint32_t count = payload.u32();
  if (count == 0) {
    payload.fail("a batch of 0 writes");
  }
  std::vector<WalRecordView> records;
  for (std::uint32_t index = 0; index < count; ++index) {
    WalRecordView record;
    record.offset = frame.offset;
    record.key = payload.take(payload.u16());
    const std::uint32_t value_length = payload.u32();
    if (value_length > kMaxValueSize) {
      payload.fail("a value length of " + std::to_string(value_length) + " bytes, over the limit");
    }
    record.value = payload.take(value_length);
    record.index_in_batch = index;
    record.batch_size = count;
    record.checksum = frame.checksum;
    records.push_back(record);
  }
  if (payload.remaining() != 0) {
    payload.fail(std::to_string(payload.remaining()) + " bytes after the last write of the batch");
  }
  return records;
  // @lesson end
}

namespace {

// Checks the header of the WAL held in `bytes` (provided): Corruption naming the offset of the
// first field that is wrong.
// Returns the format version.
std::uint32_t check_wal_header(std::string_view bytes, const std::string& file,
                               std::optional<std::size_t> expected_id) {
  ByteReader header(bytes, file, 0);
  if (bytes.size() < kWalHeaderSize || header.u32() != kWalMagic) {
    throw Corruption(file, 0, "not a WAL (it does not start with the WAL magic number)");
  }
  const std::uint32_t version = header.u32();
  if (version != kWalFormatVersion && version != kWalChecksummedFormatVersion) {
    throw Corruption(file, 4,
                     "a WAL of format version " + std::to_string(version) +
                         ", but this engine reads versions " + std::to_string(kWalFormatVersion) +
                         " and " + std::to_string(kWalChecksummedFormatVersion));
  }
  if (const std::uint64_t id = header.u64(); expected_id && id != *expected_id) {
    throw Corruption(file, 8,
                     "the header says this is the WAL of memtable " + std::to_string(id) +
                         ", not of memtable " + std::to_string(*expected_id) +
                         " (a WAL copied under another name?)");
  }
  return version;
}

using EachWalRecord = std::function<void(const WalRecordView&)>;

// Version 1: records one after the other, no checksums.
void read_plain_wal_records(std::string_view all, const std::string& file, WalReadResult& result,
                            const EachWalRecord& each) {
  // @lesson w2d6 read_plain_wal_records: after the header (kWalHeaderSize bytes, checked by
  //   read_wal), read records until the end: key_len (u16), key, value_len (u32), value; call
  //   `each` with the record's offset, key and value, and count it (one batch per record); a
  //   record the file ends inside is the torn tail (torn_tail_offset: where it begins); a
  //   value_len over kMaxValueSize is Corruption at the record's offset; valid_size is where the
  //   last whole record ends
  std::size_t at = kWalHeaderSize;
  while (at < all.size()) {
    const std::string_view rest = all.substr(at);
    // A crash in the middle of an append leaves a prefix of the last record. Without checksums
    // (week 2 day 7) that is all a reader can tell: the file ends before the record does.
    if (rest.size() < 2) {
      result.torn_tail_offset = at;
      result.torn_tail_reason = "the file ends inside a record";
      break;
    }
    ByteReader record(rest, file, at);
    const std::uint16_t key_length = record.u16();
    if (record.remaining() < std::size_t{key_length} + 4) {
      result.torn_tail_offset = at;
      result.torn_tail_reason = "the file ends inside a record";
      break;
    }
    const std::string_view key = record.take(key_length);
    const std::uint32_t value_length = record.u32();
    if (value_length > kMaxValueSize) {
      throw Corruption(file, at,
                       "a value length of " + std::to_string(value_length) +
                           " bytes, over the limit of " + std::to_string(kMaxValueSize));
    }
    if (record.remaining() < value_length) {
      result.torn_tail_offset = at;
      result.torn_tail_reason = "the file ends inside a record";
      break;
    }
    const std::string_view value = record.take(value_length);
    each(WalRecordView{at, key, value});
    ++result.records;
    ++result.batches;
    at += record.position();
  }
  result.valid_size = result.torn_tail_offset.value_or(all.size());
  // @lesson end
}

// Version 2: checksummed frames, one per batch.
void read_checksummed_wal_records(std::string_view all, const std::string& file, std::uint64_t id,
                                  WalReadResult& result, const EachWalRecord& each) {
  // @lesson w2d7 read_checksummed_wal_records: read_frames() from kWalHeaderSize with the WAL's
  //   id as the salt and lengths from kWalBatchOverhead + kWalRecordOverhead to
  //   kMaxWalBatchBytes; decode each frame's batch whole BEFORE calling `each` for its records;
  //   count records and batches, and copy the torn tail and valid_size into `result`
  const FrameRules rules{id, kWalBatchOverhead + kWalRecordOverhead, kMaxWalBatchBytes};
  const FramesRead read =
      read_frames(all, kWalHeaderSize, rules, file, [&](const FrameView& frame) {
        // Decoded whole first: a batch that does not decode reaches nobody, not even in part.
        for (const WalRecordView& record : decode_wal_batch(frame, file)) {
          each(record);
          ++result.records;
        }
        ++result.batches;
      });
  result.valid_size = read.valid_size;
  result.torn_tail_offset = read.torn_tail_offset;
  result.torn_tail_reason = read.torn_tail_reason;
  // @lesson end
}

}  // namespace

WalReadResult read_wal(const std::filesystem::path& path, FileSystem& fs,
                       std::optional<std::size_t> expected_id,
                       const std::function<void(const WalRecordView&)>& each) {
  const std::string file = path.string();
  const std::string bytes = [&] {
    const std::unique_ptr<RandomAccessFile> input = fs.open_for_read(path);
    return input->read(0, input->size());
  }();
  WalReadResult result;
  result.file_size = bytes.size();
  result.format_version = check_wal_header(bytes, file, expected_id);
  if (result.format_version == kWalFormatVersion) {
    read_plain_wal_records(bytes, file, result, each);
  } else {
    // The header was checked: the id is at offset 8.
    const std::uint64_t id = ByteReader(std::string_view(bytes).substr(8), file, 8).u64();
    read_checksummed_wal_records(bytes, file, id, result, each);
  }
  return result;
}

void WalMetrics::add_bytes(std::uint64_t bytes) {
  const std::lock_guard lock(mutex_);
  totals_.bytes += bytes;
}

void WalMetrics::add_fsync(std::chrono::steady_clock::duration took) {
  const double micros = std::chrono::duration<double, std::micro>(took).count();
  const std::lock_guard lock(mutex_);
  ++totals_.fsyncs;
  if (latencies_.size() < kLatencies) {
    latencies_.push_back(micros);
  } else {
    latencies_[next_latency_] = micros;
  }
  next_latency_ = (next_latency_ + 1) % kLatencies;
}

void WalMetrics::add_commit_group(std::size_t writes) {
  const std::lock_guard lock(mutex_);
  ++totals_.commit_groups;
  totals_.commit_group_writes += writes;
}

WalStats WalMetrics::stats() const {
  std::vector<double> sorted;
  WalStats stats;
  {
    const std::lock_guard lock(mutex_);
    stats = totals_;
    sorted = latencies_;
  }
  if (!sorted.empty()) {
    std::sort(sorted.begin(), sorted.end());
    stats.fsync_p50_us = sorted[(sorted.size() - 1) / 2];
    stats.fsync_p99_us = sorted[(sorted.size() - 1) * 99 / 100];
  }
  return stats;
}

Wal::Wal(PrivateKey /*only create()*/, std::filesystem::path path, std::size_t id,
         std::unique_ptr<WritableFile> file, std::shared_ptr<WalMetrics> metrics)
    : path_(std::move(path)),
      id_(id),
      file_(std::move(file)),
      metrics_(metrics ? std::move(metrics) : std::make_shared<WalMetrics>()) {}

namespace {

// The version this engine writes: the records' layout changes with checksums (week 2 day 7).
std::uint32_t written_wal_format_version() {
  // @lesson w2d6 written_wal_format_version: kWalFormatVersion
  //| return kWalFormatVersion;
  // @lesson w2d7 replaces: kWalChecksummedFormatVersion, once put_batch() writes frames
  return kWalChecksummedFormatVersion;
  // @lesson end
}

}  // namespace

std::unique_ptr<Wal> Wal::create(const std::filesystem::path& path, std::size_t id, FileSystem& fs,
                                 std::shared_ptr<WalMetrics> metrics) {
  // @lesson w2d6 Wal::create: create the file, append the header (kWalMagic,
  //   written_wal_format_version(), the id as u64), fsync it, then fsync its directory
  //   (path.parent_path()): a record may name the WAL only once both are durable
  std::unique_ptr<WritableFile> file = fs.create(path);
  std::string header;
  put_u32(header, kWalMagic);
  put_u32(header, written_wal_format_version());
  put_u64(header, id);
  file->append(header);
  file->sync();
  // Without it, a crash can drop the new name from the directory, and every record synced into
  // the file with it, although sync() returned.
  fs.sync_directory(path.parent_path());
  return std::make_unique<Wal>(PrivateKey{}, path, id, std::move(file), std::move(metrics));
  // @lesson end
}

WalReadResult Wal::recover(
    const std::filesystem::path& path, std::size_t id, FileSystem& fs,
    const std::function<void(std::string_view key, std::string_view value)>& each,
    WalRecoveryMode mode) {
  // @lesson w2d6 Wal::recover: read_wal() with the expected id, passing each record's key and
  //   value to `each`; if there is a torn tail, truncate the file to valid_size and fsync it
  //   (open_for_append() then sync()) before returning
  //| const WalReadResult result =
  //|     read_wal(path, fs, id, [&](const WalRecordView& record) { each(record.key, record.value); });
  //| if (result.torn_tail_offset) {
  //|   // Cut now: a record appended after the torn bytes would be misread as part of them.
  //|   fs.truncate(path, result.valid_size);
  //|   fs.open_for_append(path)->sync();
  //| }
  //| return result;
  // @lesson w2d7 replaces: under WalRecoveryMode::kAbsoluteConsistency, a torn tail is Corruption
  //   at its offset (with its reason) and the file is not touched; otherwise cut it as before
  const WalReadResult result =
      read_wal(path, fs, id, [&](const WalRecordView& record) { each(record.key, record.value); });
  if (result.torn_tail_offset) {
    if (mode == WalRecoveryMode::kAbsoluteConsistency) {
      throw Corruption(path.string(), *result.torn_tail_offset,
                       result.torn_tail_reason +
                           " (a torn tail, refused: wal_recovery is absolute consistency)");
    }
    // Cut now: a record appended after the torn bytes would be misread as part of them.
    fs.truncate(path, result.valid_size);
    fs.open_for_append(path)->sync();
  }
  return result;
  // @lesson end
}

void Wal::put(std::string_view key, std::string_view value) {
  // @lesson w2d6 Wal::put: under mutex_, throw_if_failed(), then encode_wal_record() into
  //   buffer_ and account_put() its bytes
  //| const std::lock_guard lock(mutex_);
  //| throw_if_failed();
  //| const std::size_t before = buffer_.size();
  //| encode_wal_record(buffer_, key, value);
  //| account_put(buffer_.size() - before);
  // @lesson w2d7 replaces: a put is a batch of one: put_batch()
  const WriteOp write = WriteOp::put(key, value);
  put_batch({&write, 1});
  // @lesson end
}

void Wal::put_batch(std::span<const WriteOp> batch) {
  // @lesson w2d7 Wal::put_batch: refuse an empty batch (InvalidArgument: its record would read
  //   back as damage); under mutex_, throw_if_failed(), then append_frame() of
  //   encode_wal_batch() into buffer_ with the WAL's id as the salt, and account_put() its bytes
  if (batch.empty()) {
    throw InvalidArgument("an empty batch has no record: a batch of 0 writes reads back as damage");
  }
  std::string payload;
  encode_wal_batch(payload, batch);
  const std::lock_guard lock(mutex_);
  throw_if_failed();
  const std::size_t before = buffer_.size();
  append_frame(buffer_, id_, payload);
  account_put(buffer_.size() - before);
  // @lesson end
}

void Wal::account_put(std::size_t bytes) {
  put_bytes_ += bytes;
  metrics_->add_bytes(bytes);
  if (buffer_.size() >= kWalBufferSize) {
    write_buffer();
  }
}

void Wal::sync() {
  // @lesson w2d6 Wal::sync: one sync at a time (sync_mutex_); under mutex_, throw_if_failed(),
  //   return if nothing was put since the last sync (put_bytes_ == synced_bytes_), else
  //   write_buffer(); then, WITHOUT mutex_ (put() goes on meanwhile), fsync the file, count it in
  //   metrics_ with its duration and move synced_bytes_ up; a failed fsync goes into failed_
  //   (under mutex_) and is rethrown
  const std::lock_guard one_sync_at_a_time(sync_mutex_);
  std::uint64_t syncing = 0;
  {
    const std::lock_guard lock(mutex_);
    throw_if_failed();
    if (put_bytes_ == synced_bytes_) {
      return;  // an idle WAL (the periodic syncer) costs no fsync
    }
    syncing = put_bytes_;
    write_buffer();
  }
  const auto started = std::chrono::steady_clock::now();
  try {
    file_->sync();
  } catch (...) {
    // After a failed fsync the kernel may have dropped the dirty pages: retrying would "succeed"
    // without the data (PostgreSQL's fsyncgate). The error sticks.
    const std::lock_guard lock(mutex_);
    failed_ = std::current_exception();
    throw;
  }
  metrics_->add_fsync(std::chrono::steady_clock::now() - started);
  const std::lock_guard lock(mutex_);
  synced_bytes_ = syncing;
  // @lesson end
}

void Wal::write_buffer() {
  if (buffer_.empty()) {
    return;
  }
  try {
    file_->append(buffer_);
  } catch (...) {
    failed_ = std::current_exception();  // part of the buffer may be in the file
    throw;
  }
  buffer_.clear();
}

void Wal::throw_if_failed() const {
  if (failed_) {
    std::rethrow_exception(failed_);
  }
}

}  // namespace mini_lsm
