// book: the course book (chapter pages + API reference) built with Doxygen.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <stdexcept>

#include "book.hpp"
#include "book_check.hpp"
#include "book_figures.hpp"
#include "book_snippets.hpp"
#include "browser.hpp"
#include "commands.hpp"
#include "fsutil.hpp"
#include "packages.hpp"
#include "process.hpp"
#include "text.hpp"

namespace xtask {
namespace {

/// The book's tools that are not installed, as packages.
std::vector<Package> missing_book_tools() {
  std::vector<Package> missing;
  if (!find_program("doxygen")) {
    missing.push_back({"doxygen", "doxygen"});
  }
  if (!find_program("dot")) {
    missing.push_back({"graphviz", "graphviz"});
  }
  if (!find_theme_dir()) {
    missing.push_back({"doxygen-awesome-css", ""});
  }
  return missing;
}

/// Installs missing book tools where we can; prints the command to run where we cannot.
bool ensure_book_tools() {
  auto missing = missing_book_tools();
  if (missing.empty()) {
    return true;
  }
  install_packages(missing);
  missing = missing_book_tools();
  if (missing.empty()) {
    return true;
  }
  std::cout << "error: the book needs doxygen, graphviz and doxygen-awesome-css; install them with:"
            << "\n  " << install_command(missing, detect_platform()) << "\n";
  return false;
}

/// compaction-simulator built from reference/ where ./x test builds it (build/reference), or
/// nullopt after printing why it could not be built.
std::optional<fs::path> build_reference_simulator(const Repo& repo) {
  EngineBuild build = official_suite_build(repo, repo.reference(), "");
  std::cout << "book: building compaction-simulator in " << repo.display(build.build_dir)
            << " for the figures of the compaction chapters\n";
  if (!configure_engine(repo.root(), build)) {
    return std::nullopt;
  }
  if (auto built = build_targets(build.build_dir, {"compaction-simulator"}, Output::capture);
      !built.ok()) {
    std::cout << built.output << "error: compaction-simulator does not build\n";
    return std::nullopt;
  }
  return build.build_dir / "compaction-simulator";
}

/// Compares a figure made for the book with the copy committed beside its page (which GitHub
/// shows), or with --update-figures replaces the copy. False when they differ.
bool committed_copy_matches(const Repo& repo, const fs::path& copy, const std::string& made,
                            bool update) {
  std::error_code ec;
  std::string committed = fs::is_regular_file(copy, ec) ? read_file(copy) : std::string();
  if (committed == made) {
    return true;
  }
  if (update) {
    write_if_changed(copy, made);
    std::cout << "book: updated " << repo.display(copy) << "\n";
    return true;
  }
  auto committed_by = graphviz_version(committed);
  auto made_by = graphviz_version(made);
  if (committed_by && made_by && committed_by != made_by) {
    // Another Graphviz lays out differently: the book uses its own render, the copy is not judged.
    std::cout << "note: " << repo.display(copy) << " was rendered by Graphviz " << *committed_by
              << ", this is " << *made_by << ": not compared\n";
    return true;
  }
  std::cout << "error: " << repo.display(copy)
            << (committed.empty() ? " is missing" : " differs from what its source makes")
            << ": run ./x book --update-figures and commit it\n";
  return false;
}

/// Makes every chapter's figures into the staged pages: each .dot rendered by Graphviz, each
/// simulator figure a page asks for drawn from compaction-simulator --chart. The committed
/// copies must equal them (or are updated). False when a figure could not be made or differs.
bool make_figures(const Repo& repo, const fs::path& pages, bool update) {
  bool ok = true;
  std::optional<fs::path> simulator;
  int made = 0;
  for (const auto& page : discover_chapter_pages(repo.root())) {
    for (const auto& file : list_files(repo.root() / page.dir)) {
      if (file.extension() != ".dot") {
        continue;
      }
      fs::path svg = fs::path(file).replace_extension(".svg");
      auto rendered = run({.argv = {"dot", "-Tsvg", (repo.root() / page.dir / file).string(), "-o",
                                    (pages / page.dir / svg).string()},
                           .output = Output::capture});
      if (!rendered.ok()) {
        std::cout << rendered.output << "error: dot could not render "
                  << (page.dir / file).generic_string() << "\n";
        ok = false;
        continue;
      }
      ok = committed_copy_matches(repo, repo.root() / page.dir / svg,
                                  read_file(pages / page.dir / svg), update) &&
           ok;
      ++made;
    }
    auto figures = simulator_figures(read_file(repo.root() / page.dir / "README.md"));
    for (const auto& figure : figures) {
      if (!simulator && !(simulator = build_reference_simulator(repo))) {
        return false;
      }
      std::vector<std::string> argv = {simulator->string()};
      argv.insert(argv.end(), figure.args.begin(), figure.args.end());
      argv.emplace_back("--chart");
      auto chart = run({.argv = argv, .output = Output::capture, .merge_stderr = false});
      if (!chart.ok()) {
        std::cout << chart.output << "error: compaction-simulator " << join(figure.args)
                  << " failed (a figure of " << page.dir.generic_string() << ")\n";
        ok = false;
        continue;
      }
      std::string svg = chart_svg(chart.output);
      write_if_changed(pages / page.dir / figure.svg, svg);
      ok = committed_copy_matches(repo, repo.root() / page.dir / figure.svg, svg, update) && ok;
      ++made;
    }
  }
  std::cout << "book: made " << made << " figures\n";
  return ok;
}

// Chromium runs at once, each checking every kCheckerRuns-th page. A page costs a Chromium about
// 0.1 s of mostly one renderer thread, so one run per core is fastest: measured on 2 busy cores,
// the 455 pages took 37 s with 2 runs, 54 s with 4 and 71 s with 6; 1 run took 66 s for 345.
constexpr std::size_t kCheckerRuns = 2;

/// Chromium, installed when missing and we can; nullopt after saying how to install it.
std::optional<fs::path> ensure_chromium() {
  if (auto chromium = find_chromium()) {
    return chromium;
  }
  std::vector<Package> chromium = {{"chromium", ""}};
  install_packages(chromium);
  if (auto found = find_chromium()) {
    return found;
  }
  std::cout << "error: ./x book --check needs Chromium; install it with:\n  "
            << install_command(chromium, detect_platform()) << "\n";
  return std::nullopt;
}

/// Every HTML page of the built book (search/ included), sorted.
std::vector<fs::path> book_html_pages(const fs::path& html_dir) {
  std::vector<fs::path> pages;
  for (const auto& file : list_files(html_dir)) {
    if (file.extension() == ".html") {
      pages.push_back(html_dir / file);
    }
  }
  return pages;
}

/// Writes the checker pages (kCheckerRuns of them, each with every kCheckerRuns-th page) and
/// book/check.js into `check_dir`; returns their file: URLs.
std::vector<std::string> write_checker_pages(const Repo& repo, const std::vector<fs::path>& pages,
                                             const fs::path& check_dir) {
  fs::remove_all(check_dir);
  fs::create_directories(check_dir);
  fs::copy_file(repo.root() / "book" / "check.js", check_dir / "check.js");
  std::vector<std::string> urls;
  for (std::size_t part = 0; part < std::min(kCheckerRuns, pages.size()); ++part) {
    std::vector<fs::path> share;
    for (std::size_t i = part; i < pages.size(); i += kCheckerRuns) {
      share.push_back(pages[i]);
    }
    fs::path checker = check_dir / ("part-" + std::to_string(part + 1) + ".html");
    write_if_changed(checker, checker_page(share, "check.js"));
    urls.push_back(file_url(checker));
  }
  return urls;
}

/// Opens every page of the built book in headless Chromium and reports what is wrong; writes the
/// screenshots of the start page and the WAL chapter.
int check_book(const Repo& repo, const fs::path& out) {
  auto chromium = ensure_chromium();
  if (!chromium) {
    return kExitFailed;
  }
  const auto start = std::chrono::steady_clock::now();
  const fs::path html = out / "html";
  const auto pages = book_html_pages(html);
  std::cout << "book --check: opening " << pages.size() << " pages in " << kCheckerRuns
            << " headless Chromium runs\n";
  const auto runs =
      dump_doms(*chromium, write_checker_pages(repo, pages, out / "check"), out / "check");

  // Every run's reports are judged together: a link's #anchor may be on a page another run read.
  std::vector<BookProblem> problems;
  std::vector<PageReport> reports;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    bool finished = false;
    auto found = parse_check_report(runs[i].dom, finished);
    reports.insert(reports.end(), found.begin(), found.end());
    if (!finished || !runs[i].ok) {
      // The output holds the whole DOM dump; its end says why Chromium stopped.
      const std::string& output = runs[i].output;
      std::cout << output.substr(output.size() - std::min<std::size_t>(output.size(), 3000))
                << "\n";
      problems.push_back({"part-" + std::to_string(i + 1) + ".html",
                          "Chromium stopped before the checker finished (the end of its output "
                          "is above)"});
    }
    auto console = console_problems(runs[i].log, html);
    problems.insert(problems.end(), console.begin(), console.end());
  }
  auto found = report_problems(reports, html);
  problems.insert(problems.end(), found.begin(), found.end());
  const std::size_t checked = reports.size();

  const fs::path shots = out / "screenshots";
  for (const auto& [page, png] :
       {std::pair{"index.html", "start.png"}, {"w2d6.html", "wal-chapter.png"}}) {
    if (!screenshot(*chromium, file_url(html / page), shots / png, out / "check" / "screenshot")) {
      problems.push_back(
          {page, std::string("no screenshot was written to ") + repo.display(shots / png)});
    }
  }

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const auto& problem : problems) {
    std::cout << "  " << problem.page << ": " << problem.what << "\n";
  }
  std::cout << "book --check: " << checked << " of " << pages.size() << " pages checked in "
            << static_cast<int>(seconds + 0.5) << " s, " << problems.size() << " problems; "
            << "screenshots in " << repo.display(shots) << "\n";
  if (problems.empty() && checked == pages.size()) {
    return kExitOk;
  }
  std::cout << "error: the book has problems (listed above)\n";
  return kExitFailed;
}

}  // namespace

bool sync_page_snippets(const Repo& repo, bool check) {
  bool ok = true;
  int quoted = 0;
  for (const auto& page : discover_chapter_pages(repo.root())) {
    const fs::path file = page.dir / "README.md";
    const std::string content = read_file(repo.root() / file);
    std::string refreshed;
    try {
      refreshed = refresh_snippets(content, [&](const SnippetRef& ref) {
        fs::path source = repo.root() / ref.file;
        if (!is_within(source, repo.root())) {
          throw std::runtime_error(ref.file + " is outside the repository");
        }
        ++quoted;
        return snippet_of(read_file(source), ref.name);
      });
    } catch (const std::runtime_error& e) {
      std::cout << "error: " << file.generic_string() << ": " << e.what() << "\n";
      ok = false;
      continue;
    }
    if (refreshed == content) {
      continue;
    }
    if (!check) {
      write_if_changed(repo.root() / file, refreshed);
      std::cout << "updated the quoted test code in " << file.generic_string() << "\n";
      continue;
    }
    TempDir generated("mini-lsm-snippets");
    write_if_changed(generated.path() / "README.md", refreshed);
    run({.argv = {"diff", "-u", "--label", file.generic_string(), "--label",
                  "generated/" + file.generic_string(), (repo.root() / file).string(),
                  (generated.path() / "README.md").string()}});
    std::cout << "error: the test code quoted in " << file.generic_string()
              << " differs from the test: run ./x sync\n";
    ok = false;
  }
  if (ok) {
    std::cout << "the chapter pages quote " << quoted
              << " snippets exactly as the tests hold them\n";
  }
  return ok;
}

int book(const Repo& repo, const BookOptions& options) {
  if (!ensure_book_tools()) {
    return kExitFailed;
  }
  fs::path out = repo.build_dir("book");
  fs::path pages = out / "pages";
  int count = stage_book_pages(repo.root(), pages);
  std::cout << "book: staged " << count << " pages in " << repo.display(pages) << "\n";
  if (!make_figures(repo, pages, options.update_figures)) {
    return kExitFailed;
  }

  std::string doxyfile = fill_placeholders(read_file(repo.root() / "book" / "Doxyfile.in"),
                                           {{"BOOK_PAGES", pages.string()},
                                            {"BOOK_OUT", out.string()},
                                            {"REPO_ROOT", repo.root().string()},
                                            {"THEME_DIR", find_theme_dir()->string()}});
  write_if_changed(out / "Doxyfile", doxyfile);
  fs::remove_all(out / "html");  // no stale pages from an earlier build

  auto result = run({.argv = {"doxygen", (out / "Doxyfile").string()},
                     .cwd = repo.root(),
                     .output = Output::capture});
  auto problems = doxygen_problems(result.output, pages, repo.root());
  if (!problems.empty()) {
    for (const auto& problem : problems) {
      std::cout << problem << "\n";
    }
    std::cout << "error: doxygen printed " << problems.size()
              << " warnings or errors; the book treats warnings as errors\n";
    return kExitFailed;
  }
  if (!result.ok()) {
    std::cout << result.output << "error: doxygen failed with status " << result.exit_code << "\n";
    return kExitFailed;
  }
  std::cout << "book: " << (out / "html" / "index.html").string() << "\n";
  return options.check ? check_book(repo, out) : kExitOk;
}

}  // namespace xtask
