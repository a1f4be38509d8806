// The tiered compaction controller (week 2 day 3): which adjacent tiers to merge, and the tree
// after the merge. The rules, and why they are what they are, are in week2/day3-tiered/README.md.
#include "mini_lsm/compaction/tiered.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

// @lesson w2d3 solution-only
namespace {

// Every compaction merges at least two tiers, so that each one leaves fewer tiers behind: a
// "merge" of a single tier would give back the same tier, and the controller would propose it
// again forever.
constexpr std::size_t kFewestTiersToMerge = 2;

// The bytes of every tier, in the order of `state.levels` (newest first).
std::vector<std::uint64_t> tier_sizes(const LsmState& state) {
  std::vector<std::uint64_t> sizes;
  for (const Level& tier : state.levels) {
    std::uint64_t bytes = 0;
    for (const std::size_t id : tier.sst_ids) {
      bytes += state.sstables.at(id)->file_size();
    }
    sizes.push_back(bytes);
  }
  return sizes;
}

// Rule 1: the tiers above the last one hold at least max_size_amplification_percent % of the
// last one's bytes. The last tier holds (almost) every key once; what lies above it is, at worst,
// older copies of the same keys, so this is how much space the tree may be wasting.
bool space_amplification_too_high(const std::vector<std::uint64_t>& sizes,
                                  const TieredCompactionOptions& options) {
  std::uint64_t above_last = 0;
  for (std::size_t index = 0; index + 1 < sizes.size(); ++index) {
    above_last += sizes[index];
  }
  return above_last * 100 >= options.max_size_amplification_percent * sizes.back();
}

// Rule 2: how many of the newest tiers are alike in size. Starting with the newest tier, the next
// tier joins while it is at most (100 + size_ratio) % of all the tiers picked so far together,
// and at most `widest` tiers are picked.
std::size_t similar_newest_tiers(const std::vector<std::uint64_t>& sizes, std::size_t size_ratio,
                                 std::size_t widest) {
  std::size_t picked = 1;
  std::uint64_t picked_bytes = sizes.front();
  // Compared in whole numbers (no division), so that a tie is exact.
  while (picked < widest && picked < sizes.size() &&
         picked_bytes * (100 + size_ratio) >= sizes[picked] * 100) {
    picked_bytes += sizes[picked];
    ++picked;
  }
  return picked;
}

// The task merging the `count` newest tiers.
TieredCompactionTask merge_newest(const std::vector<Level>& tiers, std::size_t count) {
  return TieredCompactionTask{{tiers.begin(), tiers.begin() + static_cast<std::ptrdiff_t>(count)},
                              count == tiers.size()};
}

}  // namespace
// @lesson end

std::optional<CompactionTask> TieredCompactionController::generate_task(
    const LsmState& state) const {
  // @lesson w2d3 TieredCompactionController::generate_task: nothing while there are fewer than
  //   num_tiers tiers (and never fewer than 2). Size each tier as the sum of its SSTs' file_size().
  //   (1) If the tiers above the last hold at least max_size_amplification_percent % of the last
  //   one's bytes, merge every tier. (2) Else pick the newest tier and add the next one while it
  //   is at most (100 + size_ratio) % of the picked tiers together (at most max_merge_width tiers,
  //   0 = no limit); if at least min_merge_width (and 2) were picked, merge them. (3) Else merge
  //   the newest count - num_tiers + 2 tiers (at most max_merge_width, at least 2). Set
  //   bottom_tier_included when the last tier is among them
  const std::vector<Level>& tiers = state.levels;
  const std::size_t trigger = std::max(options_.num_tiers, kFewestTiersToMerge);
  if (tiers.size() < trigger) {
    return std::nullopt;
  }
  const std::vector<std::uint64_t> sizes = tier_sizes(state);
  if (space_amplification_too_high(sizes, options_)) {
    return merge_newest(tiers, tiers.size());
  }
  // max_merge_width bounds rules 2 and 3, but never below the two tiers any merge needs.
  const std::size_t widest = options_.max_merge_width == 0
                                 ? tiers.size()
                                 : std::max(options_.max_merge_width, kFewestTiersToMerge);
  const std::size_t similar = similar_newest_tiers(sizes, options_.size_ratio, widest);
  if (similar >= std::max(options_.min_merge_width, kFewestTiersToMerge)) {
    return merge_newest(tiers, similar);
  }
  // Too many sorted runs, but no tiers alike: merge just enough of the newest tiers to get back
  // to num_tiers - 1, so that the next flush does not find the tree over the limit again.
  const std::size_t excess = tiers.size() - trigger + kFewestTiersToMerge;
  return merge_newest(tiers, std::min(excess, widest));
  // @lesson end
}

AppliedCompaction TieredCompactionController::apply_result(const LsmState& state,
                                                           const CompactionTask& task,
                                                           const std::vector<std::size_t>& output,
                                                           bool /*in_recovery*/) const {
  // @lesson w2d3 TieredCompactionController::apply_result: throw InvalidArgument unless the task is
  //   a TieredCompactionTask whose tiers still stand in `state.levels`, adjacent and unchanged
  //   (and last, if it claims the bottom tier); replace them, where they stood, by one tier with
  //   id output.front() holding `output` (by nothing when `output` is empty); tiers flushed since
  //   stay in front. The removed SSTs are every SST of the taken tiers. Use only ids (recovery)
  const auto* tiered = std::get_if<TieredCompactionTask>(&task);
  if (tiered == nullptr || tiered->tiers.empty()) {
    throw InvalidArgument("not a task of the tiered controller: " + describe(task));
  }
  const std::vector<Level>& taken = tiered->tiers;
  const std::vector<Level>& tiers = state.levels;
  // Tier ids are unique (each is the id of an SST the tier holds), so the first tier is found by
  // its id; the others must follow it, exactly as the task saw them.
  const auto first = std::find_if(tiers.begin(), tiers.end(),
                                  [&](const Level& tier) { return tier.id == taken.front().id; });
  const auto after_first = static_cast<std::size_t>(tiers.end() - first);
  if (after_first < taken.size() || !std::equal(taken.begin(), taken.end(), first)) {
    throw InvalidArgument("the tiers of " + describe(task) + " are no longer in the tree");
  }
  if (tiered->bottom_tier_included && after_first != taken.size()) {
    throw InvalidArgument(describe(task) + " dropped tombstones, but its tiers are no longer last");
  }

  AppliedCompaction applied{state, {}};
  for (const Level& tier : taken) {
    applied.removed_sst_ids.insert(applied.removed_sst_ids.end(), tier.sst_ids.begin(),
                                   tier.sst_ids.end());
  }
  std::vector<Level>& next = applied.state.levels;
  const auto begin = next.begin() + (first - tiers.begin());
  const auto where = next.erase(begin, begin + static_cast<std::ptrdiff_t>(taken.size()));
  if (!output.empty()) {
    next.insert(where, Level{output.front(), output});
  }
  return applied;
  // @lesson end
}

}  // namespace mini_lsm
