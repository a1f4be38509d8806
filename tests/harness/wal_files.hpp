// What the WAL tests of the engine share (week 2 day 6): options that leave every freeze and
// flush to the test, the names and bytes of WAL files (both format versions), and the files of a
// database directory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/catch.hpp"
#include "harness/fault_injection_fs.hpp"
#include "harness/format_bytes.hpp"
#include "mini_lsm/file_names.hpp"
#include "mini_lsm/options.hpp"
#include "mini_lsm/wal.hpp"

namespace mini_lsm::testing {

/// The database directory of these tests, on a FaultInjectionFs.
inline constexpr std::string_view kWalTestDb = "/db";

/// "7.wal", and its path in kWalTestDb.
inline std::string wal_name(std::size_t id) {
  return mini_lsm::wal_file_name(id);
}
inline std::string wal_at(std::size_t id) {
  return std::string(kWalTestDb) + "/" + wal_name(id);
}

/// Only the test freezes and flushes: memtables hold 1 MiB, the flush thread waits for 1000 of
/// them, and no compaction thread runs. The WAL (when on) is synced only by sync().
inline LsmOptions wal_options(std::shared_ptr<FileSystem> fs, bool enable_wal = true) {
  LsmOptions options;
  options.target_sst_size = std::size_t{1} << 20;
  options.block_size = 256;
  options.num_memtable_limit = 1000;
  options.background_compaction = false;
  options.enable_wal = enable_wal;
  options.file_system = std::move(fs);
  return options;
}

// ---- The bytes of WAL files, written out by hand from the format ----------------------------
//
// Never produced by the code under test, so that a test comparing them with a file the engine
// wrote checks the engine's bytes, not the engine against itself. Two format versions:
// - version 1 (week 2 day 6): the header, then one record per write,
//   key_len u16 | key | value_len u32 | value;
// - version 2 (week 2 day 7): the header, then one frame per batch of writes,
//   checksum u32 | length u32 | payload, where payload = count u32 | count records (as above) and
//   checksum = CRC-32C over (the WAL's id u64, length u32, payload).
// All little-endian. The engine writes version 1 at checkpoint w2d6 and version 2 from w2d7 on,
// and reads both; a day-6 test that pins the bytes of a file the engine wrote reads the version
// the file declares (written_wal_format()) and compares with the bytes of that version.

/// One write as a WAL holds it: an empty value is a delete.
struct WalWrite {
  std::string key;
  std::string value;
};

/// The bytes of the WAL files of one format version and one id.
struct WalFormat {
  std::uint32_t version = kWalFormatVersion;
  std::uint64_t id = 0;

  /// The 16 bytes every WAL starts with: magic "MWAL", the format version (u32), the id (u64).
  std::string header() const {
    std::string out;
    append_little_endian(out, kWalMagic, 4);
    append_little_endian(out, version, 4);
    append_little_endian(out, id, 8);
    return out;
  }

  /// What one put (or, with an empty value, one delete) appends: version 1 its record, version 2
  /// the frame of a batch of that one write.
  std::string record(std::string_view key, std::string_view value) const {
    std::string one = plain_record(key, value);
    if (version == kWalFormatVersion) {
      return one;
    }
    std::string payload;
    append_little_endian(payload, 1, 4);  // the batch's count
    payload += one;
    return frame(payload);
  }

  /// record(key, value).size(), for sizes only: 6 + |key| + |value| bytes in version 1, and
  /// 8 (frame header) + 4 (count) more in version 2.
  std::size_t record_size(std::size_t key_size, std::size_t value_size) const {
    const std::size_t plain = 6 + key_size + value_size;
    return version == kWalFormatVersion ? plain : 8 + 4 + plain;
  }

  /// A whole WAL: the header, then record() of every write.
  std::string file(const std::vector<WalWrite>& writes) const {
    std::string out = header();
    for (const WalWrite& write : writes) {
      out += record(write.key, write.value);
    }
    return out;
  }

  /// Where each write's record starts in file(writes), then (last) where the file ends.
  std::vector<std::uint64_t> offsets(const std::vector<WalWrite>& writes) const {
    std::vector<std::uint64_t> at{kWalHeaderSize};
    for (const WalWrite& write : writes) {
      at.push_back(at.back() + record_size(write.key.size(), write.value.size()));
    }
    return at;
  }

  /// key_len u16 | key | value_len u32 | value: a version-1 record, and a version-2 batch entry.
  static std::string plain_record(std::string_view key, std::string_view value) {
    std::string out;
    append_little_endian(out, key.size(), 2);
    out += key;
    append_little_endian(out, value.size(), 4);
    out += value;
    return out;
  }

  /// The frame of `payload` in version 2, its checksum salted with this WAL's id.
  std::string frame(std::string_view payload) const { return checksummed_frame(id, payload); }
};

/// A version-1 WAL of `id`: for tests that hand-craft files the engine must still read.
inline WalFormat wal_v1(std::uint64_t id) {
  return WalFormat{kWalFormatVersion, id};
}

/// The format of the WAL file `bytes` the engine wrote, from its header: the version at offset
/// 4 and the id at offset 8. The test stops unless the file has a whole header with the WAL magic
/// and version 1 (what the engine writes at w2d6) or 2 (from w2d7 on).
inline WalFormat written_wal_format(std::string_view bytes) {
  REQUIRE(bytes.size() >= kWalHeaderSize);
  REQUIRE(little_endian_at(bytes, 0, 4) == kWalMagic);
  const auto version = static_cast<std::uint32_t>(little_endian_at(bytes, 4, 4));
  INFO("the WAL declares format version " << version);
  REQUIRE((version == kWalFormatVersion || version == kWalChecksummedFormatVersion));
  return WalFormat{version, little_endian_at(bytes, 8, 8)};
}

/// The same, for the WAL at `path` of `fs`.
inline WalFormat written_wal_format(const FaultInjectionFs& fs, const std::string& path) {
  return written_wal_format(fs.contents(path));
}

/// The names in kWalTestDb that end with `suffix`, sorted.
inline std::vector<std::string> files_ending(const FaultInjectionFs& fs, std::string_view suffix) {
  std::vector<std::string> found;
  for (const std::string& name : fs.files(std::string(kWalTestDb))) {
    if (name.ends_with(suffix)) {
      found.push_back(name);
    }
  }
  return found;
}

}  // namespace mini_lsm::testing
