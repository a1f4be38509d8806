#include "status.hpp"

#include <algorithm>
#include <chrono>

#include "text.hpp"

namespace xtask {
namespace {

// How many names of failing tests the status shows; ./x scheck shows all of them.
constexpr std::size_t kFailingNamesShown = 3;

std::string plural(int count, const std::string& word) {
  return std::to_string(count) + " " + word + (count == 1 ? "" : "s");
}

/// "./x copy-test --week 1 --day 2" (with the tree's flag).
std::string copy_command(Chapter chapter, const std::string& tree_flag) {
  return "./x copy-test --week " + std::to_string(chapter.week) + " --day " +
         std::to_string(chapter.day) + tree_flag;
}

/// "src/memtable.cpp" for one file, "src/a.cpp (2) and src/b.cpp (1)" for several.
std::string describe_files(const std::vector<TodoFile>& files) {
  if (files.size() == 1) {
    return files.front().file.string();
  }
  std::vector<std::string> parts;
  for (const auto& file : files) {
    parts.push_back(file.file.string() + " (" + std::to_string(file.count) + ")");
  }
  std::string last = parts.back();
  parts.pop_back();
  return join(parts, ", ") + " and " + last;
}

/// What to do about the first copied chapter that does not pass.
std::string fix_chapter(const ChapterRow& row, const std::string& scheck) {
  const std::string id = row.chapter.id();
  switch (row.state) {
    case ChapterState::not_run:
      return "run the tests you copied: " + scheck;
    case ChapterState::build_failed:
      return "make your tree compile: " + scheck + " shows the compiler errors; fix the first one";
    case ChapterState::no_results:
      return scheck + " found no results for the tests of " + id +
             ": run it and read what CTest says";
    case ChapterState::failing:
      if (row.todo_count() > 0) {
        return "implement the " + std::to_string(row.todo_count()) + " TODO(" + id + ") in " +
               describe_files(row.todos) + ", then " + scheck;
      }
      return "every TODO(" + id + ") is gone, but tests of " + id + " fail: " + scheck +
             " shows what they expected; fix that, then " + scheck;
    case ChapterState::not_copied:
    case ChapterState::passing:
      break;
  }
  return scheck;
}

const ChapterRow* first_not_passing(const std::vector<ChapterRow>& rows) {
  auto it = std::find_if(rows.begin(), rows.end(), [](const ChapterRow& row) {
    return row.copied() && row.state != ChapterState::passing;
  });
  return it == rows.end() ? nullptr : &*it;
}

/// The chapter to copy next: the first one not copied after the last copied one, else (the last
/// chapter is copied) the first one not copied at all; nullptr when every chapter is copied.
const ChapterRow* next_to_copy(const std::vector<ChapterRow>& rows) {
  auto last_copied =
      std::find_if(rows.rbegin(), rows.rend(), [](const ChapterRow& row) { return row.copied(); });
  auto after = last_copied == rows.rend() ? rows.begin() : last_copied.base();
  auto not_copied = [](const ChapterRow& row) { return !row.copied(); };
  auto it = std::find_if(after, rows.end(), not_copied);
  if (it == rows.end()) {
    it = std::find_if(rows.begin(), rows.end(), not_copied);
  }
  return it == rows.end() ? nullptr : &*it;
}

std::string describe_label(const RecordedLabel& label) {
  if (!label.counts) {
    return "no results";
  }
  if (label.counts->all_passed()) {
    return "passing (" + plural(label.counts->total(), "test") + ")";
  }
  return "failing " + std::to_string(label.counts->failed) + " of " +
         std::to_string(label.counts->total());
}

bool provided_fail(const ScheckRecord* record) {
  const RecordedLabel* provided = record ? record->find("provided") : nullptr;
  return provided && !(provided->counts && provided->counts->all_passed());
}

/// The line about the last scheck: when it ran and what it could not do.
std::string results_line(const ScheckRecord* record, std::filesystem::file_time_type now) {
  if (!record) {
    return "no ./x scheck results for this tree yet";
  }
  std::string line = "last ./x scheck, started " + describe_age(now - record->started) + ": ";
  line += record->build_ok ? "the build succeeded" : "the build FAILED";
  if (record->format == FormatResult::unformatted) {
    line += ", formatting FAILED";
  }
  return line;
}

/// The first failing tests of `row`, one a line: what the learner works on now.
std::string failing_lines(const ChapterRow& row) {
  std::size_t shown = std::min(row.failing_tests.size(), kFailingNamesShown);
  std::string text = "failing in " + row.chapter.id() + ":\n";
  for (std::size_t i = 0; i < shown; ++i) {
    text += "  " + row.failing_tests[i] + "\n";
  }
  if (row.failing_tests.size() > shown) {
    text += "  and " + std::to_string(row.failing_tests.size() - shown) + " more\n";
  }
  return text;
}

}  // namespace

int ChapterRow::todo_count() const {
  int count = 0;
  for (const auto& file : todos) {
    count += file.count;
  }
  return count;
}

ChapterRow chapter_row(Chapter chapter, std::string title, bool copied, const ScheckRecord* record,
                       const TodoMap& todos) {
  ChapterRow row{.chapter = chapter, .title = std::move(title)};
  if (auto it = todos.find(chapter); it != todos.end()) {
    row.todos = it->second;
  }
  if (!copied) {
    row.state = ChapterState::not_copied;
    return row;
  }
  bool ran = record && std::find(record->copied.begin(), record->copied.end(), chapter) !=
                           record->copied.end();
  if (!ran) {
    row.state = ChapterState::not_run;
    return row;
  }
  if (!record->build_ok) {
    row.state = ChapterState::build_failed;
    return row;
  }
  const RecordedLabel* label = record->find(chapter.id());
  if (!label || !label->counts || label->counts->total() == 0) {
    row.state = ChapterState::no_results;
    return row;
  }
  row.failed = label->counts->failed;
  row.total = label->counts->total();
  row.failing_tests = label->failing;
  row.state = row.failed == 0 ? ChapterState::passing : ChapterState::failing;
  return row;
}

std::string describe_state(const ChapterRow& row) {
  switch (row.state) {
    case ChapterState::not_copied:
      return "tests not copied";
    case ChapterState::not_run:
      return "copied, not run yet";
    case ChapterState::build_failed:
      return "copied, build failed";
    case ChapterState::no_results:
      return "copied, no results";
    case ChapterState::failing:
      return "copied, failing " + std::to_string(row.failed) + " of " + std::to_string(row.total);
    case ChapterState::passing:
      break;
  }
  return "passing (" + plural(row.total, "test") + ")";
}

std::optional<std::string> stale_reason(const ScheckRecord& record,
                                        const std::vector<Chapter>& copied_now,
                                        const std::optional<ChangedFile>& newest) {
  std::vector<Chapter> copied_since;
  for (const auto& chapter : copied_now) {
    if (std::find(record.copied.begin(), record.copied.end(), chapter) == record.copied.end()) {
      copied_since.push_back(chapter);
    }
  }
  if (!copied_since.empty()) {
    return "older than the copy of the tests of " + describe_chapters(copied_since);
  }
  if (newest && newest->when > record.started) {
    std::string file = newest->file.generic_string();
    if (file.starts_with("tests/")) {
      return "older than the copy of " + file;
    }
    return "older than your last edit of " + file;
  }
  return std::nullopt;
}

std::string describe_age(std::filesystem::file_time_type::duration age) {
  using std::chrono::duration_cast;
  auto seconds = duration_cast<std::chrono::seconds>(age).count();
  if (seconds < 1) {
    return "just now";
  }
  if (seconds < 120) {
    return plural(static_cast<int>(seconds), "second") + " ago";
  }
  if (seconds < 2 * 3600) {
    return plural(static_cast<int>(seconds / 60), "minute") + " ago";
  }
  if (seconds < 2 * 86400) {
    return plural(static_cast<int>(seconds / 3600), "hour") + " ago";
  }
  return plural(static_cast<int>(seconds / 86400), "day") + " ago";
}

std::string next_step(const std::vector<ChapterRow>& rows, const ScheckRecord* record,
                      const std::string& tree_flag) {
  const std::string scheck = "./x scheck" + tree_flag;
  if (std::none_of(rows.begin(), rows.end(), [](const ChapterRow& row) { return row.copied(); })) {
    if (rows.empty()) {
      return "nothing to do: the course has no chapters yet";
    }
    return "copy the tests of the first chapter: " + copy_command(rows.front().chapter, tree_flag);
  }
  if (const ChapterRow* current = first_not_passing(rows)) {
    return fix_chapter(*current, scheck);
  }
  if (record && record->format == FormatResult::unformatted) {
    std::string fix =
        record->format_fix.empty() ? "clang-format -i <the files it names>" : record->format_fix;
    return "format your code (" + fix + "), then " + scheck;
  }
  if (provided_fail(record)) {
    return "the provided tests fail: " + scheck +
           " shows which; they test code the course gives you, so undo your changes there";
  }
  if (const ChapterRow* next = next_to_copy(rows)) {
    return "copy the tests of " + next->chapter.id() +
           (next->title.empty() ? "" : " (" + next->title + ")") + ": " +
           copy_command(next->chapter, tree_flag);
  }
  std::string test_flag = tree_flag.empty() ? " --tree starter" : tree_flag;
  return "nothing: every chapter passes. Congratulations! ./x test" + test_flag +
         " runs the official tests, the check that counts";
}

std::string render_status(const StatusInput& input) {
  // Results of another tree that shares the build folder's name say nothing about this one.
  const ScheckRecord* record =
      input.record && input.record->tree == input.tree ? &*input.record : nullptr;
  std::vector<ChapterRow> rows;
  for (const auto& [chapter, title] : input.chapters) {
    bool copied =
        std::find(input.copied.begin(), input.copied.end(), chapter) != input.copied.end();
    rows.push_back(chapter_row(chapter, title, copied, record, input.todos));
  }
  auto passing = std::count_if(rows.begin(), rows.end(), [](const ChapterRow& row) {
    return row.state == ChapterState::passing;
  });
  auto copied =
      std::count_if(rows.begin(), rows.end(), [](const ChapterRow& row) { return row.copied(); });

  std::string text = "status of " + input.tree_display + ": " + std::to_string(copied) + " of " +
                     plural(static_cast<int>(rows.size()), "chapter") + " copied, " +
                     std::to_string(passing) + " passing\n";
  text += results_line(record, input.now) + "\n\n";

  std::vector<std::vector<std::string>> table = {{"chapter", "tests", "TODOs left", "title"}};
  for (const auto& row : rows) {
    table.push_back(
        {row.chapter.id(), describe_state(row), std::to_string(row.todo_count()), row.title});
  }
  if (const RecordedLabel* provided = record ? record->find("provided") : nullptr) {
    table.push_back({"provided", describe_label(*provided), "", "the tests of the given code"});
  }
  text += format_table(table) + "\n";

  const ChapterRow* current = first_not_passing(rows);
  if (current && !current->failing_tests.empty()) {
    text += failing_lines(*current);
  }
  if (record) {
    if (auto reason = stale_reason(*record, input.copied, input.newest)) {
      text += "these results are " + *reason + ": run ./x status --run" + input.tree_flag +
              " or ./x scheck" + input.tree_flag + "\n";
    }
  }
  text += "next: " + next_step(rows, record, input.tree_flag) + "\n";
  return text;
}

}  // namespace xtask
