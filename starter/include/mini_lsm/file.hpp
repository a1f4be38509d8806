// Files of the database: durable whole-file writes and positioned reads (provided).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "mini_lsm/file_system.hpp"

namespace mini_lsm {

/// Owns a file descriptor and closes it when destroyed; movable, not copyable.
class Descriptor {
 public:
  explicit Descriptor(int descriptor = -1) : descriptor_(descriptor) {}
  Descriptor(Descriptor&& other) noexcept : descriptor_(other.release()) {}
  Descriptor& operator=(Descriptor&& other) noexcept;
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor();

  int get() const { return descriptor_; }
  /// Gives up ownership: the caller closes the descriptor.
  int release();

 private:
  // Closes the descriptor owned now, if any, and owns `descriptor` instead.
  void reset(int descriptor);

  int descriptor_;
};

/// An open, read-only file of the database, read through a FileSystem.
class FileObject {
 public:
  /// Writes `data` as a new file at `path` atomically: it goes to `<path>.tmp`, is fsynced, and
  /// is renamed to `path`, so a crash leaves either no file or the whole file (never a
  /// half-written one) under `path`. Fails with IoError if `path` exists when it starts (the
  /// rename itself would replace a file created meanwhile: the engine's directory lock is what
  /// keeps others out). The caller fsyncs the directory to make the new name itself durable.
  /// Returns the file opened for reading.
  static FileObject create(const std::filesystem::path& path, std::string_view data,
                           FileSystem& fs = *posix_file_system());
  /// Opens an existing file.
  static FileObject open(const std::filesystem::path& path, FileSystem& fs = *posix_file_system());

  /// A stand-in for a file of `size` bytes that has no data: read() throws InvalidArgument. The
  /// compaction simulator and controller tests build SSTs from metadata alone with it.
  static FileObject without_data(const std::filesystem::path& path, std::uint64_t size);

  /// Reads `length` bytes at `offset`. A range past the end of the file throws Corruption, since
  /// the engine only asks for ranges its own metadata promised.
  std::string read(std::uint64_t offset, std::uint64_t length) const;
  std::uint64_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  FileObject(std::filesystem::path path, std::unique_ptr<RandomAccessFile> file);

  std::filesystem::path path_;
  std::unique_ptr<RandomAccessFile> file_;
  std::uint64_t size_ = 0;
};

/// The name under which FileObject::create writes `path` before renaming it: `<path>.tmp`.
std::filesystem::path temporary_path(const std::filesystem::path& path);

/// Fsyncs directory `directory`, so that files created or removed in it survive a crash.
void sync_directory(const std::filesystem::path& directory, FileSystem& fs = *posix_file_system());

}  // namespace mini_lsm
