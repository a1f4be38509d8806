#include "mini_lsm/file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

namespace {

void write_all(int descriptor, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t written = ::write(descriptor, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw IoError(path.string(), errno, "cannot write");
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
}

std::uint64_t size_of(int descriptor, const std::filesystem::path& path) {
  const off_t end = ::lseek(descriptor, 0, SEEK_END);
  if (end < 0) {
    throw IoError(path.string(), errno, "cannot find the size of");
  }
  return static_cast<std::uint64_t>(end);
}

}  // namespace

Descriptor& Descriptor::operator=(Descriptor&& other) noexcept {
  if (this != &other) {
    reset(other.release());
  }
  return *this;
}

Descriptor::~Descriptor() {
  reset(-1);
}

int Descriptor::release() {
  return std::exchange(descriptor_, -1);
}

void Descriptor::reset(int descriptor) {
  if (descriptor_ >= 0) {
    ::close(descriptor_);
  }
  descriptor_ = descriptor;
}

FileObject::FileObject(std::filesystem::path path, Descriptor descriptor, std::uint64_t size)
    : path_(std::move(path)), descriptor_(std::move(descriptor)), size_(size) {}

FileObject FileObject::create(const std::filesystem::path& path, std::string_view data) {
  Descriptor file(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (file.get() < 0) {
    throw IoError(path.string(), errno, "cannot create");
  }
  try {
    write_all(file.get(), data, path);
    if (::fsync(file.get()) != 0) {
      throw IoError(path.string(), errno, "cannot fsync");
    }
  } catch (...) {
    ::unlink(path.c_str());  // a half-written file must not be mistaken for a good one later
    throw;
  }
  return FileObject(path, std::move(file), data.size());
}

FileObject FileObject::open(const std::filesystem::path& path) {
  Descriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) {
    throw IoError(path.string(), errno, "cannot open");
  }
  const std::uint64_t size = size_of(file.get(), path);
  return FileObject(path, std::move(file), size);
}

std::string FileObject::read(std::uint64_t offset, std::uint64_t length) const {
  if (offset > size_ || length > size_ - offset) {
    throw Corruption(path_.string(), offset,
                     "a read of " + std::to_string(length) + " bytes runs past the end of the " +
                         std::to_string(size_) + "-byte file");
  }
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
      throw Corruption(path_.string(), offset + done, "the file ended early (truncated?)");
    }
    done += static_cast<std::uint64_t>(got);
  }
  return bytes;
}

void sync_directory(const std::filesystem::path& directory) {
  Descriptor handle(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (handle.get() < 0) {
    throw IoError(directory.string(), errno, "cannot open directory");
  }
  if (::fsync(handle.get()) != 0) {
    throw IoError(directory.string(), errno, "cannot fsync directory");
  }
}

}  // namespace mini_lsm
