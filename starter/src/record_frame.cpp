// Checksummed record frames (week 2 day 7), shared by the WAL and the manifest.
#include "mini_lsm/record_frame.hpp"

#include "coding.hpp"
#include "mini_lsm/crc32c.hpp"
#include "mini_lsm/error.hpp"

namespace mini_lsm {

namespace {

std::uint32_t read_u32_at(std::string_view bytes, std::size_t at) {
  ByteReader reader(bytes.substr(at, 4), "", at);
  return reader.u32();
}

}  // namespace

std::uint32_t frame_checksum(std::uint64_t salt, std::string_view payload) {
  // TODO(w2d7): crc32c() of the salt (u64) and the payload's length (u32), then crc32c_extend()
  //   over the payload
  throw ::mini_lsm::NotImplemented("w2d7", "frame_checksum");
}

void append_frame(std::string& out, std::uint64_t salt, std::string_view payload) {
  // TODO(w2d7): frame_checksum() (u32), the payload's length (u32), the payload
  throw ::mini_lsm::NotImplemented("w2d7", "append_frame");
}

// The length is checked before the checksum, so that a garbled length never makes it read past
// the end; and nothing here allocates, since find_whole_frame() asks at every offset of a damaged
// region.
FrameCheck check_frame(std::string_view bytes, std::size_t at, const FrameRules& rules) {
  // TODO(w2d7): kShortHeader when fewer than kFrameHeaderSize bytes are left, kBadLength for a
  //   length outside [min_length, max_length], kPastEnd when the payload runs past the end,
  //   kBadChecksum when frame_checksum() (with rules.salt) differs from the stored checksum, else
  //   kWhole
  throw ::mini_lsm::NotImplemented("w2d7", "check_frame");
}

std::string describe_frame_problem(FrameCheck check, std::string_view bytes, std::size_t at,
                                   const FrameRules& rules) {
  if (bytes.substr(at).find_first_not_of('\0') == std::string_view::npos) {
    return "only zero bytes from here (the file's size reached the disk, its data did not)";
  }
  switch (check) {
    case FrameCheck::kShortHeader:
      return "the file ends inside a record header";
    case FrameCheck::kBadLength:
      return "a record length of " + std::to_string(read_u32_at(bytes, at + 4)) +
             " bytes (a record has " + std::to_string(rules.min_length) + " to " +
             std::to_string(rules.max_length) + ")";
    case FrameCheck::kPastEnd:
      return "the file ends inside a record of " + std::to_string(read_u32_at(bytes, at + 4)) +
             " bytes";
    case FrameCheck::kBadChecksum: {
      const std::uint32_t length = read_u32_at(bytes, at + 4);
      return "checksum mismatch (stored " + hex32(read_u32_at(bytes, at)) + ", computed " +
             hex32(frame_checksum(rules.salt, bytes.substr(at + kFrameHeaderSize, length))) + ")";
    }
    case FrameCheck::kWhole:
      break;
  }
  return "a whole record";
}

std::optional<std::uint64_t> find_whole_frame(std::string_view bytes, std::size_t from,
                                              const FrameRules& rules) {
  // Any byte may start a frame: damage can shift nothing, or everything. Most offsets fail on
  // the length check, so the checksum runs only where a frame could really fit.
  for (std::size_t at = from; at + kFrameHeaderSize <= bytes.size(); ++at) {
    if (check_frame(bytes, at, rules) == FrameCheck::kWhole) {
      return at;
    }
  }
  return std::nullopt;
}

FramesRead read_frames(std::string_view bytes, std::size_t start, const FrameRules& rules,
                       std::string_view file, const std::function<void(const FrameView&)>& each) {
  // TODO(w2d7): from `start`, while bytes remain: if check_frame() says kWhole, call `each` with
  //   the frame (offset, checksum, payload), count it and go past it; else, if find_whole_frame()
  //   finds a whole frame after this one's first byte, throw Corruption at this frame with
  //   describe_frame_problem() and where the whole frame is, otherwise this is the torn tail
  //   (offset, describe_frame_problem()) and reading stops; valid_size is where it stopped
  throw ::mini_lsm::NotImplemented("w2d7", "read_frames");
}

}  // namespace mini_lsm
