// An in-memory FileSystem for durability tests: it logs every operation, knows which bytes and
// which directory entries are durable, simulates a power cut with crash(), and fails chosen
// operations. The idea is LevelDB's FaultInjectionTestEnv and RocksDB's FaultInjectionTestFS;
// nothing of it touches the disk.
//
// The model:
// - A file is an inode: its bytes now, and its durable bytes (what the last sync() made
//   durable). A directory entry names an inode, so a rename moves the file with its data, and a
//   file that was synced keeps its synced bytes under whatever name it ends up with.
// - A directory has its entries now, and its durable entries: those sync_directory() of that
//   directory made durable. Creating, renaming or removing a file changes only the entries now.
// - A directory is durable as soon as create_directories() returns (a simplification: the engine
//   creates its directory once and never removes it; a real file system would also need the
//   parent directory synced).
// - crash(mode) is the power cut: every directory's entries go back to its durable entries (so
//   an unsynced create, rename or remove is undone, and a removed file whose removal was not
//   synced comes back), and every file's bytes go back to its durable bytes, with what happens
//   to the unsynced bytes chosen by the mode (bytes past the durable ones, appended since the
//   last sync; a truncate that was not synced is undone whole). Locks are released, and a dead
//   machine (see crash_after()) comes back up.
//
// Rules for tests: drop the engine (and every file handle, snapshot or table it gave out) before
// calling crash(). A handle used after a crash throws std::logic_error, since no real program
// survives a power cut. The object is thread-safe: one mutex guards it, so an engine's
// background threads may use it too.
//
// A test may also watch every sync of a file with set_sync_hook(): the hook runs just before the
// bytes are made durable and just after, without the mutex held, so that it may block (hold a
// commit leader inside its fsync while other writers queue up) and call the file system.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mini_lsm/error.hpp"
#include "mini_lsm/file_system.hpp"

namespace mini_lsm::testing {

/// The kinds of operation the log records and faults can target. kRead and kSize are calls on a
/// RandomAccessFile, kAppend and kSync calls on a WritableFile; the others are FileSystem calls.
enum class FsOp {
  kCreate,
  kOpenForAppend,
  kOpenForRead,
  kAppend,
  kSync,
  kRead,
  kSize,
  kRename,
  kRemove,
  kTruncate,
  kList,
  kExists,
  kCreateDirectories,
  kSyncDirectory,
  kLock,
};

/// The word that starts an operation's line in the log ("create", "sync_dir", ...).
inline std::string_view fs_op_name(FsOp op) {
  switch (op) {
    case FsOp::kCreate:
      return "create";
    case FsOp::kOpenForAppend:
      return "open_for_append";
    case FsOp::kOpenForRead:
      return "open_for_read";
    case FsOp::kAppend:
      return "append";
    case FsOp::kSync:
      return "sync";
    case FsOp::kRead:
      return "read";
    case FsOp::kSize:
      return "size";
    case FsOp::kRename:
      return "rename";
    case FsOp::kRemove:
      return "remove";
    case FsOp::kTruncate:
      return "truncate";
    case FsOp::kList:
      return "list";
    case FsOp::kExists:
      return "exists";
    case FsOp::kCreateDirectories:
      return "create_directories";
    case FsOp::kSyncDirectory:
      return "sync_dir";
    case FsOp::kLock:
      return "lock";
  }
  return "unknown";
}

/// True for the operations that change what is stored (or would, on a real disk): those a dead
/// machine refuses. Opening, reading, listing and asking for existence still work.
inline bool fs_op_mutates(FsOp op) {
  switch (op) {
    case FsOp::kCreate:
    case FsOp::kAppend:
    case FsOp::kSync:
    case FsOp::kRename:
    case FsOp::kRemove:
    case FsOp::kTruncate:
    case FsOp::kCreateDirectories:
    case FsOp::kSyncDirectory:
    case FsOp::kLock:
      return true;
    default:
      return false;
  }
}

/// What a power cut does to the bytes appended to a file since its last sync.
enum class CrashMode {
  kDropUnsynced,      // they are lost: the file is cut back to its synced length
  kKeepRandomPrefix,  // a prefix of them survives, its length drawn from the seed
  kZeroFillUnsynced,  // the length survives but the bytes read as zeros (metadata won the race)
};

inline std::string_view crash_mode_name(CrashMode mode) {
  switch (mode) {
    case CrashMode::kDropUnsynced:
      return "drop unsynced";
    case CrashMode::kKeepRandomPrefix:
      return "keep a random prefix";
    case CrashMode::kZeroFillUnsynced:
      return "zero-fill unsynced";
  }
  return "unknown";
}

/// When a sync hook runs (see FaultInjectionFs::set_sync_hook()).
enum class SyncStage {
  kBefore,  // the sync has begun: the bytes the file holds now are the ones it makes durable
  kAfter,   // those bytes are durable
};

/// What a sync hook learns about one sync of a file.
struct SyncEvent {
  SyncStage stage = SyncStage::kBefore;
  /// The file, as the log names it ("/db/3.wal").
  std::string path;
  /// The file's durable size once this sync is done: at kBefore the size the file had when the
  /// sync began, at kAfter the durable size it has now.
  std::uint64_t durable_size = 0;
};

using SyncHook = std::function<void(const SyncEvent&)>;

/// One entry of the operation log.
struct FsOperation {
  /// Empty for the line of a crash().
  std::optional<FsOp> op;
  /// The readable line: "append /db/3.sst.tmp 4096", with " (failed: ...)" when it threw.
  std::string line;
};

class FaultInjectionFs : public FileSystem {
 public:
  FaultInjectionFs() = default;
  FaultInjectionFs(const FaultInjectionFs&) = delete;
  FaultInjectionFs& operator=(const FaultInjectionFs&) = delete;

  // ---- FileSystem ------------------------------------------------------------------------------

  std::unique_ptr<WritableFile> create(const std::filesystem::path& path) override {
    const Key key = split(path);
    auto guard = state_->lock();
    state_->begin(FsOp::kCreate, "create " + key.full, key.full);
    Directory& directory = state_->directory_for(key, "cannot create");
    if (directory.now.count(key.name) != 0) {
      state_->fail(key.full, EEXIST, "cannot create");
    }
    auto inode = state_->new_inode();
    directory.now[key.name] = inode;
    state_->end();
    return std::make_unique<Writer>(state_, key.full, std::move(inode));
  }

  std::unique_ptr<WritableFile> open_for_append(const std::filesystem::path& path) override {
    const Key key = split(path);
    auto guard = state_->lock();
    state_->begin(FsOp::kOpenForAppend, "open_for_append " + key.full, key.full);
    std::shared_ptr<Inode> inode = state_->existing(key, "cannot open");
    state_->end();
    return std::make_unique<Writer>(state_, key.full, std::move(inode));
  }

  std::unique_ptr<RandomAccessFile> open_for_read(const std::filesystem::path& path) override {
    const Key key = split(path);
    auto guard = state_->lock();
    state_->begin(FsOp::kOpenForRead, "open_for_read " + key.full, key.full);
    std::shared_ptr<Inode> inode = state_->existing(key, "cannot open");
    state_->end();
    return std::make_unique<Reader>(state_, key.full, std::move(inode));
  }

  void rename(const std::filesystem::path& from, const std::filesystem::path& to) override {
    const Key source = split(from);
    const Key target = split(to);
    auto guard = state_->lock();
    state_->begin(FsOp::kRename, "rename " + source.full + " " + target.full, source.full);
    std::shared_ptr<Inode> inode = state_->existing(source, "cannot rename");
    Directory& target_directory = state_->directory_for(target, "cannot rename to");
    state_->directories.at(source.directory).now.erase(source.name);
    target_directory.now[target.name] = std::move(inode);
    state_->end();
  }

  void remove(const std::filesystem::path& path) override {
    const Key key = split(path);
    auto guard = state_->lock();
    state_->begin(FsOp::kRemove, "remove " + key.full, key.full);
    state_->existing(key, "cannot remove");
    state_->directories.at(key.directory).now.erase(key.name);
    state_->end();
  }

  void truncate(const std::filesystem::path& path, std::uint64_t size) override {
    const Key key = split(path);
    auto guard = state_->lock();
    state_->begin(FsOp::kTruncate, "truncate " + key.full + " " + std::to_string(size), key.full);
    const std::shared_ptr<Inode> inode = state_->existing(key, "cannot truncate");
    inode->now.resize(static_cast<std::size_t>(size), '\0');
    state_->end();
  }

  std::vector<std::string> list(const std::filesystem::path& directory) override {
    const std::string name = directory_name(directory);
    auto guard = state_->lock();
    state_->begin(FsOp::kList, "list " + name, name);
    const auto found = state_->directories.find(name);
    if (found == state_->directories.end()) {
      state_->fail(name, ENOENT, "cannot list");
    }
    std::vector<std::string> names;
    for (const auto& entry : found->second.now) {
      names.push_back(entry.first);
    }
    state_->end();
    return names;
  }

  bool exists(const std::filesystem::path& path) override {
    const Key key = split(path);
    auto guard = state_->lock();
    state_->begin(FsOp::kExists, "exists " + key.full, key.full);
    const bool found = state_->directories.count(directory_name(path)) != 0 ||
                       (state_->directories.count(key.directory) != 0 &&
                        state_->directories.at(key.directory).now.count(key.name) != 0);
    state_->end();
    return found;
  }

  void create_directories(const std::filesystem::path& directory) override {
    const std::string name = directory_name(directory);
    auto guard = state_->lock();
    state_->begin(FsOp::kCreateDirectories, "create_directories " + name, name);
    for (std::filesystem::path at(name); !at.empty(); at = at.parent_path()) {
      state_->directories.try_emplace(at.generic_string());
      if (at == at.parent_path()) {
        break;  // the root
      }
    }
    state_->end();
  }

  void sync_directory(const std::filesystem::path& directory) override {
    const std::string name = directory_name(directory);
    auto guard = state_->lock();
    state_->begin(FsOp::kSyncDirectory, "sync_dir " + name, name);
    const auto found = state_->directories.find(name);
    if (found == state_->directories.end()) {
      state_->fail(name, ENOENT, "cannot sync the directory");
    }
    found->second.durable = found->second.now;
    state_->end();
  }

  std::unique_ptr<FileLock> lock(const std::filesystem::path& path) override {
    const Key key = split(path);
    auto guard = state_->lock();
    state_->begin(FsOp::kLock, "lock " + key.full, key.full);
    Directory& directory = state_->directory_for(key, "cannot create the lock file");
    if (state_->locks.count(key.full) != 0) {
      state_->fail(key.full, EWOULDBLOCK, "cannot lock (another engine holds it)");
    }
    directory.now.try_emplace(key.name, state_->new_inode());
    const std::uint64_t token = ++state_->next_lock_token;
    state_->locks[key.full] = token;
    state_->end();
    return std::make_unique<Lock>(state_, key.full, token);
  }

  // ---- Faults ----------------------------------------------------------------------------------

  /// The `nth` (1-based, counted from this call) future operation of kind `op` throws
  /// IoError(`error_number`) without doing anything; the ones before and after it succeed.
  /// Several faults may be armed at once.
  void fail(FsOp op, std::size_t nth, int error_number = EIO) {
    check_nth(nth);
    auto guard = state_->lock();
    state_->faults.push_back(Fault{op, nth, error_number, std::nullopt});
  }

  /// The `nth` future append writes only its first `bytes_written` bytes, then throws
  /// IoError(ENOSPC): a torn append on a full disk.
  void fail_append_torn(std::size_t nth, std::size_t bytes_written) {
    check_nth(nth);
    auto guard = state_->lock();
    state_->faults.push_back(Fault{FsOp::kAppend, nth, ENOSPC, bytes_written});
  }

  /// The crash point: once `n` more operations of any kind have run (n >= 1), the machine is
  /// dead: every later mutating operation (fs_op_mutates) throws IoError(EIO) and changes
  /// nothing, until crash(). Reads still answer, as a page cache would. The operations counted
  /// are the lines of the log, so the crash point k keeps exactly the first k lines logged
  /// from here on.
  void crash_after(std::size_t n) {
    check_nth(n);
    auto guard = state_->lock();
    state_->operations_until_dead = n;
  }

  /// From now on, every sync() of a file (a WritableFile's, whatever its kind) calls `hook` twice:
  /// at SyncStage::kBefore, once the sync is logged and no fault stopped it, and at
  /// SyncStage::kAfter, once its bytes are durable. Null removes the hook. The rules:
  /// - The hook runs on the syncing thread WITHOUT the file system's mutex, so it may block and
  ///   may call the file system (contents(), durable_contents(), even operations) without a
  ///   deadlock. Meanwhile other threads' operations go on, appends to the same file included.
  /// - A sync makes durable the bytes the file held when it began (at kBefore), not those
  ///   appended while its hook ran: an fsync does not promise bytes written after it started.
  /// - A sync that fails (a fault, a dead machine) calls no hook; nor does crash().
  /// - The sync counts towards a crash point (crash_after()) once its bytes are durable, so with
  ///   other threads running, their operations may come between its log line and that moment.
  /// Without a hook, a sync happens under the mutex in one step, as before.
  void set_sync_hook(SyncHook hook) {
    auto guard = state_->lock();
    state_->sync_hook = hook ? std::make_shared<const SyncHook>(std::move(hook)) : nullptr;
  }

  /// True once a crash point was reached (and crash() not yet called).
  bool dead() const {
    auto guard = state_->lock();
    return state_->dead;
  }

  /// The power cut: see the top of this file. `seed` draws the prefixes of kKeepRandomPrefix
  /// (files in the order they were created; the same seed on the same history keeps the same
  /// bytes). Disarms every fault and the crash point, releases every lock, and makes every
  /// handle given out before it unusable. Logged as "crash <mode>".
  void crash(CrashMode mode, std::uint64_t seed = 0) {
    auto guard = state_->lock();
    std::mt19937_64 random(seed);
    std::map<std::uint64_t, std::shared_ptr<Inode>> inodes;  // by id: a deterministic order
    for (auto& [name, directory] : state_->directories) {
      directory.now = directory.durable;
      for (const auto& entry : directory.now) {
        inodes.emplace(entry.second->id, entry.second);
      }
    }
    for (const auto& entry : inodes) {
      Inode& inode = *entry.second;
      const bool grew = inode.now.size() > inode.durable.size() &&
                        inode.now.compare(0, inode.durable.size(), inode.durable) == 0;
      const std::size_t unsynced = grew ? inode.now.size() - inode.durable.size() : 0;
      std::string kept = inode.durable;
      if (mode == CrashMode::kKeepRandomPrefix) {
        // Drawn even for a file with nothing unsynced, so that what one file keeps does not
        // depend on whether an earlier one had unsynced bytes.
        const std::size_t length = static_cast<std::size_t>(random() % (unsynced + 1));
        kept.append(inode.now, inode.durable.size(), length);
      } else if (mode == CrashMode::kZeroFillUnsynced) {
        kept.append(unsynced, '\0');
      }
      inode.now = kept;
      inode.durable = std::move(kept);
    }
    state_->locks.clear();
    state_->faults.clear();
    state_->operations_until_dead.reset();
    state_->dead = false;
    ++state_->generation;
    state_->log.push_back(FsOperation{std::nullopt, "crash " + std::string(crash_mode_name(mode))});
  }

  // ---- The operation log -----------------------------------------------------------------------

  /// Every operation since construction (or clear_log()), in order, one line each. A crash()
  /// appears as the line "crash <mode>".
  std::vector<std::string> log() const {
    auto guard = state_->lock();
    std::vector<std::string> lines;
    lines.reserve(state_->log.size());
    for (const FsOperation& operation : state_->log) {
      lines.push_back(operation.line);
    }
    return lines;
  }

  /// The number of lines in the log.
  std::size_t log_size() const {
    auto guard = state_->lock();
    return state_->log.size();
  }

  /// How many operations of kind `op` the log holds (crash lines excluded).
  std::size_t count(FsOp op) const {
    auto guard = state_->lock();
    return static_cast<std::size_t>(
        std::count_if(state_->log.begin(), state_->log.end(),
                      [op](const FsOperation& operation) { return operation.op == op; }));
  }

  void clear_log() {
    auto guard = state_->lock();
    state_->log.clear();
  }

  // ---- Inspection and planting (not logged, no faults) -----------------------------------------

  /// The bytes of the file at `path` now. Throws IoError(ENOENT) if there is none.
  std::string contents(const std::filesystem::path& path) const {
    auto guard = state_->lock();
    return inspect(path)->now;
  }

  /// The durable bytes (as of its last sync) of the file at `path` now.
  std::string durable_contents(const std::filesystem::path& path) const {
    auto guard = state_->lock();
    return inspect(path)->durable;
  }

  /// The names of the files in `directory` now, sorted; empty for an unknown directory.
  std::vector<std::string> files(const std::filesystem::path& directory) const {
    return names(directory, false);
  }

  /// The names of the durable entries of `directory` (what a crash would leave), sorted.
  std::vector<std::string> durable_files(const std::filesystem::path& directory) const {
    return names(directory, true);
  }

  /// Creates or replaces the file at `path` with `bytes`, durable bytes and durable entry both
  /// (a file that was there before the test began). The directory is created if needed.
  void write_file(const std::filesystem::path& path, std::string_view bytes) {
    const Key key = split(path);
    auto guard = state_->lock();
    Directory& directory = state_->directories[key.directory];
    auto inode = state_->new_inode();
    inode->now = std::string(bytes);
    inode->durable = inode->now;
    directory.now[key.name] = inode;
    directory.durable[key.name] = std::move(inode);
  }

  /// XORs the byte at `offset` of the file at `path` with `mask`, in its bytes now and its
  /// durable bytes alike (damage on the medium). Throws std::out_of_range past the end.
  void flip_byte(const std::filesystem::path& path, std::size_t offset, unsigned char mask = 0xff) {
    auto guard = state_->lock();
    const std::shared_ptr<Inode> inode = inspect(path);
    inode->now.at(offset) =
        static_cast<char>(static_cast<unsigned char>(inode->now.at(offset)) ^ mask);
    if (offset < inode->durable.size()) {
      inode->durable[offset] = inode->now[offset];
    }
  }

 private:
  struct Inode {
    explicit Inode(std::uint64_t number) : id(number) {}
    std::uint64_t id;  // in creation order
    std::string now;
    std::string durable;
  };

  struct Directory {
    std::map<std::string, std::shared_ptr<Inode>> now;
    std::map<std::string, std::shared_ptr<Inode>> durable;
  };

  struct Fault {
    FsOp op;
    std::size_t remaining;  // operations of kind `op` until it fires (1 = the next one)
    int error_number;
    std::optional<std::size_t> torn_bytes;  // an append that writes this much, then fails
  };

  // A path split into its directory and its name, both as generic strings.
  struct Key {
    std::string full;
    std::string directory;
    std::string name;
  };

  static std::string directory_name(const std::filesystem::path& path) {
    std::filesystem::path normal = path.lexically_normal();
    if (!normal.has_filename() && normal.has_parent_path() && normal != normal.root_path()) {
      normal = normal.parent_path();  // "/db/" -> "/db"
    }
    return normal.generic_string();
  }

  static Key split(const std::filesystem::path& path) {
    const std::filesystem::path normal(directory_name(path));
    return Key{normal.generic_string(), normal.parent_path().generic_string(),
               normal.filename().generic_string()};
  }

  static void check_nth(std::size_t nth) {
    if (nth == 0) {
      throw std::invalid_argument("FaultInjectionFs: operations are counted from 1");
    }
  }

  // Everything, shared with the handles so that they stay valid whatever outlives what.
  struct State {
    mutable std::mutex mutex;
    std::map<std::string, Directory> directories;
    std::map<std::string, std::uint64_t> locks;  // path -> token of the holder
    std::uint64_t next_lock_token = 0;
    std::vector<FsOperation> log;
    std::vector<Fault> faults;
    std::optional<std::size_t> operations_until_dead;
    bool dead = false;
    std::uint64_t generation = 0;
    std::uint64_t last_inode_id = 0;
    // The operation in progress: begin() logs it, end() counts it towards the crash point.
    std::size_t current = 0;
    // Called around every sync of a file, without the mutex (see set_sync_hook()).
    std::shared_ptr<const SyncHook> sync_hook;

    std::unique_lock<std::mutex> lock() const { return std::unique_lock(mutex); }

    std::shared_ptr<Inode> new_inode() { return std::make_shared<Inode>(++last_inode_id); }

    // The file at `key` now, or null. Neither logs nor fails: for the inspection helpers too.
    std::shared_ptr<Inode> find(const Key& key) const {
      const auto found = directories.find(key.directory);
      if (found == directories.end()) {
        return nullptr;
      }
      const auto entry = found->second.now.find(key.name);
      return entry == found->second.now.end() ? nullptr : entry->second;
    }

    // Logs `line`, then throws if the machine is dead or a fault fires. A torn-append fault
    // returns the number of bytes to write before failing instead (the caller throws).
    std::optional<std::size_t> begin(FsOp op, std::string line, const std::string& path) {
      log.push_back(FsOperation{op, std::move(line)});
      current = log.size() - 1;
      if (dead && fs_op_mutates(op)) {
        fail(path, EIO,
             "the machine is down (crash point reached), cannot " + std::string(fs_op_name(op)));
      }
      std::optional<Fault> fired;
      for (Fault& fault : faults) {
        if (fault.op == op && --fault.remaining == 0 && !fired) {
          fired = fault;  // of two faults armed for the same operation, the first one wins
        }
      }
      std::erase_if(faults, [](const Fault& fault) { return fault.remaining == 0; });
      if (fired && fired->torn_bytes) {
        log[current].line += " (failed: torn after " + std::to_string(*fired->torn_bytes) +
                             " bytes: " + std::strerror(ENOSPC) + ")";
        return fired->torn_bytes;
      }
      if (fired) {
        fail(path, fired->error_number, "injected fault: cannot " + std::string(fs_op_name(op)));
      }
      return std::nullopt;
    }

    // Counts the operation begun last towards the crash point (a failed one counts too).
    void end() {
      if (operations_until_dead && --*operations_until_dead == 0) {
        operations_until_dead.reset();
        dead = true;
      }
    }

    [[noreturn]] void fail(const std::string& path, int error_number, const std::string& action) {
      if (current < log.size() && log[current].line.find(" (failed: ") == std::string::npos) {
        log[current].line += std::string(" (failed: ") + std::strerror(error_number) + ")";
      }
      end();
      throw IoError(path, error_number, action);
    }

    Directory& directory_for(const Key& key, const std::string& action) {
      const auto found = directories.find(key.directory);
      if (found == directories.end()) {
        fail(key.full, ENOENT, action);
      }
      return found->second;
    }

    std::shared_ptr<Inode> existing(const Key& key, const std::string& action) {
      std::shared_ptr<Inode> inode = find(key);
      if (!inode) {
        fail(key.full, ENOENT, action);
      }
      return inode;
    }

    void check_generation(std::uint64_t handle_generation) const {
      if (handle_generation != generation) {
        throw std::logic_error(
            "FaultInjectionFs: a file handle was used after crash(); drop the engine first");
      }
    }
  };

  class Writer : public WritableFile {
   public:
    Writer(std::shared_ptr<State> state, std::string path, std::shared_ptr<Inode> inode)
        : state_(std::move(state)),
          path_(std::move(path)),
          inode_(std::move(inode)),
          generation_(state_->generation) {}

    void append(std::string_view data) override {
      auto guard = state_->lock();
      state_->check_generation(generation_);
      const std::optional<std::size_t> torn = state_->begin(
          FsOp::kAppend, "append " + path_ + " " + std::to_string(data.size()), path_);
      if (torn) {
        inode_->now.append(data.substr(0, std::min(*torn, data.size())));
        state_->fail(path_, ENOSPC, "injected fault: cannot append");
      }
      inode_->now.append(data);
      state_->end();
    }

    void sync() override {
      auto guard = state_->lock();
      state_->check_generation(generation_);
      state_->begin(FsOp::kSync, "sync " + path_, path_);
      const std::shared_ptr<const SyncHook> hook = state_->sync_hook;
      if (!hook) {
        inode_->durable = inode_->now;
        state_->end();
        return;
      }
      // The bytes this sync promises are those written before it began.
      const std::size_t size = inode_->now.size();
      guard.unlock();
      (*hook)(SyncEvent{SyncStage::kBefore, path_, size});
      guard.lock();
      state_->check_generation(generation_);
      const std::size_t kept = std::min(size, inode_->now.size());
      if (inode_->durable.size() <= kept) {  // unless a later sync made more durable meanwhile
        inode_->durable = inode_->now.substr(0, kept);
      }
      const std::uint64_t durable_size = inode_->durable.size();
      state_->end();
      guard.unlock();
      (*hook)(SyncEvent{SyncStage::kAfter, path_, durable_size});
    }

   private:
    std::shared_ptr<State> state_;
    std::string path_;
    std::shared_ptr<Inode> inode_;
    std::uint64_t generation_;
  };

  class Reader : public RandomAccessFile {
   public:
    Reader(std::shared_ptr<State> state, std::string path, std::shared_ptr<Inode> inode)
        : state_(std::move(state)),
          path_(std::move(path)),
          inode_(std::move(inode)),
          generation_(state_->generation) {}

    std::string read(std::uint64_t offset, std::uint64_t length) const override {
      auto guard = state_->lock();
      state_->check_generation(generation_);
      state_->begin(FsOp::kRead,
                    "read " + path_ + " " + std::to_string(offset) + " " + std::to_string(length),
                    path_);
      std::string bytes;
      if (offset < inode_->now.size()) {
        bytes = inode_->now.substr(
            static_cast<std::size_t>(offset),
            static_cast<std::size_t>(std::min<std::uint64_t>(length, inode_->now.size() - offset)));
      }
      state_->end();
      return bytes;
    }

    std::uint64_t size() const override {
      auto guard = state_->lock();
      state_->check_generation(generation_);
      state_->begin(FsOp::kSize, "size " + path_, path_);
      const std::uint64_t size = inode_->now.size();
      state_->end();
      return size;
    }

   private:
    std::shared_ptr<State> state_;
    std::string path_;
    std::shared_ptr<Inode> inode_;
    std::uint64_t generation_;
  };

  class Lock : public FileLock {
   public:
    Lock(std::shared_ptr<State> state, std::string path, std::uint64_t token)
        : state_(std::move(state)), path_(std::move(path)), token_(token) {}
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;
    ~Lock() override {
      auto guard = state_->lock();
      const auto held = state_->locks.find(path_);
      if (held != state_->locks.end() && held->second == token_) {
        state_->locks.erase(held);  // a crash may have released it (and another taken it) since
      }
    }

   private:
    std::shared_ptr<State> state_;
    std::string path_;
    std::uint64_t token_;
  };

  // The file at `path` for the inspection helpers (the caller holds the lock).
  std::shared_ptr<Inode> inspect(const std::filesystem::path& path) const {
    const Key key = split(path);
    std::shared_ptr<Inode> inode = state_->find(key);
    if (!inode) {
      throw IoError(key.full, ENOENT, "FaultInjectionFs has no file");
    }
    return inode;
  }

  std::vector<std::string> names(const std::filesystem::path& directory, bool durable) const {
    auto guard = state_->lock();
    std::vector<std::string> result;
    const auto found = state_->directories.find(directory_name(directory));
    if (found != state_->directories.end()) {
      for (const auto& entry : durable ? found->second.durable : found->second.now) {
        result.push_back(entry.first);
      }
    }
    return result;  // a std::map iterates in sorted order
  }

  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace mini_lsm::testing
