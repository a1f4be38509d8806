// Checksummed record frames (week 2 day 7): how the WAL and the manifest tell a torn tail from
// damage, from format version 2 on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mini_lsm {

/// A frame is checksum (u32) | length (u32) | payload (length bytes), little-endian.
inline constexpr std::size_t kFrameHeaderSize = 8;

/// The checksum of a frame: CRC-32C over the salt (u64), the length (u32) and the payload. The
/// salt ties a frame to its file (a WAL's id): a whole frame copied in from another WAL fails
/// its checksum here, and a garbled length fails it too.
std::uint32_t frame_checksum(std::uint64_t salt, std::string_view payload);

/// Appends the frame of `payload` to `out`.
void append_frame(std::string& out, std::uint64_t salt, std::string_view payload);

/// What a reader expects of the frames of one file.
struct FrameRules {
  std::uint64_t salt = 0;
  /// A length outside [min_length, max_length] is damage: a zero-filled tail has length 0, and a
  /// reader must not believe a garbled length of gigabytes.
  std::uint32_t min_length = 1;
  std::uint32_t max_length = 0;
};

/// Whether a whole frame starts at an offset, and if not, the first thing wrong with it.
enum class FrameCheck { kWhole, kShortHeader, kBadLength, kPastEnd, kBadChecksum };

/// Checks the frame that starts at `at` in `bytes` (at < bytes.size()).
FrameCheck check_frame(std::string_view bytes, std::size_t at, const FrameRules& rules);

/// Words for what check_frame() found at `at`, for messages and tools (provided); "only zero bytes
/// from here ..." when nothing but zeros follows.
std::string describe_frame_problem(FrameCheck check, std::string_view bytes, std::size_t at,
                                   const FrameRules& rules);

/// A whole frame whose checksum matched; `payload` points into the bytes read.
struct FrameView {
  std::uint64_t offset = 0;
  std::uint32_t checksum = 0;
  std::string_view payload;
};

/// Where reading frames stopped.
struct FramesRead {
  std::size_t frames = 0;
  /// Where the frames stop being whole: the end of the bytes, or the torn tail.
  std::uint64_t valid_size = 0;
  /// Where the torn tail begins, and why it is not a whole frame; nullopt when the bytes end
  /// after a whole frame.
  std::optional<std::uint64_t> torn_tail_offset;
  std::string torn_tail_reason;
};

/// Reads the frames of `bytes` from offset `start` and calls `each` for every whole one, in order.
/// The first frame that is not whole (too short, a length out of range, or a checksum that does
/// not match) ends the read:
/// - if no whole frame starts anywhere after it, it is the torn tail a crash left (FramesRead says
///   where and why);
/// - if one does, the bytes were damaged after they were written, and the records after the
///   damage must not be dropped silently: Corruption naming `file` and the damaged frame's offset.
FramesRead read_frames(std::string_view bytes, std::size_t start, const FrameRules& rules,
                       std::string_view file, const std::function<void(const FrameView&)>& each);

/// The offset of the first whole frame that starts at or after `from`, or nullopt (provided).
std::optional<std::uint64_t> find_whole_frame(std::string_view bytes, std::size_t from,
                                              const FrameRules& rules);

}  // namespace mini_lsm
