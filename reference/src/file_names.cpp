#include "mini_lsm/file_names.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <system_error>

namespace mini_lsm {

namespace {

constexpr std::string_view kSstSuffix = ".sst";
constexpr std::string_view kWalSuffix = ".wal";
constexpr std::string_view kTemporarySuffix = ".tmp";

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](char letter) { return letter >= '0' && letter <= '9'; });
}

}  // namespace

std::string sst_file_name(std::uint64_t id) {
  return std::to_string(id) + std::string(kSstSuffix);
}

std::string wal_file_name(std::uint64_t id) {
  return std::to_string(id) + std::string(kWalSuffix);
}

namespace {

// The id in `stem` when it is canonical: decimal digits, no leading 0 (but "0"), at most
// kMaxFileId.
std::optional<std::uint64_t> canonical_id(std::string_view stem) {
  std::uint64_t id = 0;
  const auto [end, error] = std::from_chars(stem.data(), stem.data() + stem.size(), id);
  if (error == std::errc() && end == stem.data() + stem.size() &&
      (stem.size() == 1 || stem.front() != '0') && id <= kMaxFileId) {
    return id;
  }
  return std::nullopt;
}

}  // namespace

ParsedFileName parse_file_name(std::string_view name) {
  if (name == kLockFileName) {
    return {.kind = FileKind::kLock};
  }
  if (name == kManifestFileName) {
    return {.kind = FileKind::kManifest};
  }
  if (name.ends_with(kTemporarySuffix)) {
    // Only the engine's own: "<canonical SST name>.tmp" or "MANIFEST.tmp". A user's "notes.tmp"
    // is left alone.
    const ParsedFileName target =
        parse_file_name(name.substr(0, name.size() - kTemporarySuffix.size()));
    const bool engines = target.kind == FileKind::kSst || target.kind == FileKind::kManifest;
    return {.kind = engines ? FileKind::kTemporary : FileKind::kOther};
  }
  if (name.ends_with(kWalSuffix)) {
    // A WAL the engine did not name ("007.wal") is left alone: the engine never reads it.
    const auto id = canonical_id(name.substr(0, name.size() - kWalSuffix.size()));
    return id ? ParsedFileName{.kind = FileKind::kWal, .id = *id} : ParsedFileName{};
  }
  if (!name.ends_with(kSstSuffix)) {
    return {};
  }
  const std::string_view stem = name.substr(0, name.size() - kSstSuffix.size());
  if (!all_digits(stem)) {
    return {};  // "notes.sst" is not the engine's business
  }
  const auto id = canonical_id(stem);
  return {.kind = id ? FileKind::kSst : FileKind::kBadSst, .id = id.value_or(0)};
}

}  // namespace mini_lsm
