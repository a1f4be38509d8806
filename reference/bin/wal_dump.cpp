// wal-dump: prints what a write-ahead log file holds, one line per record (and, in format
// version 2, a line per batch before its records, with the frame's checksum), and how it ends.
//
// It reads the file with read_wal(), the engine's own reader, so it shows exactly what open()
// would replay, and it is as safe on garbage as open() is: a value length over kMaxValueSize is
// refused before anything is allocated for it. It reads a file, not a database: it takes no lock,
// changes nothing (open() would cut a torn tail off; the dump only reports it), and may run while
// an engine has the directory open (it then shows the records written to the file so far).
// Version-1 files print exactly as they did on week 2 day 6: old databases still hold them.

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
#include "mini_lsm/record_frame.hpp"
#include "mini_lsm/wal.hpp"

namespace {

using dump_tool::bytes_count;
using dump_tool::hex32;
using dump_tool::number_at;

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
    "then the records, and one line saying how the file ends. The records' lines depend on the\n"
    "format version.\n"
    "\n"
    "Version 1 (week 2 day 6, no checksums): one line per record,\n"
    "  at OFFSET (key K bytes, value V bytes): put \"KEY\" = \"VALUE\"\n"
    "  at OFFSET (key K bytes, value 0 bytes): del \"KEY\"\n"
    "(OFFSET is where the record's key length field starts).\n"
    "\n"
    "Version 2 (week 2 day 7, what the engine writes): one checksummed frame per batch of\n"
    "writes, salted with the WAL's id. A line per batch whose frame is whole, then a line per\n"
    "write of it:\n"
    "  batch at OFFSET (frame F bytes, N writes): crc 0xCCCCCCCC ok\n"
    "    write I (key K bytes, value V bytes): put \"KEY\" = \"VALUE\"\n"
    "(OFFSET is where the frame starts; F counts its 8-byte header, checksum and length, and its\n"
    "payload; the CRC-32C stored in the frame matched the one computed over the salt, the length\n"
    "and the payload; I counts from 0 in the batch).\n"
    "\n"
    "In KEY and VALUE printable ASCII stands as it is, and every other byte, \" and \\ as \\xNN;\n"
    "a key or value over 48 bytes shows its first 32, then ...\n"
    "\n"
    "How the file ends:\n"
    "  clean: N records, B bytes               version 1: every byte after the 16-byte header\n"
    "                                          belongs to one of the N records (B bytes)\n"
    "  clean: N batches, M records, B bytes    version 2: every byte after the header belongs to\n"
    "                                          one of the N whole frames\n"
    "  torn tail at offset X (K bytes ...)     version 1: a crash cut the last record short\n"
    "  torn tail at offset X (WHY): K bytes ...\n"
    "                                          version 2: no whole frame starts at X nor at any\n"
    "                                          byte after it (a crash cut the last append short,\n"
    "                                          or left zeros or garbage); open() truncates the\n"
    "                                          file at X, or refuses it under absolute\n"
    "                                          consistency (the dump changes nothing)\n"
    "  corrupt at offset X: WHAT               damage open() refuses: in version 2, a frame that\n"
    "                                          is not whole with a whole frame after it, such as\n"
    "                                          a flipped bit before the tail or a frame copied in\n"
    "                                          from another WAL; the records before it are\n"
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

// What a record holds, as both versions show it: "(key K bytes, value V bytes): put ...".
std::string record_fields(const mini_lsm::WalRecordView& record) {
  std::string fields = "(key " + bytes_count(record.key.size()) + ", value " +
                       bytes_count(record.value.size()) + "): ";
  if (record.value.empty()) {
    return fields + "del " + quoted(record.key);
  }
  return fields + "put " + quoted(record.key) + " = " + quoted(record.value);
}

// A version-1 record's line: see kDescription.
std::string describe(const mini_lsm::WalRecordView& record) {
  return "at " + std::to_string(record.offset) + " " + record_fields(record);
}

// Prints the batches of a version-2 WAL. read_wal() hands over a batch's records one after the
// other, and only once its whole frame verified and decoded, so the batch's line can wait for its
// last record: by then the frame's size is known, from what the records hold.
class BatchPrinter {
 public:
  void add(const mini_lsm::WalRecordView& record) {
    writes_ +=
        "  write " + std::to_string(record.index_in_batch) + " " + record_fields(record) + "\n";
    payload_size_ += mini_lsm::kWalRecordOverhead + record.key.size() + record.value.size();
    if (record.index_in_batch + 1 < record.batch_size) {
      return;
    }
    const std::size_t frame_size = mini_lsm::kFrameHeaderSize + payload_size_;
    std::cout << "batch at " << record.offset << " (frame " << bytes_count(frame_size) << ", "
              << record.batch_size << (record.batch_size == 1 ? " write" : " writes") << "): crc "
              << hex32(record.checksum) << " ok\n"
              << writes_;
    writes_.clear();
    payload_size_ = mini_lsm::kWalBatchOverhead;
  }

 private:
  std::string writes_;
  std::size_t payload_size_ = mini_lsm::kWalBatchOverhead;
};

// What the header says, read before read_wal() so that the first line can be printed even when
// the header is what is wrong.
std::string header_summary(const std::string& head) {
  if (head.size() < mini_lsm::kWalHeaderSize) {
    return "too short for a WAL header";
  }
  if (number_at(head, 0, 4) != mini_lsm::kWalMagic) {
    return "no WAL magic number";
  }
  return "format version " + std::to_string(number_at(head, 4, 4)) + ", id " +
         std::to_string(number_at(head, 8, 8));
}

// Whether the header says version 2. read_wal() refuses every version but 1 and 2 before it
// hands over a record, so for a file that has records this tells the two layouts apart.
bool is_framed(const std::string& head) {
  return head.size() >= mini_lsm::kWalHeaderSize &&
         number_at(head, 4, 4) == mini_lsm::kWalChecksummedFormatVersion;
}

// The id a file named "<id>.wal" must hold in its header; none for any other name.
std::optional<std::size_t> id_of_name(const std::filesystem::path& path) {
  const mini_lsm::ParsedFileName parsed = mini_lsm::parse_file_name(path.filename().string());
  if (parsed.kind != mini_lsm::FileKind::kWal) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(parsed.id);
}

// How a version-1 file ends, as day 6 printed it.
int plain_ending(const mini_lsm::WalReadResult& result) {
  if (result.torn_tail_offset) {
    const std::uint64_t at = *result.torn_tail_offset;
    std::cout << "torn tail at offset " << at << " (" << bytes_count(result.file_size - at)
              << " a crash cut off; open truncates the file there)\n";
    return kExitTornTail;
  }
  std::cout << "clean: " << result.records << (result.records == 1 ? " record, " : " records, ")
            << bytes_count(result.valid_size - mini_lsm::kWalHeaderSize) << '\n';
  return kExitClean;
}

// How a version-2 file ends: clean, or a torn tail with the reason read_frames() gave. (Damage
// is Corruption, which list_records() prints.)
int framed_ending(const mini_lsm::WalReadResult& result) {
  if (result.torn_tail_offset) {
    const std::uint64_t at = *result.torn_tail_offset;
    std::cout << "torn tail at offset " << at << " (" << result.torn_tail_reason
              << "): " << bytes_count(result.file_size - at)
              << " that open cuts off, or refuses under absolute consistency\n";
    return kExitTornTail;
  }
  std::cout << "clean: " << result.batches << (result.batches == 1 ? " batch, " : " batches, ")
            << result.records << (result.records == 1 ? " record, " : " records, ")
            << bytes_count(result.valid_size - mini_lsm::kWalHeaderSize) << '\n';
  return kExitClean;
}

int dump(const std::filesystem::path& path) {
  const std::optional<dump_tool::FileHead> head =
      dump_tool::read_head("wal-dump", path, mini_lsm::kWalHeaderSize);
  if (!head) {
    return dump_tool::kExitCannotRead;
  }
  std::cout << path.string() << ": " << bytes_count(head->size) << ", "
            << header_summary(head->bytes) << '\n';

  const bool framed = is_framed(head->bytes);
  return dump_tool::list_records("wal-dump", [&] {
    BatchPrinter batches;
    const mini_lsm::WalReadResult result =
        mini_lsm::read_wal(path, *mini_lsm::posix_file_system(), id_of_name(path),
                           [&](const mini_lsm::WalRecordView& record) {
                             if (framed) {
                               batches.add(record);
                             } else {
                               std::cout << describe(record) << '\n';
                             }
                           });
    return framed ? framed_ending(result) : plain_ending(result);
  });
}

}  // namespace

int main(int argc, char** argv) {
  return dump_tool::run(argc, argv, "wal-dump", kDescription,
                        "the WAL file to read, e.g. mini-lsm.db/7.wal", dump);
}
