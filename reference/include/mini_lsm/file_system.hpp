// The file-system seam (provided): every file operation of the engine goes through FileSystem,
// so that tests can swap in one that records what is durable and simulates a power cut, as
// LevelDB's Env and RocksDB's FileSystem do.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mini_lsm {

/// A file open for appending. Bytes appended are durable only after sync() returns.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  /// Appends `data` at the end of the file. Throws IoError; part of `data` may then be written.
  virtual void append(std::string_view data) = 0;
  /// Makes every byte appended so far durable (fsync). Throws IoError.
  virtual void sync() = 0;
};

/// A file open for positioned reads.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  /// Reads up to `length` bytes at `offset`; fewer only where the file ends. Throws IoError.
  virtual std::string read(std::uint64_t offset, std::uint64_t length) const = 0;
  /// The size of the file in bytes. Throws IoError.
  virtual std::uint64_t size() const = 0;
};

/// A held lock on a file; destroying it releases the lock.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

/// Every file operation the engine performs. Each throws IoError (naming the path and the
/// errno) when the operation fails. Paths are used as given.
class FileSystem {
 public:
  virtual ~FileSystem() = default;

  /// Creates an empty file at `path` for appending; fails if the file exists.
  virtual std::unique_ptr<WritableFile> create(const std::filesystem::path& path) = 0;
  /// Opens an existing file at `path` for appending at its end.
  virtual std::unique_ptr<WritableFile> open_for_append(const std::filesystem::path& path) = 0;
  /// Opens an existing file for reading.
  virtual std::unique_ptr<RandomAccessFile> open_for_read(const std::filesystem::path& path) = 0;
  /// Renames `from` to `to`, replacing `to` if it exists. Durable once the directory is synced.
  virtual void rename(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
  /// Removes the file at `path`. Durable once the directory is synced.
  virtual void remove(const std::filesystem::path& path) = 0;
  /// Cuts the file at `path` down to `size` bytes. Durable once the file is synced.
  virtual void truncate(const std::filesystem::path& path, std::uint64_t size) = 0;
  /// The names (not paths) of the regular files in `directory`, in no particular order.
  virtual std::vector<std::string> list(const std::filesystem::path& directory) = 0;
  /// True when a file or directory exists at `path`.
  virtual bool exists(const std::filesystem::path& path) = 0;
  /// Creates `directory` and its missing parents; an existing directory is fine.
  virtual void create_directories(const std::filesystem::path& directory) = 0;
  /// Makes the creations, renames and removals of files in `directory` durable (fsync of the
  /// directory itself).
  virtual void sync_directory(const std::filesystem::path& directory) = 0;
  /// Takes an exclusive lock on the file at `path` (created if needed), held until the returned
  /// object is destroyed. Throws IoError naming `path` if another holder has it, whether in this
  /// process or another.
  virtual std::unique_ptr<FileLock> lock(const std::filesystem::path& path) = 0;
};

/// The real file system (POSIX calls). Shared by every engine that is not given another one.
std::shared_ptr<FileSystem> posix_file_system();

}  // namespace mini_lsm
