// Checks the order of an engine's file-system operations against the rules that make a crash at
// any point safe (week 2 day 5; the WAL chapter adds its own rules). The input is the operation
// log of a FaultInjectionFs, in its line format ("sync_dir /db"), where the appends to a manifest
// carry the records they wrote: ManifestRecorder captures them, durability_events() joins the
// two. A test may also write such a log by hand, to show what the checker catches.
//
// The rules, for a directory D holding D/MANIFEST, SSTs D/<id>.sst and (week 2 day 6) WALs
// D/<id>.wal:
//   (a) an SST's bytes are synced, and its name made durable (sync_dir D after the create or the
//       rename that gave it its name), before the first manifest append that names it;
//   (b) an SST file is removed only once no synced record of the manifest names it any more (of
//       the manifest now at D/MANIFEST, and of the one before it while the rename that replaced
//       it is not yet durable);
//   (c) after a new manifest is renamed to D/MANIFEST, D is synced before any record is appended
//       to it;
//   (d) a WAL's bytes (its header) are synced, and its name made durable (sync_dir D after its
//       create), before the first manifest append of a NewMemtable record with a WAL naming it;
//   (e) a WAL is removed only once no synced record of the manifest leaves its memtable live (a
//       Flush record of it is synced, or a snapshot without it replaced the manifest durably),
//       with the same rule as (b) for a manifest whose replacing rename is not yet durable.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "harness/fault_injection_fs.hpp"
#include "harness/manifest_files.hpp"
#include "mini_lsm/compaction/task.hpp"
#include "mini_lsm/file_system.hpp"
#include "mini_lsm/manifest.hpp"

namespace mini_lsm::testing {

/// One line of a FaultInjectionFs log; for an append to a manifest, the records it wrote.
struct DurabilityEvent {
  std::string line;
  std::vector<ManifestRecord> records;
};

/// True for the file names of manifests: "MANIFEST" and its temporary "MANIFEST.tmp".
inline bool is_manifest_name(std::string_view name) {
  return name.starts_with("MANIFEST");
}

/// A FileSystem in front of another (a FaultInjectionFs) that keeps the bytes of every append
/// to a manifest that succeeded, in order. Everything else goes straight through.
class ManifestRecorder : public FileSystem {
 public:
  explicit ManifestRecorder(std::shared_ptr<FileSystem> inner) : inner_(std::move(inner)) {}

  /// The bytes of each successful append to a manifest, in the order they happened.
  std::vector<std::string> appends() const {
    const std::lock_guard guard(shared_->mutex);
    return shared_->appends;
  }

  std::unique_ptr<WritableFile> create(const std::filesystem::path& path) override {
    return wrap(path, inner_->create(path));
  }
  std::unique_ptr<WritableFile> open_for_append(const std::filesystem::path& path) override {
    return wrap(path, inner_->open_for_append(path));
  }
  std::unique_ptr<RandomAccessFile> open_for_read(const std::filesystem::path& path) override {
    return inner_->open_for_read(path);
  }
  void rename(const std::filesystem::path& from, const std::filesystem::path& to) override {
    inner_->rename(from, to);
  }
  void remove(const std::filesystem::path& path) override { inner_->remove(path); }
  void truncate(const std::filesystem::path& path, std::uint64_t size) override {
    inner_->truncate(path, size);
  }
  std::vector<std::string> list(const std::filesystem::path& directory) override {
    return inner_->list(directory);
  }
  bool exists(const std::filesystem::path& path) override { return inner_->exists(path); }
  void create_directories(const std::filesystem::path& directory) override {
    inner_->create_directories(directory);
  }
  void sync_directory(const std::filesystem::path& directory) override {
    inner_->sync_directory(directory);
  }
  std::unique_ptr<FileLock> lock(const std::filesystem::path& path) override {
    return inner_->lock(path);
  }

 private:
  struct Shared {
    std::mutex mutex;
    std::vector<std::string> appends;
  };

  class RecordingFile : public WritableFile {
   public:
    RecordingFile(std::unique_ptr<WritableFile> inner, std::shared_ptr<Shared> shared)
        : inner_(std::move(inner)), shared_(std::move(shared)) {}
    void append(std::string_view data) override {
      // Under the lock, so that the order of the bytes is the order of the log's lines.
      const std::lock_guard guard(shared_->mutex);
      inner_->append(data);
      shared_->appends.emplace_back(data);
    }
    void sync() override { inner_->sync(); }

   private:
    std::unique_ptr<WritableFile> inner_;
    std::shared_ptr<Shared> shared_;
  };

  std::unique_ptr<WritableFile> wrap(const std::filesystem::path& path,
                                     std::unique_ptr<WritableFile> file) const {
    if (!is_manifest_name(path.filename().string())) {
      return file;
    }
    return std::make_unique<RecordingFile>(std::move(file), shared_);
  }

  std::shared_ptr<FileSystem> inner_;
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
};

namespace durability_detail {

inline std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream stream(line);
  for (std::string word; stream >> word;) {
    words.push_back(word);
  }
  return words;
}

inline std::uint32_t u32_at(std::string_view bytes, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    value |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  }
  return value;
}

// The records framed in the bytes of one append to the manifest `file`, whose format version
// `versions` knows from its header; an append that starts with a header (a new manifest) sets it.
inline std::vector<ManifestRecord> records_in(std::string_view bytes, const std::string& file,
                                              std::map<std::string, std::uint32_t>& versions) {
  std::vector<ManifestRecord> records;
  std::size_t at = 0;
  if (bytes.size() >= kManifestHeaderSize && u32_at(bytes, 0) == kManifestMagic) {
    versions[file] = u32_at(bytes, 4);
    at = kManifestHeaderSize;
  }
  if (at == bytes.size()) {
    return records;  // only the header
  }
  const auto version = versions.find(file);
  if (version == versions.end()) {
    throw std::logic_error("durability_events: an append to " + file +
                           " before the log showed its header (its format version)");
  }
  const ManifestFormat format{version->second};
  while (at + format.overhead() <= bytes.size()) {
    const std::uint32_t length = u32_at(bytes, at + format.overhead() - 4);
    const std::string_view payload = bytes.substr(at + format.overhead(), length);
    // The frame must be exactly what the harness makes of the payload (in version 2 its checksum).
    if (bytes.substr(at, format.overhead() + length) != format.framed(payload)) {
      throw std::logic_error("durability_events: a badly framed record at byte " +
                             std::to_string(at) + " of an append to " + file);
    }
    records.push_back(decode_record(payload, file, at + format.overhead()));
    at += format.overhead() + length;
  }
  return records;
}

// The id of a path like "/db/12.sst" when it ends in `suffix` (".sst", ".wal"); nothing for any
// other file.
inline std::optional<std::size_t> file_id(const std::string& path, std::string_view suffix) {
  const std::string name = std::filesystem::path(path).filename().string();
  if (!name.ends_with(suffix) || name.size() == suffix.size()) {
    return std::nullopt;
  }
  const std::string digits = name.substr(0, name.size() - suffix.size());
  if (digits.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(std::stoull(digits));
}

inline std::optional<std::size_t> sst_id(const std::string& path) {
  return file_id(path, ".sst");
}

inline std::string parent_of(const std::string& path) {
  return std::filesystem::path(path).parent_path().generic_string();
}

inline std::string sst_path_in(const std::string& directory, std::size_t id) {
  return directory + "/" + std::to_string(id) + ".sst";
}

inline std::string wal_path_in(const std::string& directory, std::size_t id) {
  return directory + "/" + std::to_string(id) + ".wal";
}

// The SSTs a record names as part of the tree it leaves behind.
inline std::vector<std::size_t> named_ssts(const ManifestRecord& record) {
  if (const auto* snapshot = std::get_if<SnapshotRecord>(&record)) {
    std::vector<std::size_t> ids = snapshot->l0_sstables;
    for (const Level& level : snapshot->levels) {
      ids.insert(ids.end(), level.sst_ids.begin(), level.sst_ids.end());
    }
    return ids;
  }
  if (const auto* flush = std::get_if<FlushRecord>(&record)) {
    return {flush->id};
  }
  if (const auto* compaction = std::get_if<CompactionRecord>(&record)) {
    return compaction->output;
  }
  return {};
}

// The SSTs of the tree after `records` (the records of one manifest, in order).
inline std::set<std::size_t> live_after(const std::vector<ManifestRecord>& records) {
  std::set<std::size_t> live;
  for (const ManifestRecord& record : records) {
    if (std::holds_alternative<SnapshotRecord>(record)) {
      live.clear();
    }
    if (const auto* compaction = std::get_if<CompactionRecord>(&record)) {
      for (const auto& run : input_runs(compaction->task)) {
        for (const std::size_t id : run) {
          live.erase(id);
        }
      }
    }
    for (const std::size_t id : named_ssts(record)) {
      live.insert(id);
    }
  }
  return live;
}

// The memtables with a WAL that `records` (the records of one manifest, in order) leave live:
// recorded by NewMemtable with a WAL and not flushed since.
inline std::set<std::size_t> live_wals_after(const std::vector<ManifestRecord>& records) {
  std::set<std::size_t> live;
  for (const ManifestRecord& record : records) {
    if (std::holds_alternative<SnapshotRecord>(record)) {
      live.clear();
    } else if (const auto* created = std::get_if<NewMemtableRecord>(&record);
               created != nullptr && created->wal) {
      live.insert(created->id);
    } else if (const auto* flush = std::get_if<FlushRecord>(&record)) {
      live.erase(flush->id);
    }
  }
  return live;
}

// A file the log created or renamed; files it never saw are taken as durable.
struct FileState {
  bool bytes_synced = true;
  bool name_durable = false;
};

// The records of one manifest file: the synced ones, then those appended since.
struct ManifestState {
  std::vector<ManifestRecord> synced;
  std::vector<ManifestRecord> unsynced;
};

}  // namespace durability_detail

/// Joins a FaultInjectionFs log with the manifest appends a ManifestRecorder in front of it
/// captured: each append line of a manifest that did not fail gets the records of its bytes.
inline std::vector<DurabilityEvent> durability_events(const std::vector<std::string>& log,
                                                      const std::vector<std::string>& appends) {
  std::vector<DurabilityEvent> events;
  std::size_t next_append = 0;
  // The format version of each manifest, from its header; a rename carries it to the new name.
  std::map<std::string, std::uint32_t> versions;
  for (const std::string& line : log) {
    DurabilityEvent event{line, {}};
    const auto words = durability_detail::words_of(line);
    const bool failed = words.empty() || line.find(" (failed: ") != std::string::npos;
    const auto is_manifest = [&](std::size_t word) {
      return words.size() > word &&
             is_manifest_name(std::filesystem::path(words[word]).filename().string());
    };
    if (!failed && words[0] == "append" && is_manifest(1)) {
      if (next_append >= appends.size()) {
        throw std::logic_error("durability_events: more manifest appends in the log than captured");
      }
      event.records = durability_detail::records_in(appends[next_append++], words[1], versions);
    } else if (!failed && words[0] == "rename" && is_manifest(1) && is_manifest(2) &&
               versions.contains(words[1])) {
      versions[words[2]] = versions[words[1]];
    }
    events.push_back(std::move(event));
  }
  return events;
}

/// The violations of rules (a) to (e) (see the top of this file) in `events`, in the
/// order they happen, one readable line each; empty when the log keeps every rule. A "crash"
/// line makes everything that survived it durable.
inline std::vector<std::string> ordering_violations(const std::vector<DurabilityEvent>& events) {
  using namespace durability_detail;
  std::map<std::string, FileState> files;
  std::map<std::string, ManifestState> manifests;
  // Per directory: the manifest a rename replaced while that rename is not yet durable, and
  // the name it came from.
  std::map<std::string, std::set<std::size_t>> replaced_manifest_live;
  std::map<std::string, std::set<std::size_t>> replaced_manifest_wals;
  std::map<std::string, std::string> pending_manifest_rename;
  std::vector<std::string> violations;

  for (const DurabilityEvent& event : events) {
    const auto words = words_of(event.line);
    if (words.empty() || event.line.find(" (failed: ") != std::string::npos) {
      continue;  // a failed operation did nothing the rules care about
    }
    const std::string& op = words[0];
    if (op == "crash") {
      for (auto& [path, state] : files) {
        state = FileState{true, true};
      }
      for (auto& [path, manifest] : manifests) {
        manifest.unsynced.clear();
      }
      replaced_manifest_live.clear();
      replaced_manifest_wals.clear();
      pending_manifest_rename.clear();
      continue;
    }
    if (words.size() < 2) {
      continue;
    }
    const std::string& path = words[1];
    const std::string name = std::filesystem::path(path).filename().string();
    if (op == "create") {
      files[path] = FileState{true, false};
      if (is_manifest_name(name)) {
        manifests[path] = ManifestState{};
      }
    } else if (op == "append") {
      files[path].bytes_synced = false;
      if (!is_manifest_name(name)) {
        continue;
      }
      const std::string directory = parent_of(path);
      if (const auto pending = pending_manifest_rename.find(path);
          pending != pending_manifest_rename.end()) {
        violations.push_back("rule (c): a record is appended to " + path + " after the rename " +
                             pending->second + " -> " + path + " before sync_dir " + directory);
      }
      for (const ManifestRecord& record : event.records) {
        for (const std::size_t id : named_ssts(record)) {
          const std::string sst = sst_path_in(directory, id);
          const auto known = files.find(sst);
          if (known == files.end()) {
            continue;  // a file from before the log: durable
          }
          if (!known->second.bytes_synced) {
            violations.push_back("rule (a): " + path + " names " + sst + " (" + describe(record) +
                                 ") before the SST's bytes are synced");
          }
          if (!known->second.name_durable) {
            violations.push_back("rule (a): " + path + " names " + sst + " (" + describe(record) +
                                 ") before sync_dir " + directory + " made its name durable");
          }
        }
        if (const auto* created = std::get_if<NewMemtableRecord>(&record);
            created != nullptr && created->wal) {
          const std::string wal = wal_path_in(directory, created->id);
          const auto known = files.find(wal);
          if (known != files.end() && !known->second.bytes_synced) {
            violations.push_back("rule (d): " + path + " names " + wal + " (" + describe(record) +
                                 ") before the WAL's bytes are synced");
          }
          if (known != files.end() && !known->second.name_durable) {
            violations.push_back("rule (d): " + path + " names " + wal + " (" + describe(record) +
                                 ") before sync_dir " + directory + " made its name durable");
          }
        }
        manifests[path].unsynced.push_back(record);
      }
    } else if (op == "sync") {
      files[path].bytes_synced = true;
      if (const auto manifest = manifests.find(path); manifest != manifests.end()) {
        auto& [synced, unsynced] = manifest->second;
        synced.insert(synced.end(), unsynced.begin(), unsynced.end());
        unsynced.clear();
      }
    } else if (op == "rename" && words.size() >= 3) {
      const std::string& target = words[2];
      const std::string directory = parent_of(target);
      FileState moved = files.count(path) != 0 ? files[path] : FileState{};
      moved.name_durable = false;
      files.erase(path);
      files[target] = moved;
      if (is_manifest_name(std::filesystem::path(target).filename().string())) {
        if (const auto old = manifests.find(target); old != manifests.end()) {
          replaced_manifest_live[directory] = live_after(old->second.synced);
          replaced_manifest_wals[directory] = live_wals_after(old->second.synced);
        }
        manifests[target] = manifests[path];
        manifests.erase(path);
        pending_manifest_rename[target] = path;
      }
    } else if (op == "sync_dir") {
      for (auto& [file, state] : files) {
        if (parent_of(file) == path) {
          state.name_durable = true;
        }
      }
      replaced_manifest_live.erase(path);
      replaced_manifest_wals.erase(path);
      std::erase_if(pending_manifest_rename,
                    [&](const auto& pending) { return parent_of(pending.first) == path; });
    } else if (op == "remove") {
      files.erase(path);
      manifests.erase(path);
      const std::string directory = parent_of(path);
      const std::string current = directory + "/MANIFEST";
      const auto manifest = manifests.find(current);
      // Whether a synced record of the manifest now, or of the one a rename not yet durable
      // replaced, holds on to `id`; `holds` reads a manifest's synced records.
      const auto held = [&](std::size_t id, const auto& holds,
                            const auto& replaced_by_directory) -> std::optional<std::string> {
        if (manifest != manifests.end() && holds(manifest->second.synced).contains(id)) {
          return current;
        }
        const auto replaced = replaced_by_directory.find(directory);
        if (replaced != replaced_by_directory.end() && replaced->second.contains(id)) {
          return "the " + current + " that a rename not yet durable replaced";
        }
        return std::nullopt;
      };
      if (const std::optional<std::size_t> id = sst_id(path)) {
        if (const auto by = held(*id, live_after, replaced_manifest_live)) {
          violations.push_back("rule (b): " + path + " is removed while a synced record of " + *by +
                               " still names it");
        }
      } else if (const std::optional<std::size_t> wal = file_id(path, ".wal")) {
        if (const auto by = held(*wal, live_wals_after, replaced_manifest_wals)) {
          violations.push_back("rule (e): " + path + " is removed while a synced record of " + *by +
                               " still leaves memtable " + std::to_string(*wal) + " live");
        }
      }
    }
  }
  return violations;
}

}  // namespace mini_lsm::testing
