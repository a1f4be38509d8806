// manifest-dump: prints what a manifest file holds, one line per record (from format version 2
// on, with its frame's size and verified checksum), and how it ends. Version-1 files print
// exactly as they did on week 2 day 5: old databases still hold them.
//
// It reads the file with read_manifest(), the engine's own reader, so it shows exactly what
// open() would see, and it is as safe on garbage as open() is: every length and count is checked
// before anything is allocated. It reads a file, not a database, so it takes no lock and may run
// while an engine has the directory open (it then shows the records synced so far).

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "dump_tool.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/file_system.hpp"
#include "mini_lsm/manifest.hpp"
#include "mini_lsm/record_frame.hpp"

namespace {

using dump_tool::bytes_count;
using dump_tool::hex32;
using dump_tool::number_at;

// Exit statuses, from the best case to the worst.
using dump_tool::kExitClean;
using dump_tool::kExitTornTail;

constexpr const char* kDescription =
    "manifest-dump: print the records of a mini-lsm manifest (a database's MANIFEST file).\n"
    "\n"
    "Output: a first line with the file, its size and its format version; then one line per\n"
    "record; then one line saying how the file ends. A record's line depends on the version:\n"
    "  at OFFSET (LENGTH bytes): RECORD        version 1 (week 2 day 5, no checksums): OFFSET is\n"
    "                                          where the record's u32 length field starts,\n"
    "                                          LENGTH the length of its payload\n"
    "  at OFFSET (frame F bytes, crc 0xCCCCCCCC ok): RECORD\n"
    "                                          version 2 (week 2 day 7, what the engine writes):\n"
    "                                          OFFSET is where the record's frame starts, F\n"
    "                                          counts its 8-byte header (checksum, length) and\n"
    "                                          its payload, and the CRC-32C stored in the frame\n"
    "                                          matched the one computed (salt 0)\n"
    "How the file ends:\n"
    "  clean: N records                        version 1: every byte belongs to a whole record\n"
    "  clean: N records, B bytes               version 2: every byte after the 8-byte header\n"
    "                                          belongs to one of the N frames (B bytes)\n"
    "  torn tail at offset X (K bytes ...)     version 1: a crash cut the last record short;\n"
    "                                          open() drops those K bytes, as the record never\n"
    "                                          became durable\n"
    "  torn tail at offset X (WHY): K bytes that open drops\n"
    "                                          version 2: no whole frame starts at X nor at any\n"
    "                                          byte after it (cut short, zeros, garbage)\n"
    "  corrupt at offset X: WHAT               damage open() refuses (in version 2, a frame that\n"
    "                                          is not whole with a whole frame after it); the\n"
    "                                          records before it are printed\n"
    "\n"
    "Exit status: 0 clean, 1 torn tail, 2 corrupt, 3 the file cannot be read or bad usage.";

// What the first eight bytes say, read before read_manifest() so that the first line can be
// printed even when the header is what is wrong.
std::string header_summary(const std::string& head) {
  if (head.size() < mini_lsm::kManifestHeaderSize) {
    return "too short for a manifest header";
  }
  if (number_at(head, 0, 4) != mini_lsm::kManifestMagic) {
    return "no manifest magic number";
  }
  return "format version " + std::to_string(number_at(head, 4, 4));
}

// Whether the header says version 2. read_manifest() refuses every version but 1 and 2 before it
// hands over a record, so for a file that has records this tells the two layouts apart.
bool is_framed(const std::string& head) {
  return head.size() >= mini_lsm::kManifestHeaderSize &&
         number_at(head, 4, 4) == mini_lsm::kManifestChecksummedFormatVersion;
}

// A version-1 record's line, as week 2 day 5 printed it.
std::string describe_plain(const mini_lsm::ManifestEntry& entry) {
  return "at " + std::to_string(entry.offset) + " (" + std::to_string(entry.length) +
         " bytes): " + mini_lsm::describe(entry.record);
}

// A version-2 record's line: read_manifest() hands over only records whose frame verified.
std::string describe_framed(const mini_lsm::ManifestEntry& entry) {
  return "at " + std::to_string(entry.offset) + " (frame " +
         bytes_count(mini_lsm::kFrameHeaderSize + entry.length) + ", crc " + hex32(entry.checksum) +
         " ok): " + mini_lsm::describe(entry.record);
}

// How a version-1 file ends, as week 2 day 5 printed it.
int plain_ending(const mini_lsm::ManifestContents& contents) {
  if (contents.torn_tail_offset) {
    const std::uint64_t at = *contents.torn_tail_offset;
    const std::uint64_t cut = contents.file_size - at;
    std::cout << "torn tail at offset " << at << " (" << cut << (cut == 1 ? " byte" : " bytes")
              << " a crash cut off; open drops them)\n";
    return kExitTornTail;
  }
  const std::size_t count = contents.entries.size();
  std::cout << "clean: " << count << (count == 1 ? " record\n" : " records\n");
  return kExitClean;
}

// How a version-2 file ends: clean, or a torn tail with the reason read_frames() gave. (Damage
// is Corruption, which list_records() prints.)
int framed_ending(const mini_lsm::ManifestContents& contents) {
  if (contents.torn_tail_offset) {
    const std::uint64_t at = *contents.torn_tail_offset;
    std::cout << "torn tail at offset " << at << " (" << contents.torn_tail_reason
              << "): " << bytes_count(contents.file_size - at) << " that open drops\n";
    return kExitTornTail;
  }
  const std::size_t count = contents.entries.size();
  std::cout << "clean: " << count << (count == 1 ? " record, " : " records, ")
            << bytes_count(contents.file_size - mini_lsm::kManifestHeaderSize) << '\n';
  return kExitClean;
}

int dump(const std::filesystem::path& path) {
  const std::optional<dump_tool::FileHead> head =
      dump_tool::read_head("manifest-dump", path, mini_lsm::kManifestHeaderSize);
  if (!head) {
    return dump_tool::kExitCannotRead;
  }
  std::cout << path.string() << ": " << head->size << " bytes, " << header_summary(head->bytes)
            << '\n';

  const bool framed = is_framed(head->bytes);
  return dump_tool::list_records("manifest-dump", [&] {
    const mini_lsm::ManifestContents contents = mini_lsm::read_manifest(
        path, *mini_lsm::posix_file_system(), [&](const mini_lsm::ManifestEntry& entry) {
          std::cout << (framed ? describe_framed(entry) : describe_plain(entry)) << '\n';
        });
    return framed ? framed_ending(contents) : plain_ending(contents);
  });
}

}  // namespace

int main(int argc, char** argv) {
  return dump_tool::run(argc, argv, "manifest-dump", kDescription,
                        "the manifest file to read, e.g. mini-lsm.db/MANIFEST", dump);
}
