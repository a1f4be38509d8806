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
  // @lesson w2d7 frame_checksum: crc32c() of the salt (u64) and the payload's length (u32), then
  //   crc32c_extend() over the payload
  std::string prefix;
  put_u64(prefix, salt);
  put_u32(prefix, static_cast<std::uint32_t>(payload.size()));
  return crc32c_extend(crc32c(prefix), payload);
  // @lesson end
}

void append_frame(std::string& out, std::uint64_t salt, std::string_view payload) {
  // @lesson w2d7 append_frame: frame_checksum() (u32), the payload's length (u32), the payload
  put_u32(out, frame_checksum(salt, payload));
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  out.append(payload);
  // @lesson end
}

// The length is checked before the checksum, so that a garbled length never makes it read past
// the end; and nothing here allocates, since find_whole_frame() asks at every offset of a damaged
// region.
FrameCheck check_frame(std::string_view bytes, std::size_t at, const FrameRules& rules) {
  // @lesson w2d7 check_frame: kShortHeader when fewer than kFrameHeaderSize bytes are left,
  //   kBadLength for a length outside [min_length, max_length], kPastEnd when the payload runs
  //   past the end, kBadChecksum when frame_checksum() (with rules.salt) differs from the stored
  //   checksum, else kWhole
  if (bytes.size() - at < kFrameHeaderSize) {
    return FrameCheck::kShortHeader;
  }
  const std::uint32_t length = read_u32_at(bytes, at + 4);
  if (length < rules.min_length || length > rules.max_length) {
    return FrameCheck::kBadLength;
  }
  if (length > bytes.size() - at - kFrameHeaderSize) {
    return FrameCheck::kPastEnd;
  }
  const std::string_view payload = bytes.substr(at + kFrameHeaderSize, length);
  if (read_u32_at(bytes, at) != frame_checksum(rules.salt, payload)) {
    return FrameCheck::kBadChecksum;
  }
  return FrameCheck::kWhole;
  // @lesson end
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
  // @lesson w2d7 read_frames: from `start`, while bytes remain: if check_frame() says kWhole,
  //   call `each` with the frame (offset, checksum, payload), count it and go past it; else, if
  //   find_whole_frame() finds a whole frame after this one's first byte, throw Corruption at
  //   this frame with describe_frame_problem() and where the whole frame is, otherwise this is the
  //   torn tail (offset, describe_frame_problem()) and reading stops; valid_size is where it
  //   stopped
  FramesRead read;
  std::size_t at = start;
  while (at < bytes.size()) {
    const FrameCheck check = check_frame(bytes, at, rules);
    if (check != FrameCheck::kWhole) {
      std::string problem = describe_frame_problem(check, bytes, at, rules);
      // A crash tears only the end of a file; a bad frame with a good one after it was damaged
      // in place, and cutting the file there would throw the good one away.
      if (const auto next = find_whole_frame(bytes, at + 1, rules)) {
        throw Corruption(std::string(file), at,
                         problem + ", but a whole record follows at offset " +
                             std::to_string(*next) + ": damage before the tail");
      }
      read.torn_tail_offset = at;
      read.torn_tail_reason = std::move(problem);
      break;
    }
    const std::uint32_t length = read_u32_at(bytes, at + 4);
    each(FrameView{at, read_u32_at(bytes, at), bytes.substr(at + kFrameHeaderSize, length)});
    ++read.frames;
    at += kFrameHeaderSize + length;
  }
  read.valid_size = read.torn_tail_offset.value_or(bytes.size());
  return read;
  // @lesson end
}

}  // namespace mini_lsm
