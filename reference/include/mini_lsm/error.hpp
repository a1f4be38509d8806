// The engine's errors. Every failure is an exception derived from mini_lsm::Error, and every
// message names what went wrong and where (a file, a byte offset, a chapter).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mini_lsm {

/// Base class of every error the engine throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A system call on `path` failed with `error_number` (an errno value).
class IoError : public Error {
 public:
  IoError(std::string path, int error_number, std::string_view action);
  const std::string& path() const { return path_; }
  int error_number() const { return error_number_; }

 private:
  std::string path_;
  int error_number_;
};

/// Stored bytes are not what the engine wrote: `file` at byte `offset`.
class Corruption : public Error {
 public:
  Corruption(std::string file, std::uint64_t offset, std::string_view what);
  const std::string& file() const { return file_; }
  std::uint64_t offset() const { return offset_; }
  /// What is wrong there: the message without the file and the offset.
  const std::string& detail() const { return detail_; }

 private:
  std::string file_;
  std::uint64_t offset_;
  std::string detail_;
};

/// The caller passed something the engine refuses, such as a key over kMaxKeySize.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

/// A function of the course that is still a stub in your tree. `chapter` is an id like "w1d1";
/// the message names the chapter ("week 1 day 1") that implements it, then the function.
class NotImplemented : public Error {
 public:
  NotImplemented(std::string chapter, std::string function);
  const std::string& chapter() const { return chapter_; }
  const std::string& function() const { return function_; }

 private:
  std::string chapter_;
  std::string function_;
};

/// "w1d1" -> "week 1 day 1"; any other text is returned unchanged.
std::string chapter_title(std::string_view chapter);

}  // namespace mini_lsm
