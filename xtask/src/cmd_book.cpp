// book: the course book (chapter pages + API reference) built with Doxygen.
#include <iostream>

#include "book.hpp"
#include "commands.hpp"
#include "fsutil.hpp"
#include "packages.hpp"
#include "process.hpp"

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

}  // namespace

int book(const Repo& repo) {
  if (!ensure_book_tools()) {
    return kExitFailed;
  }
  fs::path out = repo.build_dir("book");
  fs::path pages = out / "pages";
  int count = stage_book_pages(repo.root(), pages);
  std::cout << "book: staged " << count << " pages in " << repo.display(pages) << "\n";

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
  return kExitOk;
}

}  // namespace xtask
