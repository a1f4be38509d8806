// The bytes of manifest files, written out by hand from the format (week 2 day 5, checksummed
// in week 2 day 7), never produced by the code under test. Two format versions:
// - version 1 (week 2 day 5): magic "MANI" | version u32, then per record length u32 | payload;
// - version 2 (week 2 day 7): the same header, then per record the checksummed frame of its
//   payload (format_bytes.hpp) with salt 0.
// All little-endian; the payload of a record (encode_record()) is the same in both. The engine
// writes version 1 at checkpoint w2d5 and w2d6, version 2 from w2d7 on, and reads both: a test
// that pins the bytes of a manifest the engine wrote reads the version the file declares
// (written_manifest_format()) and compares with the bytes of that version.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "harness/catch.hpp"
#include "harness/format_bytes.hpp"
#include "mini_lsm/manifest.hpp"

namespace mini_lsm::testing {

/// The bytes of the manifests of one format version.
struct ManifestFormat {
  std::uint32_t version = kManifestFormatVersion;

  /// magic "MANI" (u32) | format version (u32).
  std::string header() const {
    std::string out;
    append_little_endian(out, kManifestMagic, 4);
    append_little_endian(out, version, 4);
    return out;
  }

  /// A record's payload as it stands in the file: length | payload in version 1, the frame of
  /// the payload (salt 0) in version 2.
  std::string framed(std::string_view payload) const {
    if (version == kManifestFormatVersion) {
      std::string out;
      append_little_endian(out, payload.size(), 4);
      out += payload;
      return out;
    }
    return checksummed_frame(0, payload);
  }

  /// The bytes in front of a record's payload: 4 (its length) in version 1, 8 (the checksum and
  /// the length) in version 2.
  std::size_t overhead() const { return version == kManifestFormatVersion ? 4 : 8; }
};

/// The format of a version-1 manifest: for tests that hand-craft files the engine must still read.
inline ManifestFormat manifest_v1() {
  return ManifestFormat{kManifestFormatVersion};
}

/// The format of the manifest `bytes` the engine wrote, from its header. The test stops unless
/// the file starts with the manifest magic and version 1 (what the engine writes before w2d7) or
/// 2 (from w2d7 on).
inline ManifestFormat written_manifest_format(std::string_view bytes) {
  REQUIRE(bytes.size() >= kManifestHeaderSize);
  REQUIRE(little_endian_at(bytes, 0, 4) == kManifestMagic);
  const auto version = static_cast<std::uint32_t>(little_endian_at(bytes, 4, 4));
  INFO("the manifest declares format version " << version);
  REQUIRE((version == kManifestFormatVersion || version == kManifestChecksummedFormatVersion));
  return ManifestFormat{version};
}

}  // namespace mini_lsm::testing
