// wal-dump: prints what a write-ahead log file holds, one line per record, and how it ends.
//
// It reads the file with read_wal(), the engine's own reader, so it shows exactly what open()
// would replay, and it is as safe on garbage as open() is: a value length over kMaxValueSize is
// refused before anything is allocated for it. It reads a file, not a database: it takes no lock,
// changes nothing (open() would cut a torn tail off; the dump only reports it), and may run while
// an engine has the directory open (it then shows the records written to the file so far).

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dump_tool.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/file_names.hpp"
#include "mini_lsm/file_system.hpp"
#include "mini_lsm/wal.hpp"

namespace {

// Exit statuses, from the best case to the worst (the same as manifest-dump's).
using dump_tool::kExitClean;
using dump_tool::kExitTornTail;

// A key or a value longer than this is shown by its first kShownBytes bytes and "...": a line
// per record stays readable with keys of 64 KiB and values of 1 MiB.
constexpr std::size_t kLongestShown = 48;
constexpr std::size_t kShownBytes = 32;

constexpr const char* kDescription =
    "wal-dump: print the records of a mini-lsm write-ahead log (a database's <id>.wal file).\n"
    "\n"
    "Output: a first line with the file, its size, its format version and the id in its header;\n"
    "then one line per record,\n"
    "  at OFFSET (key K bytes, value V bytes): put \"KEY\" = \"VALUE\"\n"
    "  at OFFSET (key K bytes, value 0 bytes): del \"KEY\"\n"
    "(OFFSET is where the record's key length field starts; in KEY and VALUE printable ASCII\n"
    "stands as it is, and every other byte, \" and \\ as \\xNN; a key or value over 48 bytes\n"
    "shows its first 32, then ...); then one line saying how the file ends:\n"
    "  clean: N records, B bytes               every byte after the 16-byte header belongs to\n"
    "                                          one of the N records (B bytes of records)\n"
    "  torn tail at offset X (K bytes ...)     a crash cut the last record short; open()\n"
    "                                          truncates the file there, as the record never\n"
    "                                          became durable (the dump changes nothing)\n"
    "  corrupt at offset X: WHAT               damage open() refuses; the records before it are\n"
    "                                          printed\n"
    "When the file is named <id>.wal, the id in its header must be that id (a WAL copied under\n"
    "another name is corrupt at offset 8).\n"
    "\n"
    "Exit status: 0 clean, 1 torn tail, 2 corrupt, 3 the file cannot be read or bad usage.";

// `bytes` quoted, printable ASCII as it is and every other byte (and the quote and the
// backslash, so that the quoted text reads back one way only) as \xNN; shortened when long.
std::string quoted(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  const bool shorten = bytes.size() > kLongestShown;
  const std::string_view shown = shorten ? bytes.substr(0, kShownBytes) : bytes;
  std::string out = "\"";
  for (const char c : shown) {
    const auto code = static_cast<unsigned char>(c);
    if (code >= 0x20 && code < 0x7f && c != '"' && c != '\\') {
      out += c;
    } else {
      out += "\\x";
      out += kHex[code >> 4];
      out += kHex[code & 0xf];
    }
  }
  out += '"';
  return shorten ? out + "..." : out;
}

std::string bytes_count(std::uint64_t count) {
  return std::to_string(count) + (count == 1 ? " byte" : " bytes");
}

// One record's line: see kDescription.
std::string describe(const mini_lsm::WalRecordView& record) {
  std::string line = "at " + std::to_string(record.offset) + " (key " +
                     bytes_count(record.key.size()) + ", value " +
                     bytes_count(record.value.size()) + "): ";
  if (record.value.empty()) {
    return line + "del " + quoted(record.key);
  }
  return line + "put " + quoted(record.key) + " = " + quoted(record.value);
}

// What the header says, read before read_wal() so that the first line can be printed even when
// the header is what is wrong.
std::string header_summary(const std::string& head) {
  if (head.size() < mini_lsm::kWalHeaderSize) {
    return "too short for a WAL header";
  }
  const auto number_at = [&](std::size_t at, std::size_t width) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i) {
      value |= std::uint64_t{static_cast<unsigned char>(head[at + i])} << (8 * i);
    }
    return value;
  };
  if (number_at(0, 4) != mini_lsm::kWalMagic) {
    return "no WAL magic number";
  }
  return "format version " + std::to_string(number_at(4, 4)) + ", id " +
         std::to_string(number_at(8, 8));
}

// The id a file named "<id>.wal" must hold in its header; none for any other name.
std::optional<std::size_t> id_of_name(const std::filesystem::path& path) {
  const mini_lsm::ParsedFileName parsed = mini_lsm::parse_file_name(path.filename().string());
  if (parsed.kind != mini_lsm::FileKind::kWal) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(parsed.id);
}

int dump(const std::filesystem::path& path) {
  const std::optional<dump_tool::FileHead> head =
      dump_tool::read_head("wal-dump", path, mini_lsm::kWalHeaderSize);
  if (!head) {
    return dump_tool::kExitCannotRead;
  }
  std::cout << path.string() << ": " << bytes_count(head->size) << ", "
            << header_summary(head->bytes) << '\n';

  return dump_tool::list_records("wal-dump", [&] {
    const mini_lsm::WalReadResult result = mini_lsm::read_wal(
        path, *mini_lsm::posix_file_system(), id_of_name(path),
        [](const mini_lsm::WalRecordView& record) { std::cout << describe(record) << '\n'; });
    if (result.torn_tail_offset) {
      const std::uint64_t at = *result.torn_tail_offset;
      std::cout << "torn tail at offset " << at << " (" << bytes_count(result.file_size - at)
                << " a crash cut off; open truncates the file there)\n";
      return kExitTornTail;
    }
    std::cout << "clean: " << result.records << (result.records == 1 ? " record, " : " records, ")
              << bytes_count(result.valid_size - mini_lsm::kWalHeaderSize) << '\n';
    return kExitClean;
  });
}

}  // namespace

int main(int argc, char** argv) {
  return dump_tool::run(argc, argv, "wal-dump", kDescription,
                        "the WAL file to read, e.g. mini-lsm.db/7.wal", dump);
}
