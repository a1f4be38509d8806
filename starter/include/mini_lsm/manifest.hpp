// The manifest (week 2 day 5): the log of every change to the tree's structure, replayed on open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mini_lsm/compaction/task.hpp"
#include "mini_lsm/file_names.hpp"
#include "mini_lsm/file_system.hpp"
#include "mini_lsm/lsm_state.hpp"
#include "mini_lsm/options.hpp"

namespace mini_lsm {

/// The bytes "MANI" read as a little-endian u32: the first four bytes of every manifest.
inline constexpr std::uint32_t kManifestMagic = 0x494E414D;
/// Format version 1 (week 2 day 5): after the header, records as length (u32) | payload, without
/// checksums. Still read, so that a database written before week 2 day 7 opens.
inline constexpr std::uint32_t kManifestFormatVersion = 1;
/// Format version 2 (week 2 day 7), what the engine writes: after the header, one checksummed
/// frame (record_frame.hpp, salt 0) per record.
inline constexpr std::uint32_t kManifestChecksummedFormatVersion = 2;
/// magic (u32) | format version (u32).
inline constexpr std::size_t kManifestHeaderSize = 8;
/// A record longer than this is damage, not a record: no tree needs 64 MiB to describe a change,
/// and a reader must not allocate whatever a garbled length asks for.
inline constexpr std::uint32_t kMaxManifestRecordSize = std::uint32_t{1} << 26;

/// The whole tree, as the first record of every manifest: open() writes a new manifest that
/// starts with it, so the file never holds more than one session's changes.
struct SnapshotRecord {
  /// Every id below it was handed out before; ids of later records are at least this.
  std::size_t next_id = 0;
  /// The compaction strategy that shaped the tree: the records that follow only make sense to
  /// its controller, so an engine with another one refuses to open the database.
  CompactionStrategy strategy = CompactionStrategy::kNone;
  std::vector<std::size_t> l0_sstables;
  std::vector<Level> levels;
  bool operator==(const SnapshotRecord&) const = default;
};
/// A memtable with this id was created: its SST, once flushed, will have the same id. With `wal`
/// (week 2 day 6), its write-ahead log `<id>.wal` was created and is durable: until a flush
/// record of the id, open() must find it and replay it.
struct NewMemtableRecord {
  std::size_t id = 0;
  bool wal = false;
  bool operator==(const NewMemtableRecord&) const = default;
};
/// Memtable `id` was flushed to `<id>.sst`, which goes to the front of L0 (or is a new tier).
struct FlushRecord {
  std::size_t id = 0;
  bool operator==(const FlushRecord&) const = default;
};
/// `task` ran and wrote `output` (the new SSTs, in key order) in place of its inputs.
struct CompactionRecord {
  CompactionTask task;
  std::vector<std::size_t> output;
  bool operator==(const CompactionRecord&) const = default;
};
using ManifestRecord =
    std::variant<SnapshotRecord, NewMemtableRecord, FlushRecord, CompactionRecord>;

/// The bytes of a record without its length: a type byte, then its fields (ids as u64, lists
/// as a u32 count then the items, little-endian). Provided: the layout is in the chapter page.
std::string encode_record(const ManifestRecord& record);
/// Decodes the bytes encode_record() wrote. Throws Corruption naming `file` and the offset
/// (`offset` is where `payload` starts in the file) for anything else, including bytes left over.
ManifestRecord decode_record(std::string_view payload, std::string_view file, std::uint64_t offset);
/// One line describing a record, e.g. "flush 7" or "compaction L0 [5 4] -> L1 [8 9]".
std::string describe(const ManifestRecord& record);

/// A record as read from a manifest: where it starts (its length field in version 1, its frame
/// in version 2), and its payload's length.
struct ManifestEntry {
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  ManifestRecord record;
  /// Version 2: the frame's checksum, verified before the payload was decoded. Version 1: 0.
  std::uint32_t checksum = 0;
};

/// Everything a manifest holds.
struct ManifestContents {
  std::vector<ManifestEntry> entries;
  /// Where a record cut short by a crash begins (the file ends inside it, or only zeros follow:
  /// the file's size reached the disk but its bytes did not). Everything from there on is
  /// ignored. std::nullopt when the file ends after a whole record.
  std::optional<std::uint64_t> torn_tail_offset;
  /// Why the tail is torn (version 2 says more than "the file ends inside a record").
  std::string torn_tail_reason;
  std::uint64_t file_size = 0;
  /// kManifestFormatVersion or kManifestChecksummedFormatVersion.
  std::uint32_t format_version = kManifestFormatVersion;
};

/// Reads the manifest at `path`. A torn tail (see ManifestContents) is not an error; anything
/// else that does not parse, a missing or foreign header, another format version, a length of 0
/// or over kMaxManifestRecordSize, a record that does not decode, throws Corruption naming the
/// file and the offset. `each`, when given, sees every record as it is read, so that a tool can
/// show the records before the damage too. Version 2 (week 2 day 7): a record is decoded only
/// once its frame's checksum matched; a bad frame with a whole one after it is Corruption, one
/// without is the torn tail (read_frames()).
ManifestContents read_manifest(const std::filesystem::path& path, FileSystem& fs,
                               const std::function<void(const ManifestEntry&)>& each = {});

/// The open manifest of an engine: records are appended and made durable one at a time.
class Manifest {
 public:
  /// Writes a new manifest at `path` holding the header and `first` and makes it durable: the
  /// bytes go to `<path>.tmp`, which is fsynced and renamed over `path`, and then the directory
  /// is fsynced. A crash at any point leaves either the old manifest or the new one.
  static Manifest create(const std::filesystem::path& path, const ManifestRecord& first,
                         FileSystem& fs);

  /// Appends `record` (its length as u32, then encode_record(); from week 2 day 7 the checksummed
  /// frame of encode_record()) and fsyncs the file: when it
  /// returns, the record survives a crash. If it throws, the manifest refuses every later record
  /// with that same error (its tail may hold part of this one), until the engine is reopened.
  void add_record(const ManifestRecord& record);

  const std::filesystem::path& path() const { return path_; }

 private:
  Manifest(std::filesystem::path path, std::unique_ptr<WritableFile> file);

  std::filesystem::path path_;
  std::unique_ptr<WritableFile> file_;
  // The error of the first append or sync that failed; null while none did.
  std::exception_ptr failed_;
};

}  // namespace mini_lsm
