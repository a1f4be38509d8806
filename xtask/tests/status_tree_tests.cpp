// Tests of status_tree.hpp: the stubs left in a tree and the file changed last.
#include "../src/status_tree.hpp"

#include <chrono>

#include "../../tests/harness/catch.hpp"
#include "../src/fsutil.hpp"

using xtask::Chapter;
using xtask::count_todo_markers;

TEST_CASE("TODO markers are counted per chapter", "[xtask]") {
  auto counts = count_todo_markers(
      "void a() {\n  // TODO(w1d1): insert into map_\n  throw NotImplemented(\"w1d1\", \"a\");\n}\n"
      "void b() {\n  // TODO(w1d1): look the key up\n}\n"
      "void c() {\n  // TODO(w2d7): checksum\n}\n");
  CHECK(counts == std::map<Chapter, int>{{Chapter{1, 1}, 2}, {Chapter{2, 7}, 1}});
}

TEST_CASE("TODOs that name no chapter are not stubs", "[xtask]") {
  CHECK(count_todo_markers("// TODO: later\n// TODO(me): tidy\n// TODO(w1): x\n"
                           "// TODO(w1d10): x\n// TODO(W1D1): x\n// TODO (w1d1): x\n")
            .empty());
  CHECK(count_todo_markers("").empty());
  CHECK(count_todo_markers("// TODO(w1d1").empty());  // cut off at the end of a file
  CHECK(count_todo_markers("TODO(TODO(w1d2))") == std::map<Chapter, int>{{Chapter{1, 2}, 1}});
}

TEST_CASE("a tree's TODOs are listed per chapter and file, outside tests/", "[xtask]") {
  xtask::TempDir dir("xtask-status");
  auto tree = dir.path();
  xtask::write_if_changed(tree / "src/memtable.cpp", "// TODO(w1d1): a\n// TODO(w1d1): b\n");
  xtask::write_if_changed(tree / "src/lsm_storage.cpp", "// TODO(w1d1): c\n// TODO(w1d5): d\n");
  xtask::write_if_changed(tree / "include/mini_lsm/x.hpp", "// TODO(w1d5): e\n");
  xtask::write_if_changed(tree / "bin/cli.cpp", "// TODO(w2d6): f\n");
  xtask::write_if_changed(tree / "tests/week1/day1_memtable.cpp", "// TODO(w1d1): not a stub\n");
  xtask::write_if_changed(tree / "notes.txt", "// TODO(w1d1): not built\n");

  auto todos = xtask::todos_in_tree(tree);
  REQUIRE(todos.size() == 3);
  const auto& w1d1 = todos.at(Chapter{1, 1});
  REQUIRE(w1d1.size() == 2);
  CHECK(w1d1[0].file == "src/lsm_storage.cpp");
  CHECK(w1d1[0].count == 1);
  CHECK(w1d1[1].file == "src/memtable.cpp");
  CHECK(w1d1[1].count == 2);
  const auto& w1d5 = todos.at(Chapter{1, 5});
  REQUIRE(w1d5.size() == 2);
  CHECK(w1d5[0].file == "include/mini_lsm/x.hpp");
  CHECK(w1d5[1].file == "src/lsm_storage.cpp");
  const auto& w2d6 = todos.at(Chapter{2, 6});
  REQUIRE(w2d6.size() == 1);
  CHECK(w2d6[0].file == "bin/cli.cpp");
  CHECK(w2d6[0].count == 1);
  CHECK(todos.count(Chapter{1, 2}) == 0);
}

TEST_CASE("the newest file is found under include, src, bin and tests only", "[xtask]") {
  xtask::TempDir dir("xtask-status");
  auto tree = dir.path();
  CHECK_FALSE(xtask::newest_file(tree));

  auto base = std::filesystem::file_time_type::clock::now() - std::chrono::hours(1);
  auto write_at = [&](const std::filesystem::path& file, std::chrono::seconds offset) {
    xtask::write_if_changed(tree / file, "x\n");
    std::filesystem::last_write_time(tree / file, base + offset);
  };
  write_at("src/a.cpp", std::chrono::seconds(10));
  write_at("include/mini_lsm/b.hpp", std::chrono::seconds(20));
  write_at("build/c.o", std::chrono::seconds(90));  // not part of the tree's sources
  auto newest = xtask::newest_file(tree);
  REQUIRE(newest);
  CHECK(newest->file == "include/mini_lsm/b.hpp");
  CHECK(newest->when == base + std::chrono::seconds(20));

  write_at("tests/week1/day1_memtable.cpp", std::chrono::seconds(30));
  CHECK(xtask::newest_file(tree)->file == "tests/week1/day1_memtable.cpp");
  write_at("bin/cli.cpp", std::chrono::seconds(40));
  CHECK(xtask::newest_file(tree)->file == "bin/cli.cpp");
}
