#include "fsutil.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <stdlib.h>  // mkdtemp

namespace xtask {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
  }
  std::ostringstream content;
  content << in.rdbuf();
  return std::move(content).str();
}

bool write_if_changed(const fs::path& path, std::string_view content) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec) && read_file(path) == content) {
    return false;
  }
  if (path.has_parent_path()) {
    fs::create_directories(path.parent_path());
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) {
    throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
  }
  return true;
}

std::vector<fs::path> list_files(const fs::path& dir, const std::vector<std::string>& skip_top) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return files;
  }
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    fs::path relative = it->path().lexically_relative(dir);
    bool skipped = it.depth() == 0 &&
                   std::find(skip_top.begin(), skip_top.end(), relative.string()) != skip_top.end();
    if (skipped) {
      if (it->is_directory()) {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (it->is_regular_file()) {
      files.push_back(relative);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

int mirror_tree(const fs::path& from, const fs::path& to,
                const std::vector<std::string>& skip_top) {
  int written = 0;
  auto wanted = list_files(from, skip_top);
  for (const auto& file : wanted) {
    if (write_if_changed(to / file, read_file(from / file))) {
      ++written;
    }
  }
  for (const auto& file : list_files(to, skip_top)) {
    if (!std::binary_search(wanted.begin(), wanted.end(), file)) {
      fs::remove(to / file);
    }
  }
  remove_empty_dirs(to);
  return written;
}

void remove_empty_dirs(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return;
  }
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_directory() || entry.is_symlink()) {
      continue;
    }
    remove_empty_dirs(entry.path());
    if (fs::is_empty(entry.path())) {
      fs::remove(entry.path());
    }
  }
}

bool is_within(const fs::path& path, const fs::path& dir) {
  auto p = fs::weakly_canonical(fs::absolute(path));
  auto d = fs::weakly_canonical(fs::absolute(dir));
  auto d_end = std::mismatch(d.begin(), d.end(), p.begin(), p.end()).first;
  // A trailing separator shows up as an empty last element; it does not make a difference.
  return d_end == d.end() || (std::next(d_end) == d.end() && d_end->empty());
}

TempDir::TempDir(std::string_view prefix) {
  std::string pattern = (fs::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a temp dir " + pattern + ": " + std::strerror(errno));
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace xtask
