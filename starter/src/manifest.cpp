// The manifest's records, its file format, and appending to it (week 2 day 5).
#include "mini_lsm/manifest.hpp"

#include <exception>
#include <utility>

#include "coding.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/file_names.hpp"
#include "mini_lsm/record_frame.hpp"

namespace mini_lsm {

namespace {

// The type byte that starts every record's payload.
enum class RecordType : std::uint8_t {
  kSnapshot = 1,
  kNewMemtable = 2,
  kFlush = 3,
  kCompaction = 4,
  kNewMemtableWithWal = 5,  // week 2 day 6
};

// The kind of task in a compaction record.
enum class TaskType : std::uint8_t {
  kFull = 1,
  kLevel = 2,
  kTiered = 3,
};

// --- Encoding (provided) ---

void put_id(std::string& out, std::size_t id) {
  put_u64(out, id);
}

void put_ids(std::string& out, const std::vector<std::size_t>& ids) {
  put_u32(out, static_cast<std::uint32_t>(ids.size()));
  for (const std::size_t id : ids) {
    put_id(out, id);
  }
}

void put_levels(std::string& out, const std::vector<Level>& levels) {
  put_u32(out, static_cast<std::uint32_t>(levels.size()));
  for (const Level& level : levels) {
    put_id(out, level.id);
    put_ids(out, level.sst_ids);
  }
}

void put_task(std::string& out, const CompactionTask& task) {
  if (const auto* full = std::get_if<FullCompactionTask>(&task)) {
    put_u8(out, static_cast<std::uint8_t>(TaskType::kFull));
    put_ids(out, full->l0_sstables);
    put_levels(out, full->levels);
  } else if (const auto* level = std::get_if<LevelCompactionTask>(&task)) {
    put_u8(out, static_cast<std::uint8_t>(TaskType::kLevel));
    put_u8(out, level->upper_level ? 1 : 0);
    put_id(out, level->upper_level.value_or(0));
    put_ids(out, level->upper_level_sst_ids);
    put_id(out, level->lower_level);
    put_ids(out, level->lower_level_sst_ids);
    put_u8(out, level->is_lower_level_bottom_level ? 1 : 0);
  } else {
    const auto& tiered = std::get<TieredCompactionTask>(task);
    put_u8(out, static_cast<std::uint8_t>(TaskType::kTiered));
    put_levels(out, tiered.tiers);
    put_u8(out, tiered.bottom_tier_included ? 1 : 0);
  }
}

// --- Decoding (provided): every count is checked against the bytes left before anything is
// allocated, so a garbled count costs an error, not memory. ---

class RecordReader {
 public:
  RecordReader(std::string_view payload, std::string_view file, std::uint64_t offset)
      : bytes_(payload, file, offset), file_(file), offset_(offset) {}

  // A bad value is reported at its first byte (where a hex dump shows it), not after it.
  std::size_t id() {
    const std::size_t at = bytes_.position();
    const std::uint64_t value = bytes_.u64();
    if (value > kMaxFileId) {
      fail_at(at, "id " + std::to_string(value) + " is over the largest id, " +
                      std::to_string(kMaxFileId));
    }
    return static_cast<std::size_t>(value);
  }

  std::vector<std::size_t> ids() {
    const std::uint32_t count = count_of(sizeof(std::uint64_t));
    std::vector<std::size_t> result;
    result.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
      result.push_back(id());
    }
    return result;
  }

  std::vector<Level> levels() {
    // A level is at least its id and an empty list: 12 bytes.
    const std::uint32_t count = count_of(sizeof(std::uint64_t) + sizeof(std::uint32_t));
    std::vector<Level> result;
    result.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
      Level level;
      level.id = id();
      level.sst_ids = ids();
      result.push_back(std::move(level));
    }
    return result;
  }

  bool flag() {
    const std::size_t at = bytes_.position();
    const std::uint8_t value = bytes_.u8();
    if (value > 1) {
      fail_at(at, "a flag is 0 or 1, not " + std::to_string(value));
    }
    return value == 1;
  }

  std::uint8_t u8() { return bytes_.u8(); }

  CompactionStrategy strategy() {
    const std::size_t at = bytes_.position();
    const std::uint8_t value = bytes_.u8();
    if (value > static_cast<std::uint8_t>(CompactionStrategy::kLeveled)) {
      fail_at(at, "unknown compaction strategy " + std::to_string(value));
    }
    return static_cast<CompactionStrategy>(value);
  }

  CompactionTask task() {
    const std::size_t at = bytes_.position();
    switch (static_cast<TaskType>(bytes_.u8())) {
      case TaskType::kFull: {
        FullCompactionTask full;
        full.l0_sstables = ids();
        full.levels = levels();
        return full;
      }
      case TaskType::kLevel: {
        LevelCompactionTask level;
        const bool has_upper = flag();
        const std::size_t upper_at = bytes_.position();
        const std::size_t upper = id();
        if (has_upper) {
          level.upper_level = upper;
        } else if (upper != 0) {
          // put_task() writes 0 for L0: any other id would be dropped here, and a record that
          // decodes must be one that encode_record() wrote (found by ./x fuzz).
          fail_at(upper_at, "a task from L0 has upper level id 0, not " + std::to_string(upper));
        }
        level.upper_level_sst_ids = ids();
        level.lower_level = id();
        level.lower_level_sst_ids = ids();
        level.is_lower_level_bottom_level = flag();
        return level;
      }
      case TaskType::kTiered: {
        TieredCompactionTask tiered;
        tiered.tiers = levels();
        tiered.bottom_tier_included = flag();
        return tiered;
      }
    }
    fail_at(at, "unknown compaction task type");
  }

  void expect_end() {
    if (bytes_.remaining() != 0) {
      bytes_.fail(std::to_string(bytes_.remaining()) + " bytes left over after the record");
    }
  }

  [[noreturn]] void fail_at(std::size_t position, std::string_view what) const {
    throw Corruption(std::string(file_), offset_ + position, what);
  }

 private:
  // A count of items of at least `item_size` bytes each, refused when they cannot fit.
  std::uint32_t count_of(std::size_t item_size) {
    const std::size_t at = bytes_.position();
    const std::uint32_t count = bytes_.u32();
    if (count > bytes_.remaining() / item_size) {
      fail_at(at, "a count of " + std::to_string(count) + " items does not fit in the " +
                      std::to_string(bytes_.remaining()) + " bytes left");
    }
    return count;
  }

  ByteReader bytes_;
  std::string_view file_;
  std::uint64_t offset_;
};

std::string describe_levels(const std::vector<Level>& levels, bool tiers) {
  std::string text;
  for (const Level& level : levels) {
    text +=
        (tiers ? " tier " : " L") + std::to_string(level.id) + " " + describe_ids(level.sst_ids);
  }
  return text;
}

}  // namespace

std::string encode_record(const ManifestRecord& record) {
  std::string out;
  if (const auto* snapshot = std::get_if<SnapshotRecord>(&record)) {
    put_u8(out, static_cast<std::uint8_t>(RecordType::kSnapshot));
    put_id(out, snapshot->next_id);
    put_u8(out, static_cast<std::uint8_t>(snapshot->strategy));
    put_ids(out, snapshot->l0_sstables);
    put_levels(out, snapshot->levels);
  } else if (const auto* created = std::get_if<NewMemtableRecord>(&record)) {
    // A type of its own rather than a flag: the records of an engine without a WAL keep their
    // week-2-day-5 bytes.
    put_u8(out, static_cast<std::uint8_t>(created->wal ? RecordType::kNewMemtableWithWal
                                                       : RecordType::kNewMemtable));
    put_id(out, created->id);
  } else if (const auto* flush = std::get_if<FlushRecord>(&record)) {
    put_u8(out, static_cast<std::uint8_t>(RecordType::kFlush));
    put_id(out, flush->id);
  } else {
    const auto& compaction = std::get<CompactionRecord>(record);
    put_u8(out, static_cast<std::uint8_t>(RecordType::kCompaction));
    put_task(out, compaction.task);
    put_ids(out, compaction.output);
  }
  return out;
}

ManifestRecord decode_record(std::string_view payload, std::string_view file,
                             std::uint64_t offset) {
  RecordReader reader(payload, file, offset);
  ManifestRecord record;
  const std::uint8_t type = reader.u8();
  switch (static_cast<RecordType>(type)) {
    case RecordType::kSnapshot: {
      SnapshotRecord snapshot;
      snapshot.next_id = reader.id();
      snapshot.strategy = reader.strategy();
      snapshot.l0_sstables = reader.ids();
      snapshot.levels = reader.levels();
      record = std::move(snapshot);
      break;
    }
    case RecordType::kNewMemtable:
      record = NewMemtableRecord{reader.id()};
      break;
    case RecordType::kNewMemtableWithWal:
      record = NewMemtableRecord{reader.id(), /*wal=*/true};
      break;
    case RecordType::kFlush:
      record = FlushRecord{reader.id()};
      break;
    case RecordType::kCompaction: {
      CompactionRecord compaction;
      compaction.task = reader.task();
      compaction.output = reader.ids();
      record = std::move(compaction);
      break;
    }
    default:
      reader.fail_at(0, "unknown record type " + std::to_string(type));
  }
  reader.expect_end();
  return record;
}

std::string describe(const ManifestRecord& record) {
  if (const auto* snapshot = std::get_if<SnapshotRecord>(&record)) {
    return "snapshot next_id=" + std::to_string(snapshot->next_id) + " " +
           compaction_strategy_name(snapshot->strategy) + " L0 " +
           describe_ids(snapshot->l0_sstables) +
           describe_levels(snapshot->levels, snapshot->strategy == CompactionStrategy::kTiered);
  }
  if (const auto* created = std::get_if<NewMemtableRecord>(&record)) {
    return "new_memtable " + std::to_string(created->id) +
           (created->wal ? " wal " + wal_file_name(created->id) : "");
  }
  if (const auto* flush = std::get_if<FlushRecord>(&record)) {
    return "flush " + std::to_string(flush->id);
  }
  const auto& compaction = std::get<CompactionRecord>(record);
  return "compaction " + describe(compaction.task) + " output " + describe_ids(compaction.output);
}

namespace {

// Checks the header and returns the format version.
std::uint32_t check_manifest_header(std::string_view bytes, const std::string& file) {
  // TODO(w2d5): at least kManifestHeaderSize bytes starting with kManifestMagic (else Corruption at
  //   offset 0), then kManifestFormatVersion (else Corruption at offset 4 naming the version
  //   found); return the version
  throw ::mini_lsm::NotImplemented("w2d5", "check_manifest_header");
}

using EachManifestEntry = std::function<void(const ManifestEntry&)>;

// Version 1: length-prefixed records, no checksums.
void read_plain_manifest_records(std::string_view bytes, const std::string& file,
                                 ManifestContents& contents, const EachManifestEntry& each) {
  // TODO(w2d5): after the header (kManifestHeaderSize bytes, checked by read_manifest), read
  //   records (a u32 length, then that many bytes for decode_record()) until the end; a tail that
  //   stops inside the length or the payload, or that is only zero bytes, is torn
  //   (torn_tail_offset: where it begins); a length of 0 or over kMaxManifestRecordSize is
  //   Corruption; call `each` per record and keep it in contents
  throw ::mini_lsm::NotImplemented("w2d5", "read_plain_manifest_records");
}

// Version 2: one checksummed frame per record.
void read_checksummed_manifest_records(std::string_view bytes, const std::string& file,
                                       ManifestContents& contents, const EachManifestEntry& each) {
  // TODO(w2d7): read_frames() from kManifestHeaderSize with salt 0 and lengths 1 to
  //   kMaxManifestRecordSize; decode_record() each payload (it starts kFrameHeaderSize bytes into
  //   the frame) into an entry (the frame's offset, the payload's length, the record, the
  //   checksum), call `each` and keep it; copy the torn tail and its reason into `contents`
  throw ::mini_lsm::NotImplemented("w2d7", "read_checksummed_manifest_records");
}

// The version this engine writes: the records' layout changes with checksums (week 2 day 7).
std::uint32_t written_manifest_format_version() {
  // TODO(w2d5): kManifestFormatVersion
  throw ::mini_lsm::NotImplemented("w2d5", "written_manifest_format_version");
}

}  // namespace

ManifestContents read_manifest(const std::filesystem::path& path, FileSystem& fs,
                               const std::function<void(const ManifestEntry&)>& each) {
  const std::string file = path.string();
  const std::string bytes = [&] {
    const std::unique_ptr<RandomAccessFile> input = fs.open_for_read(path);
    return input->read(0, input->size());
  }();
  ManifestContents contents;
  contents.file_size = bytes.size();
  contents.format_version = check_manifest_header(bytes, file);
  if (contents.format_version == kManifestFormatVersion) {
    read_plain_manifest_records(bytes, file, contents, each);
  } else {
    read_checksummed_manifest_records(bytes, file, contents, each);
  }
  return contents;
}

Manifest::Manifest(std::filesystem::path path, std::unique_ptr<WritableFile> file)
    : path_(std::move(path)), file_(std::move(file)) {}

Manifest Manifest::create(const std::filesystem::path& path, const ManifestRecord& first,
                          FileSystem& fs) {
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  if (fs.exists(temporary)) {
    fs.remove(temporary);  // left by a crash in the middle of an earlier create
  }
  {
    Manifest fresh(temporary, fs.create(temporary));
    std::string header;
    put_u32(header, kManifestMagic);
    put_u32(header, written_manifest_format_version());
    fresh.file_->append(header);
    fresh.add_record(first);
  }
  // Until this rename the old manifest (if any) is the one a crash leaves; after the directory
  // fsync, the new one.
  fs.rename(temporary, path);
  fs.sync_directory(path.parent_path());
  return Manifest(path, fs.open_for_append(path));
}

void Manifest::add_record(const ManifestRecord& record) {
  // TODO(w2d5): rethrow failed_ if an earlier append or sync failed; else append the record's
  //   length (u32) and encode_record() in ONE append, then sync(); if either throws, keep the error
  //   in failed_ and rethrow it
  throw ::mini_lsm::NotImplemented("w2d5", "Manifest::add_record");
}

}  // namespace mini_lsm
