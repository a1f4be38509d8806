// doctor: which tools are installed, and the one command that installs each missing one.
#include <cctype>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <regex>

#include "book.hpp"
#include "browser.hpp"
#include "commands.hpp"
#include "error.hpp"
#include "fsutil.hpp"
#include "packages.hpp"
#include "process.hpp"
#include "text.hpp"

namespace xtask {
namespace {

struct Tool {
  std::string name;
  std::string needed_for;                             ///< "" = required by everything
  std::function<std::optional<std::string>()> probe;  ///< version text, nullopt = missing
  std::vector<Package> fix;
};

/// The first output line of `program args...` when the program exists and succeeds.
std::optional<std::string> version_of(const std::string& program, const std::string& flag) {
  if (!find_program(program)) {
    return std::nullopt;
  }
  auto result = run({.argv = {program, flag}, .output = Output::capture});
  if (!result.ok()) {
    return std::nullopt;
  }
  return first_line(result.output);
}

/// The version recorded in an installed CMake package's ConfigVersion file, e.g. "2.13.10".
std::optional<std::string> cmake_package_version(const std::string& name) {
  std::vector<fs::path> prefixes = {"/usr/lib",         "/usr/share",        "/usr/local/lib",
                                    "/usr/local/share", "/opt/homebrew/lib", "/opt/homebrew/share"};
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib", ec)) {
    if (fs::is_directory(entry.path() / "cmake", ec)) {
      prefixes.push_back(entry.path());
    }
  }
  std::string lower = name;
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  static const std::regex kVersion(R"re(set\(PACKAGE_VERSION "([^"]+)"\))re");
  for (const auto& prefix : prefixes) {
    for (const auto& file : {prefix / "cmake" / name / (name + "ConfigVersion.cmake"),
                             prefix / "cmake" / name / (lower + "-config-version.cmake")}) {
      if (!fs::is_regular_file(file, ec)) {
        continue;
      }
      std::smatch match;
      std::string text = read_file(file);
      if (std::regex_search(text, match, kVersion)) {
        return match[1].str();
      }
    }
  }
  return std::nullopt;
}

/// The version of an installed Debian package, or nullopt.
std::optional<std::string> dpkg_version(const std::string& package) {
  if (!find_program("dpkg-query")) {
    return std::nullopt;
  }
  auto result = run({.argv = {"dpkg-query", "-W", "-f=${Status} ${Version}", package},
                     .output = Output::capture,
                     .merge_stderr = false});
  const std::string installed = "install ok installed ";
  if (!result.ok() || !result.output.starts_with(installed)) {
    return std::nullopt;
  }
  return result.output.substr(installed.size());
}

std::optional<std::string> package_version(const std::string& cmake_name,
                                           const std::string& debian_name) {
  auto version = cmake_package_version(cmake_name);
  if (!version) {
    version = dpkg_version(debian_name);
  }
  if (!version) {
    return std::nullopt;
  }
  return *version + " (major " + version->substr(0, version->find('.')) + ")";
}

/// The compiler CMake picks by default: $CXX, else c++.
std::string default_compiler() {
  const char* cxx = std::getenv("CXX");
  if (cxx != nullptr && *cxx != '\0') {
    return cxx;
  }
  return find_program("c++") ? "c++" : "g++";
}

/// Compiles and runs a small threaded program with `flags`; a description, or nullopt on failure.
std::optional<std::string> sanitizer_works(const std::string& flags) {
  std::string compiler = default_compiler();
  if (!find_program(compiler)) {
    return std::nullopt;
  }
  TempDir dir("mini-lsm-doctor");
  write_if_changed(dir.path() / "probe.cpp",
                   "#include <thread>\nint main() {\n  int x = 0;\n"
                   "  std::thread t([&] { x = 1; });\n  t.join();\n  return x - 1;\n}\n");
  auto exe = (dir.path() / "probe").string();
  auto built =
      run({.argv = {compiler, flags, "-pthread", (dir.path() / "probe.cpp").string(), "-o", exe},
           .output = Output::discard});
  if (!built.ok() || !run({.argv = {exe}, .output = Output::discard}).ok()) {
    return std::nullopt;
  }
  return "works with " + compiler;
}

/// The Debian package with the sanitizer runtimes of the default compiler.
Package sanitizer_package() {
  auto version = version_of(default_compiler(), "--version").value_or("");
  if (version.find("clang") != std::string::npos) {
    return {"libclang-rt-dev", "llvm"};
  }
  auto major = run({.argv = {default_compiler(), "-dumpversion"}, .output = Output::capture});
  std::string gcc = first_line(major.output);
  return {"libgcc-" + gcc.substr(0, gcc.find('.')) + "-dev", "gcc"};
}

std::vector<Tool> tools() {
  Package sanitizers = sanitizer_package();
  return {
      {"g++", "", [] { return version_of("g++", "--version"); }, {{"g++", "gcc"}}},
      {"clang++", "ci", [] { return version_of("clang++", "--version"); }, {{"clang", "llvm"}}},
      {"cmake", "", [] { return version_of("cmake", "--version"); }, {{"cmake", "cmake"}}},
      {"ninja", "", [] { return version_of("ninja", "--version"); }, {{"ninja-build", "ninja"}}},
      {"ccache",
       "faster rebuilds",
       [] { return version_of("ccache", "--version"); },
       {{"ccache", "ccache"}}},
      {"Catch2", "", [] { return package_version("Catch2", "catch2"); }, {{"catch2", "catch2"}}},
      {"CLI11",
       "",
       [] { return package_version("CLI11", "libcli11-dev"); },
       {{"libcli11-dev", "cli11"}}},
      {"clang-format",
       "scheck and ci",
       [] { return version_of("clang-format", "--version"); },
       {{"clang-format", "clang-format"}}},
      {"doxygen",
       "book",
       [] { return version_of("doxygen", "--version"); },
       {{"doxygen", "doxygen"}}},
      {"graphviz (dot)",
       "book",
       [] { return version_of("dot", "-V"); },
       {{"graphviz", "graphviz"}}},
      {"doxygen-awesome-css",
       "book",
       []() -> std::optional<std::string> {
         auto dir = find_theme_dir();  // the same search as ./x book
         return dir ? std::optional(dir->string()) : std::nullopt;
       },
       {{"doxygen-awesome-css", ""}}},
      {"chromium",
       "book --check",
       []() -> std::optional<std::string> {
         auto chromium = find_chromium();  // the same search as ./x book --check
         if (!chromium) {
           return std::nullopt;
         }
         // stdout only: Debian's wrapper script prints a shell warning on stderr first
         auto result = run({.argv = {chromium->string(), "--version"},
                            .output = Output::capture,
                            .merge_stderr = false});
         return result.ok() ? std::optional(first_line(result.output)) : std::nullopt;
       },
       {{"chromium", ""}}},
      {"ASan+UBSan runtime",
       "test --sanitize address",
       [] { return sanitizer_works("-fsanitize=address,undefined"); },
       {sanitizers}},
      {"TSan runtime",
       "test --sanitize thread",
       [] { return sanitizer_works("-fsanitize=thread"); },
       {sanitizers}},
  };
}

}  // namespace

int doctor(const Repo& /*repo*/) {
  Platform platform = detect_platform();
  std::vector<std::vector<std::string>> rows;
  std::vector<Package> missing_required;
  std::vector<Package> missing_optional;
  for (const auto& tool : tools()) {
    auto version = tool.probe();
    if (version) {
      rows.push_back({"ok", tool.name, *version});
      continue;
    }
    std::string why = tool.needed_for.empty() ? "required" : "needed for " + tool.needed_for;
    rows.push_back({"missing", tool.name, why + "; fix: " + install_command(tool.fix, platform)});
    auto& list = tool.needed_for.empty() ? missing_required : missing_optional;
    list.insert(list.end(), tool.fix.begin(), tool.fix.end());
  }
  std::cout << format_table(rows);
  if (!missing_optional.empty()) {
    std::cout << "warning: some optional tools are missing; all at once: "
              << install_command(missing_optional, platform) << "\n";
  }
  if (!missing_required.empty()) {
    std::cout << "error: required tools are missing; install them with: "
              << install_command(missing_required, platform) << "\n";
    return kExitFailed;
  }
  std::cout << "doctor: everything required is installed\n";
  return kExitOk;
}

}  // namespace xtask
