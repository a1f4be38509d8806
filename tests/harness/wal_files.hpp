// What the WAL tests of the engine share (week 2 day 6): options that leave every freeze and
// flush to the test, the names and bytes of WAL files, and the files of a database directory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/fault_injection_fs.hpp"
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

/// The 16 bytes every WAL starts with: magic, format version, the WAL's id (u64), little-endian,
/// written out here rather than by the code under test.
inline std::string wal_header(std::size_t id) {
  std::string header;
  const auto put_u32 = [&](std::uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8) {
      header.push_back(static_cast<char>((value >> shift) & 0xff));
    }
  };
  put_u32(mini_lsm::kWalMagic);
  put_u32(mini_lsm::kWalFormatVersion);
  put_u32(static_cast<std::uint32_t>(id));
  put_u32(static_cast<std::uint32_t>(static_cast<std::uint64_t>(id) >> 32));
  return header;
}

/// The record of `key` = `value` as the tree's encode_wal_record() writes it.
inline std::string wal_record(std::string_view key, std::string_view value) {
  std::string record;
  mini_lsm::encode_wal_record(record, key, value);
  return record;
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
