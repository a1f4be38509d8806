#include "format.hpp"

#include <algorithm>
#include <iostream>

#include "fsutil.hpp"
#include "process.hpp"

namespace xtask {

std::vector<fs::path> source_files(const std::vector<fs::path>& dirs,
                                   const std::vector<std::string>& skip_top) {
  std::vector<fs::path> files;
  for (const auto& dir : dirs) {
    for (const auto& file : list_files(dir, skip_top)) {
      if (file.extension() == ".hpp" || file.extension() == ".cpp") {
        files.push_back(dir / file);
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<fs::path> files_with_complaints(std::string_view output,
                                            const std::vector<fs::path>& files) {
  std::vector<fs::path> found;
  for (const auto& file : files) {
    if (output.find(file.string() + ":") != std::string_view::npos) {
      found.push_back(file);
    }
  }
  return found;
}

std::string format_fix_command(const std::vector<fs::path>& files, const fs::path& style_file,
                               const fs::path& cwd) {
  std::string fix = "clang-format -i";
  bool style_found = std::all_of(files.begin(), files.end(), [&](const fs::path& file) {
    return is_within(file, style_file.parent_path());
  });
  if (!style_found) {
    fix += " --style=file:" + style_file.string();
  }
  for (const auto& file : files) {
    fs::path relative = file.lexically_proximate(cwd);
    fix += " " + (relative.string().starts_with("..") ? file : relative).string();
  }
  return fix;
}

std::string format_failure_summary(const FormatReport& report, const fs::path& cwd) {
  std::string text = "error: formatting failed: " + std::to_string(report.unformatted.size()) +
                     (report.unformatted.size() == 1 ? " file needs" : " files need") +
                     " clang-format (its complaints are further up):\n";
  for (const auto& file : report.unformatted) {
    fs::path relative = file.lexically_proximate(cwd);
    text += "  " + (relative.string().starts_with("..") ? file : relative).string() + "\n";
  }
  return text + "fix them with:\n  " + report.fix + "\n";
}

FormatReport check_format(const std::vector<fs::path>& files, const fs::path& style_file) {
  if (!find_program("clang-format")) {
    std::cout << "note: clang-format is not installed, so formatting was not checked\n";
    return {.result = FormatResult::skipped};
  }
  if (files.empty()) {
    return {};
  }
  std::vector<std::string> argv = {"clang-format", "--dry-run", "--Werror",
                                   "--style=file:" + style_file.string()};
  for (const auto& file : files) {
    argv.push_back(file.string());
  }
  auto result = run({.argv = argv, .output = Output::capture});
  if (result.ok()) {
    std::cout << "formatting: " << files.size() << " files clean\n";
    return {};
  }
  std::cout << result.output;
  FormatReport report{.result = FormatResult::unformatted,
                      .unformatted = files_with_complaints(result.output, files)};
  report.fix = format_fix_command(report.unformatted.empty() ? files : report.unformatted,
                                  style_file, fs::current_path());
  std::cout << "error: some files are not formatted; fix them with:\n  " << report.fix << "\n";
  return report;
}

}  // namespace xtask
