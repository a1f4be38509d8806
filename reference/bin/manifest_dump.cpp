// manifest-dump: prints what a manifest file holds, one line per record, and how it ends.
//
// It reads the file with read_manifest(), the engine's own reader, so it shows exactly what
// open() would see, and it is as safe on garbage as open() is: every length and count is checked
// before anything is allocated. It reads a file, not a database, so it takes no lock and may run
// while an engine has the directory open (it then shows the records synced so far).

#include <CLI/CLI.hpp>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "dump_tool.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/file_system.hpp"
#include "mini_lsm/manifest.hpp"

namespace {

// Exit statuses, from the best case to the worst.
using dump_tool::kExitClean;
using dump_tool::kExitTornTail;

constexpr const char* kDescription =
    "manifest-dump: print the records of a mini-lsm manifest (a database's MANIFEST file).\n"
    "\n"
    "Output: a first line with the file, its size and its format version; then one line per\n"
    "record, 'at OFFSET (LENGTH bytes): RECORD' (OFFSET is where the record's u32 length field\n"
    "starts, LENGTH the length of its payload); then one line saying how the file ends:\n"
    "  clean: N records                        every byte belongs to a whole record\n"
    "  torn tail at offset X (K bytes ...)     a crash cut the last record short; open() drops\n"
    "                                          those K bytes, as the record never became durable\n"
    "  corrupt at offset X: WHAT               damage open() refuses; the records before it are\n"
    "                                          printed\n"
    "\n"
    "Exit status: 0 clean, 1 torn tail, 2 corrupt, 3 the file cannot be read or bad usage.";

// What the first eight bytes say, read before read_manifest() so that the first line can be
// printed even when the header is what is wrong.
std::string header_summary(const std::string& head) {
  if (head.size() < mini_lsm::kManifestHeaderSize) {
    return "too short for a manifest header";
  }
  const auto u32_at = [&](std::size_t at) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      value |= std::uint32_t{static_cast<unsigned char>(head[at + i])} << (8 * i);
    }
    return value;
  };
  if (u32_at(0) != mini_lsm::kManifestMagic) {
    return "no manifest magic number";
  }
  return "format version " + std::to_string(u32_at(4));
}

int dump(const std::filesystem::path& path) {
  const std::optional<dump_tool::FileHead> head =
      dump_tool::read_head("manifest-dump", path, mini_lsm::kManifestHeaderSize);
  if (!head) {
    return dump_tool::kExitCannotRead;
  }
  std::cout << path.string() << ": " << head->size << " bytes, " << header_summary(head->bytes)
            << '\n';

  return dump_tool::list_records("manifest-dump", [&] {
    const mini_lsm::ManifestContents contents = mini_lsm::read_manifest(
        path, *mini_lsm::posix_file_system(), [](const mini_lsm::ManifestEntry& entry) {
          std::cout << "at " << entry.offset << " (" << entry.length
                    << " bytes): " << mini_lsm::describe(entry.record) << '\n';
        });
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
  });
}

}  // namespace

int main(int argc, char** argv) {
  return dump_tool::run(argc, argv, "manifest-dump", kDescription,
                        "the manifest file to read, e.g. mini-lsm.db/MANIFEST", dump);
}
