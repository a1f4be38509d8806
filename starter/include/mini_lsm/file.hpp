// Files of the database: whole-file writes, positioned reads and directory syncs (provided).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

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

/// An open, read-only file of the database. Closes its descriptor when destroyed.
class FileObject {
 public:
  /// Writes `data` to a new file at `path` (failing if it exists), fsyncs it, and opens it.
  static FileObject create(const std::filesystem::path& path, std::string_view data);
  /// Opens an existing file.
  static FileObject open(const std::filesystem::path& path);

  /// Reads `length` bytes at `offset`. A range past the end of the file throws Corruption, since
  /// the engine only asks for ranges its own metadata promised.
  std::string read(std::uint64_t offset, std::uint64_t length) const;
  std::uint64_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  FileObject(std::filesystem::path path, Descriptor descriptor, std::uint64_t size);

  std::filesystem::path path_;
  Descriptor descriptor_;
  std::uint64_t size_ = 0;
};

/// Fsyncs directory `directory`, so that files created or removed in it survive a crash.
void sync_directory(const std::filesystem::path& directory);

}  // namespace mini_lsm
