#include "mini_lsm/file_names.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>

namespace mini_lsm {

namespace {

constexpr std::string_view kSstSuffix = ".sst";
constexpr std::string_view kTemporarySuffix = ".tmp";

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](char letter) { return letter >= '0' && letter <= '9'; });
}

}  // namespace

std::string sst_file_name(std::uint64_t id) {
  return std::to_string(id) + std::string(kSstSuffix);
}

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
  if (!name.ends_with(kSstSuffix)) {
    return {};
  }
  const std::string_view stem = name.substr(0, name.size() - kSstSuffix.size());
  if (!all_digits(stem)) {
    return {};  // "notes.sst" is not the engine's business
  }
  std::uint64_t id = 0;
  const auto [end, error] = std::from_chars(stem.data(), stem.data() + stem.size(), id);
  const bool canonical = error == std::errc() && end == stem.data() + stem.size() &&
                         (stem.size() == 1 || stem.front() != '0') && id <= kMaxFileId;
  return {.kind = canonical ? FileKind::kSst : FileKind::kBadSst, .id = canonical ? id : 0};
}

}  // namespace mini_lsm
