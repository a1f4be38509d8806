// Headless Chromium, for ./x book --check: the pages it renders and the screenshots it takes.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace xtask {

namespace fs = std::filesystem;

/// Chromium's program (Debian: chromium), or nullopt when none is installed.
std::optional<fs::path> find_chromium();

/// What one headless Chromium printed and logged.
struct BrowserRun {
  bool ok = false;     ///< exited 0 within its time limit
  std::string dom;     ///< --dump-dom: the page's DOM after its load event
  std::string log;     ///< Chromium's log file, which holds the pages' console messages
  std::string output;  ///< everything else it printed, for when it failed
};

/// Opens each page (file: URLs, each a checker page) in its own headless Chromium, all at once,
/// and returns what each dumped and logged. `work_dir` receives their profiles and logs.
std::vector<BrowserRun> dump_doms(const fs::path& chromium, const std::vector<std::string>& urls,
                                  const fs::path& work_dir);

/// Writes a PNG screenshot of `url` as a 1280x900 window shows it. True when it was written.
bool screenshot(const fs::path& chromium, const std::string& url, const fs::path& png,
                const fs::path& work_dir);

}  // namespace xtask
