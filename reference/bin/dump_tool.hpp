// What wal-dump and manifest-dump share (provided tooling): their exit statuses, their one FILE
// argument, the first bytes of the file, and the complaint when it cannot be read.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mini_lsm/error.hpp"
#include "mini_lsm/file_system.hpp"

namespace dump_tool {

/// "1 byte", "7 bytes".
inline std::string bytes_count(std::uint64_t count) {
  return std::to_string(count) + (count == 1 ? " byte" : " bytes");
}

/// `value` as 0x and eight hex digits, as checksums are printed.
inline std::string hex32(std::uint32_t value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) {
    text += kHex[(value >> shift) & 0xf];
  }
  return text;
}

/// The little-endian number of `width` bytes at `at` in `bytes` (which holds them): the header
/// fields, read before the engine's reader so that the first line prints even when the header is
/// what is wrong.
inline std::uint64_t number_at(const std::string& bytes, std::size_t at, std::size_t width) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    value |= std::uint64_t{static_cast<unsigned char>(bytes[at + i])} << (8 * i);
  }
  return value;
}

inline constexpr int kExitClean = 0;
inline constexpr int kExitTornTail = 1;
inline constexpr int kExitCorrupt = 2;
inline constexpr int kExitCannotRead = 3;

/// Prints "<tool>: <what>" on stderr, after everything printed so far, and returns
/// kExitCannotRead.
inline int cannot_read(std::string_view tool, const std::exception& error) {
  std::cout.flush();  // what was printed comes before the complaint, also in a merged log
  std::cerr << tool << ": " << error.what() << '\n';
  return kExitCannotRead;
}

/// A file's size and its first bytes (fewer when it is shorter).
struct FileHead {
  std::uint64_t size = 0;
  std::string bytes;
};

/// The size and the first `length` bytes of `path`, or nullopt once cannot_read() complained.
inline std::optional<FileHead> read_head(std::string_view tool, const std::filesystem::path& path,
                                         std::uint64_t length) {
  try {
    const std::unique_ptr<mini_lsm::RandomAccessFile> input =
        mini_lsm::posix_file_system()->open_for_read(path);
    FileHead head;
    head.size = input->size();
    head.bytes = input->read(0, length);
    return head;
  } catch (const mini_lsm::Error& error) {
    cannot_read(tool, error);
    return std::nullopt;
  }
}

/// Runs `read`, which prints the records and how the file ends and returns kExitClean or
/// kExitTornTail. Damage (Corruption) ends the listing with "corrupt at offset X: what" and
/// kExitCorrupt; any other error of the engine (an IoError, or a tree whose reader is a stub) is
/// cannot_read().
inline int list_records(std::string_view tool, const std::function<int()>& read) {
  try {
    return read();
  } catch (const mini_lsm::Corruption& error) {
    std::cout << "corrupt at offset " << error.offset() << ": " << error.detail() << '\n';
    return kExitCorrupt;
  } catch (const mini_lsm::Error& error) {
    return cannot_read(tool, error);
  }
}

/// The whole program: parses FILE (described by `file_help`) and returns dump(FILE). --help
/// exits 0; a usage error, and anything dump() throws, exit kExitCannotRead with a message.
inline int run(int argc, char** argv, std::string_view tool, const std::string& description,
               const std::string& file_help,
               const std::function<int(const std::filesystem::path&)>& dump) {
  CLI::App app{description};
  std::string file;
  app.add_option("FILE", file, file_help)->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& help) {  // --help: CLI11 prints it, and the exit status is 0
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    std::cerr << tool << ": " << error.what() << " (try --help)\n";
    return kExitCannotRead;
  }
  try {
    return dump(file);
  } catch (const std::exception& error) {  // e.g. std::bad_alloc: still a message, not abort()
    return cannot_read(tool, error);
  }
}

}  // namespace dump_tool
