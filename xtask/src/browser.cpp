#include "browser.hpp"

#include <future>

#include <unistd.h>

#include "fsutil.hpp"
#include "process.hpp"

namespace xtask {
namespace {

// A checker page of a few hundred pages takes about half a minute; a Chromium that hangs (a
// page that never finishes loading) is stopped well after that.
constexpr const char* kTimeLimitSeconds = "150";

/// The command line shared by every run: headless, with its own profile and log file, allowed
/// to read the book's files from a file: page (the checker reads its iframes' documents).
std::vector<std::string> chromium_argv(const fs::path& chromium, const fs::path& profile,
                                       const fs::path& log) {
  std::vector<std::string> argv;
  if (find_program("timeout")) {
    argv = {"timeout", "--kill-after=5", kTimeLimitSeconds};
  }
  argv.insert(argv.end(), {chromium.string(), "--headless", "--disable-gpu", "--no-first-run",
                           "--allow-file-access-from-files", "--user-data-dir=" + profile.string(),
                           "--enable-logging", "--log-file=" + log.string()});
  if (::geteuid() == 0) {
    argv.emplace_back("--no-sandbox");  // Chromium refuses to start as root with its sandbox
  }
  return argv;
}

std::string read_if_there(const fs::path& file) {
  std::error_code ec;
  return fs::is_regular_file(file, ec) ? read_file(file) : std::string();
}

BrowserRun dump_dom(const fs::path& chromium, const std::string& url, const fs::path& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto argv = chromium_argv(chromium, dir / "profile", dir / "chromium.log");
  argv.insert(argv.end(), {"--dump-dom", url});
  // Chromium's stderr (D-Bus and GPU notices) is mixed into the DOM dump; the checker's report
  // is found in it by its <pre id="report">.
  Result result = run({.argv = argv, .output = Output::capture});
  return {.ok = result.ok(),
          .dom = result.output,
          .log = read_if_there(dir / "chromium.log"),
          .output = result.output};
}

}  // namespace

std::optional<fs::path> find_chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    if (auto program = find_program(name)) {
      return program;
    }
  }
  return std::nullopt;
}

std::vector<BrowserRun> dump_doms(const fs::path& chromium, const std::vector<std::string>& urls,
                                  const fs::path& work_dir) {
  std::vector<std::future<BrowserRun>> running;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    fs::path dir = work_dir / ("run-" + std::to_string(i + 1));
    running.push_back(std::async(std::launch::async, dump_dom, chromium, urls[i], dir));
  }
  std::vector<BrowserRun> runs;
  for (auto& run : running) {
    runs.push_back(run.get());
  }
  return runs;
}

bool screenshot(const fs::path& chromium, const std::string& url, const fs::path& png,
                const fs::path& work_dir) {
  fs::remove_all(work_dir);
  fs::create_directories(work_dir);
  fs::create_directories(png.parent_path());
  fs::remove(png);
  auto argv = chromium_argv(chromium, work_dir / "profile", work_dir / "chromium.log");
  argv.insert(
      argv.end(),
      {"--hide-scrollbars", "--window-size=1280,900", "--screenshot=" + png.string(),
       // time for the pages' scripts to draw the navigation tree before the picture is taken
       "--virtual-time-budget=3000", url});
  bool ran = run({.argv = argv, .output = Output::discard}).ok();
  std::error_code ec;
  return ran && fs::is_regular_file(png, ec) && fs::file_size(png, ec) > 0;
}

}  // namespace xtask
