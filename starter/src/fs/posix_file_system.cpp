// The real file system behind the FileSystem seam: plain POSIX calls, retried on EINTR.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "mini_lsm/error.hpp"
#include "mini_lsm/file.hpp"
#include "mini_lsm/file_system.hpp"

namespace mini_lsm {

namespace {

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::filesystem::path path, Descriptor descriptor)
      : path_(std::move(path)), descriptor_(std::move(descriptor)) {}

  void append(std::string_view data) override {
    while (!data.empty()) {
      const ssize_t written = ::write(descriptor_.get(), data.data(), data.size());
      if (written < 0 && errno == EINTR) {
        continue;
      }
      if (written < 0) {
        throw IoError(path_.string(), errno, "cannot write");
      }
      data.remove_prefix(static_cast<std::size_t>(written));
    }
  }

  void sync() override {
    // fdatasync, not fsync: it makes the bytes durable, and the size that reads them back, but
    // not the modification time, which nothing here needs; one metadata write less per WAL sync.
    if (::fdatasync(descriptor_.get()) != 0) {
      throw IoError(path_.string(), errno, "cannot fdatasync");
    }
  }

 private:
  std::filesystem::path path_;
  Descriptor descriptor_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::filesystem::path path, Descriptor descriptor)
      : path_(std::move(path)), descriptor_(std::move(descriptor)) {}

  std::string read(std::uint64_t offset, std::uint64_t length) const override {
    std::string bytes(length, '\0');
    std::uint64_t done = 0;
    while (done < length) {
      const ssize_t got = ::pread(descriptor_.get(), bytes.data() + done, length - done,
                                  static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) {
        continue;
      }
      if (got < 0) {
        throw IoError(path_.string(), errno, "cannot read");
      }
      if (got == 0) {
        break;  // the end of the file
      }
      done += static_cast<std::uint64_t>(got);
    }
    bytes.resize(done);
    return bytes;
  }

  std::uint64_t size() const override {
    const off_t end = ::lseek(descriptor_.get(), 0, SEEK_END);
    if (end < 0) {
      throw IoError(path_.string(), errno, "cannot find the size of");
    }
    return static_cast<std::uint64_t>(end);
  }

 private:
  std::filesystem::path path_;
  Descriptor descriptor_;
};

// flock() locks belong to the open file description, so a second open() of the same file, even
// in the same process, cannot take the lock while this one holds it.
class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(Descriptor descriptor) : descriptor_(std::move(descriptor)) {}

 private:
  Descriptor descriptor_;  // closing it releases the lock
};

Descriptor open_or_throw(const std::filesystem::path& path, int flags, std::string_view action) {
  Descriptor descriptor(::open(path.c_str(), flags | O_CLOEXEC, 0644));
  if (descriptor.get() < 0) {
    throw IoError(path.string(), errno, action);
  }
  return descriptor;
}

class PosixFileSystem final : public FileSystem {
 public:
  std::unique_ptr<WritableFile> create(const std::filesystem::path& path) override {
    return std::make_unique<PosixWritableFile>(
        path, open_or_throw(path, O_WRONLY | O_CREAT | O_EXCL, "cannot create"));
  }

  std::unique_ptr<WritableFile> open_for_append(const std::filesystem::path& path) override {
    return std::make_unique<PosixWritableFile>(
        path, open_or_throw(path, O_WRONLY | O_APPEND, "cannot open for appending"));
  }

  std::unique_ptr<RandomAccessFile> open_for_read(const std::filesystem::path& path) override {
    return std::make_unique<PosixRandomAccessFile>(path,
                                                   open_or_throw(path, O_RDONLY, "cannot open"));
  }

  void rename(const std::filesystem::path& from, const std::filesystem::path& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      throw IoError(from.string() + " to " + to.string(), errno, "cannot rename");
    }
  }

  void remove(const std::filesystem::path& path) override {
    if (::unlink(path.c_str()) != 0) {
      throw IoError(path.string(), errno, "cannot remove");
    }
  }

  void truncate(const std::filesystem::path& path, std::uint64_t size) override {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
      throw IoError(path.string(), errno, "cannot truncate");
    }
  }

  std::vector<std::string> list(const std::filesystem::path& directory) override {
    std::error_code error;
    std::vector<std::string> names;
    for (std::filesystem::directory_iterator entry(directory, error), end; !error && entry != end;
         entry.increment(error)) {
      if (entry->is_regular_file(error) && !error) {
        names.push_back(entry->path().filename().string());
      }
    }
    if (error) {
      throw IoError(directory.string(), error.value(), "cannot list the directory");
    }
    return names;
  }

  bool exists(const std::filesystem::path& path) override {
    std::error_code error;
    const bool found = std::filesystem::exists(path, error);
    if (error) {
      throw IoError(path.string(), error.value(), "cannot look for");
    }
    return found;
  }

  void create_directories(const std::filesystem::path& directory) override {
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error) {
      throw IoError(directory.string(), error.value(), "cannot create the directory");
    }
  }

  void sync_directory(const std::filesystem::path& directory) override {
    const Descriptor handle = open_or_throw(directory, O_RDONLY | O_DIRECTORY, "cannot open");
    if (::fsync(handle.get()) != 0) {
      throw IoError(directory.string(), errno, "cannot fsync the directory");
    }
  }

  std::unique_ptr<FileLock> lock(const std::filesystem::path& path) override {
    Descriptor file = open_or_throw(path, O_RDWR | O_CREAT, "cannot open the lock file");
    int result = 0;
    do {
      result = ::flock(file.get(), LOCK_EX | LOCK_NB);
    } while (result != 0 && errno == EINTR);
    if (result != 0) {
      throw IoError(path.string(), errno,
                    errno == EWOULDBLOCK
                        ? "another engine (in this process or another) holds the lock; cannot lock"
                        : "cannot lock");
    }
    return std::make_unique<PosixFileLock>(std::move(file));
  }
};

}  // namespace

std::shared_ptr<FileSystem> posix_file_system() {
  static const std::shared_ptr<FileSystem> instance = std::make_shared<PosixFileSystem>();
  return instance;
}

}  // namespace mini_lsm
