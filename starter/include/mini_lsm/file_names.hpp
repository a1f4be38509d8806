// The names of the files in a database directory, built and parsed in one place (as LevelDB's
// filename.cc), so that no other code guesses at them (provided).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mini_lsm {

/// The file an engine holds locked (flock) for as long as it has the directory open.
inline constexpr std::string_view kLockFileName = "LOCK";
/// The manifest (week 2 day 5): the log of the tree's structure.
inline constexpr std::string_view kManifestFileName = "MANIFEST";
/// The largest id a file may have. Ids count up from 0 and a directory with a larger one is
/// refused, so that the next id never wraps around to 0.
inline constexpr std::uint64_t kMaxFileId = std::uint64_t{1} << 62;

/// What a file name in a database directory is.
enum class FileKind {
  kSst,        // "<id>.sst" with a canonical id
  kWal,        // "<id>.wal" with a canonical id: a memtable's write-ahead log (week 2 day 6)
  kBadSst,     // digits then ".sst", but not a name the engine writes ("007.sst", an id too big)
  kTemporary,  // "<id>.sst.tmp" (a canonical SST name) or "MANIFEST.tmp": a create that a crash
               // interrupted
  kLock,       // "LOCK"
  kManifest,   // "MANIFEST"
  kOther,      // anything else: left alone
};

struct ParsedFileName {
  FileKind kind = FileKind::kOther;
  /// The id of an SST or a WAL (kinds kSst and kWal); 0 otherwise.
  std::uint64_t id = 0;
};

/// "12.sst" for id 12.
std::string sst_file_name(std::uint64_t id);

/// "12.wal" for id 12 (week 2 day 6).
std::string wal_file_name(std::uint64_t id);

/// Classifies `name`. An id is canonical when it is decimal digits only, without a leading 0
/// (but "0" itself), and at most kMaxFileId.
ParsedFileName parse_file_name(std::string_view name);

}  // namespace mini_lsm
