// ./x crash-test: what one round's recovered database must hold, given what the killed writer
// had acknowledged. The process handling is in cmd_crash_test.cpp; these are the checks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xtask {

/// The key and the value of write `index` of a round's history: "key_000042" = "value_000042".
/// Zero-padded, so that a scan lists the keys in the order they were written.
std::string crash_key(std::uint64_t index);
std::string crash_value(std::uint64_t index);

/// The entries a `mini-lsm-cli ... <<< scan` printed: its "KEY=VALUE" lines up to "N keys".
/// Lines of stderr mixed in ("recovered: ...") are skipped. nullopt when the output has no
/// "N keys" line or N is not the number of entries (the scan failed: the output says why).
std::optional<std::map<std::string, std::string>> parse_scan_output(std::string_view output);

/// What a round found after the reopen.
struct RoundVerdict {
  /// Writes of the history found (with their values).
  std::uint64_t present = 0;
  /// Writes that had to survive and are missing or have another value.
  std::uint64_t lost = 0;
  /// Why the state is wrong, one line each; empty when it is right.
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

/// Checks the recovered entries against a history of `sent` writes (write i put crash_key(i) =
/// crash_value(i)), of which the first `must_survive` were promised durable (acknowledged with
/// --wal-sync always; covered by an acknowledged sync with manual). Right means: every key is one
/// of the history's with its value, the keys found are writes 0..n-1 for some n (a prefix of the
/// history: the log keeps the order of writes), and n >= must_survive.
RoundVerdict check_recovered(const std::map<std::string, std::string>& found, std::uint64_t sent,
                             std::uint64_t must_survive);

/// --batch (week 2 day 7): every batch of a round's history writes the same generation marker,
/// crash_value(g) for batch g, to crash_key(g) and to each of kBatchSlots shared keys; a recovered
/// slot whose marker differs from the others' is a batch kept in part.
inline constexpr int kBatchSlots = 4;
/// "slot_2": a key that every batch writes.
std::string batch_slot_key(int slot);
/// The CLI line of batch `generation`: "batch put key_000007 value_000007 put slot_0 value_000007
/// ..." (kBatchSlots + 1 writes).
std::string batch_command(std::uint64_t generation);

/// check_recovered() for a history of `sent` batches, the first `must_survive` of them promised
/// durable: the batches' own keys must be a prefix 0..n-1 of the history with n >= must_survive,
/// and every slot must hold the marker of batch n-1 (or none, when n is 0): a slot of another
/// generation, or a slot missing while others are there, is a torn batch.
RoundVerdict check_recovered_batches(const std::map<std::string, std::string>& found,
                                     std::uint64_t sent, std::uint64_t must_survive);

/// The chapter ("w2d6") a NotImplemented message names ("... (look for TODO(w2d6) in your
/// tree)"); nullopt for any other text.
std::optional<std::string> missing_chapter(std::string_view message);

}  // namespace xtask
