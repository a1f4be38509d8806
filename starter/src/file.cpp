#include "mini_lsm/file.hpp"

#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

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

FileObject::FileObject(std::filesystem::path path, std::unique_ptr<RandomAccessFile> file)
    : path_(std::move(path)), file_(std::move(file)), size_(file_ ? file_->size() : 0) {}

FileObject FileObject::without_data(const std::filesystem::path& path, std::uint64_t size) {
  FileObject file(path, nullptr);
  file.size_ = size;
  return file;
}

std::filesystem::path temporary_path(const std::filesystem::path& path) {
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  return temporary;
}

FileObject FileObject::create(const std::filesystem::path& path, std::string_view data,
                              FileSystem& fs) {
  if (fs.exists(path)) {
    throw IoError(path.string(), EEXIST, "cannot create");
  }
  const std::filesystem::path temporary = temporary_path(path);
  if (fs.exists(temporary)) {
    fs.remove(temporary);  // left by a crash or a failure in the middle of an earlier create
  }
  try {
    const std::unique_ptr<WritableFile> file = fs.create(temporary);
    file->append(data);
    file->sync();
  } catch (...) {
    try {
      fs.remove(temporary);  // a half-written file must not be mistaken for a good one later
    } catch (const IoError&) {
      // The first error is the one to report; a stray .tmp file is ignored and removed later.
    }
    throw;
  }
  fs.rename(temporary, path);
  return open(path, fs);
}

FileObject FileObject::open(const std::filesystem::path& path, FileSystem& fs) {
  return FileObject(path, fs.open_for_read(path));
}

std::string FileObject::read(std::uint64_t offset, std::uint64_t length) const {
  if (!file_) {
    throw InvalidArgument(path_.string() + " stands for a file without data and cannot be read");
  }
  if (offset > size_ || length > size_ - offset) {
    throw Corruption(path_.string(), offset,
                     "a read of " + std::to_string(length) + " bytes runs past the end of the " +
                         std::to_string(size_) + "-byte file");
  }
  std::string bytes = file_->read(offset, length);
  if (bytes.size() != length) {
    throw Corruption(path_.string(), offset + bytes.size(), "the file ended early (truncated?)");
  }
  return bytes;
}

void sync_directory(const std::filesystem::path& directory, FileSystem& fs) {
  fs.sync_directory(directory);
}

}  // namespace mini_lsm
