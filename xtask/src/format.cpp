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

FormatResult check_format(const std::vector<fs::path>& files, const fs::path& style_file) {
  if (!find_program("clang-format")) {
    std::cout << "note: clang-format is not installed, so formatting was not checked\n";
    return FormatResult::skipped;
  }
  if (files.empty()) {
    return FormatResult::clean;
  }
  std::vector<std::string> argv = {"clang-format", "--dry-run", "--Werror",
                                   "--style=file:" + style_file.string()};
  for (const auto& file : files) {
    argv.push_back(file.string());
  }
  auto result = run({.argv = argv, .output = Output::capture});
  if (result.ok()) {
    std::cout << "formatting: " << files.size() << " files clean\n";
    return FormatResult::clean;
  }
  std::cout << result.output;
  std::string fix = "clang-format -i";
  for (const auto& file : files) {
    if (result.output.find(file.string() + ":") != std::string::npos) {
      fix += " " + file.lexically_proximate(fs::current_path()).string();
    }
  }
  std::cout << "error: some files are not formatted; fix them with:\n  " << fix << "\n";
  return FormatResult::unformatted;
}

}  // namespace xtask
