// What the fuzz targets share (./x fuzz, built with MINI_LSM_FUZZ): their seeds, a file system in
// memory, and how a target reports a broken property.
//
// A target is a libFuzzer entry point, LLVMFuzzerTestOneInput(), that feeds bytes to one decoder.
// Its properties are the decoder's promise: bad bytes are Corruption naming the file and an offset
// inside the input, and anything else it returns is safe to read. A crash, a sanitizer report, an
// exception other than Corruption, an allocation over libFuzzer's limit or a broken property is a
// finding: libFuzzer stops and saves the input that caused it.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/fault_injection_fs.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/table.hpp"

namespace mini_lsm::fuzz {

using testing::FaultInjectionFs;

/// Aborts, which libFuzzer reports with the input, when `holds` is false.
inline void expect(bool holds, std::string_view property) {
  if (!holds) {
    std::cerr << "mini-lsm fuzz: broken property: " << property << "\n";
    std::abort();
  }
}

/// A Corruption must name the file read and an offset no further than its end.
inline void expect_located(const Corruption& error, std::string_view file, std::uint64_t begin,
                           std::uint64_t end) {
  expect(error.file() == file, "a Corruption names the file that was read");
  expect(error.offset() >= begin && error.offset() <= end,
         "a Corruption's offset lies inside the bytes that were read");
}

/// The bytes as a string, as the decoders take them.
inline std::string input(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// A file system in memory that holds `bytes` as the file `path`, and nothing else.
inline std::unique_ptr<FaultInjectionFs> holding(const std::filesystem::path& path,
                                                 std::string_view bytes) {
  auto fs = std::make_unique<FaultInjectionFs>();
  fs->create_directories(path.parent_path());
  fs->write_file(path, bytes);
  return fs;
}

/// Whether this run is to write its seeds: ./x fuzz sets MINI_LSM_FUZZ_SEEDS to the corpus folder
/// once, before the first run of a target.
inline bool seeds_wanted() {
  return std::getenv("MINI_LSM_FUZZ_SEEDS") != nullptr;
}

/// Writes `bytes` as the seed `name` into the folder that MINI_LSM_FUZZ_SEEDS names.
inline void write_seed(std::string_view name, std::string_view bytes) {
  const char* folder = std::getenv("MINI_LSM_FUZZ_SEEDS");
  if (folder == nullptr) {
    return;
  }
  std::ofstream out(std::filesystem::path(folder) / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// The sections of an SST that the engine wrote, for the seeds of the section decoders: each
/// block, the metadata and the filter, without the checksums that follow them from version 2.
struct SstSections {
  std::string file;
  std::vector<std::string> blocks;
  std::string meta;
  std::string filter;
};

/// An SST of `count` keys in blocks of 128 bytes, with a Bloom filter, built by this tree's
/// SsTableBuilder; its sections are cut out with the offsets the SST's own footer and metadata
/// give.
inline SstSections built_sst(int count) {
  FaultInjectionFs fs;
  fs.create_directories("/db");
  SsTableBuilder builder(128, 10);
  for (int i = 0; i < count; ++i) {
    const std::string key = "key" + std::to_string(1000 + i);
    builder.add(key, i % 5 == 0 ? std::string() : "value" + std::to_string(i));
  }
  const auto table = builder.build(1, nullptr, "/db/1.sst", fs);
  SstSections sections;
  sections.file = fs.contents("/db/1.sst");
  const std::string& file = sections.file;
  const auto u32_at = [&file](std::size_t at) {
    std::uint32_t value = 0;
    for (int i = 3; i >= 0; --i) {
      value = (value << 8) | static_cast<unsigned char>(file[at + static_cast<std::size_t>(i)]);
    }
    return value;
  };
  const std::size_t footer = file.size() - kSstFooterSize;
  const std::size_t meta_offset = u32_at(footer);
  const std::size_t filter_offset = u32_at(footer + 4);
  const std::size_t checksum = table->format_version() == kSstFormatVersion ? 0 : kSstChecksumSize;
  const auto& metas = table->block_meta();
  for (std::size_t i = 0; i < metas.size(); ++i) {
    const std::size_t end = i + 1 < metas.size() ? metas[i + 1].offset : meta_offset;
    sections.blocks.push_back(file.substr(metas[i].offset, end - metas[i].offset - checksum));
  }
  sections.meta = file.substr(meta_offset, filter_offset - meta_offset - checksum);
  if (footer > filter_offset) {
    sections.filter = file.substr(filter_offset, footer - filter_offset - checksum);
  }
  return sections;
}

}  // namespace mini_lsm::fuzz
