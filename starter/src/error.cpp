#include "mini_lsm/error.hpp"

#include <cstring>
#include <utility>

namespace mini_lsm {

namespace {

std::string io_message(const std::string& path, int error_number, std::string_view action) {
  return std::string(action) + " " + path + ": " + std::strerror(error_number);
}

std::string corruption_message(const std::string& file, std::uint64_t offset,
                               std::string_view what) {
  return "corruption in " + file + " at byte " + std::to_string(offset) + ": " + std::string(what);
}

std::string not_implemented_message(const std::string& chapter, const std::string& function) {
  // The chapter comes first so that no line wrapping of a test report can split it.
  return chapter_title(chapter) + ": " + function + " is not implemented yet (look for TODO(" +
         chapter + ") in your tree)";
}

}  // namespace

IoError::IoError(std::string path, int error_number, std::string_view action)
    : Error(io_message(path, error_number, action)),
      path_(std::move(path)),
      error_number_(error_number) {}

Corruption::Corruption(std::string file, std::uint64_t offset, std::string_view what)
    : Error(corruption_message(file, offset, what)),
      file_(std::move(file)),
      offset_(offset),
      detail_(what) {}

NotImplemented::NotImplemented(std::string chapter, std::string function)
    : Error(not_implemented_message(chapter, function)),
      chapter_(std::move(chapter)),
      function_(std::move(function)) {}

std::string chapter_title(std::string_view chapter) {
  const bool is_chapter_id = chapter.size() == 4 && chapter[0] == 'w' && chapter[2] == 'd' &&
                             chapter[1] >= '1' && chapter[1] <= '9' && chapter[3] >= '1' &&
                             chapter[3] <= '9';
  if (!is_chapter_id) {
    return std::string(chapter);
  }
  return "week " + std::string(1, chapter[1]) + " day " + std::string(1, chapter[3]);
}

}  // namespace mini_lsm
