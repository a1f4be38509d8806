// Tests of grade_swap.hpp: compiler errors, the function around a line, swapping it for the
// starter's.
#include "../src/grade_swap.hpp"

#include <string>

#include "../../tests/harness/catch.hpp"

using xtask::function_around;
using xtask::function_signature;
using xtask::swap_function;

namespace {

// A clang-formatted engine file: a namespace, a helper, a method over two lines, a constructor
// with an initializer list.
const std::string kStudent =
    "#include \"mini_lsm/memtable.hpp\"\n"         // 1
    "\n"                                           // 2
    "namespace mini_lsm {\n"                       // 3
    "\n"                                           // 4
    "constexpr int kLimit = 3;\n"                  // 5
    "\n"                                           // 6
    "// Finds a key.\n"                            // 7
    "std::optional<std::string> MemTable::get(\n"  // 8
    "    std::string_view key) const {\n"          // 9
    "  if (auto value = map_->find(key)) {\n"      // 10
    "    return std::string(*value) + oops;\n"     // 11
    "  }\n"                                        // 12
    "  return std::nullopt;\n"                     // 13
    "}\n"                                          // 14
    "\n"                                           // 15
    "MemTable::MemTable(int id) : id_(id) {\n"     // 16
    "  broken(;\n"                                 // 17
    "}\n"                                          // 18
    "\n"                                           // 19
    "}  // namespace mini_lsm\n";                  // 20

const std::string kStarter =
    "#include \"mini_lsm/memtable.hpp\"\n"
    "\n"
    "namespace mini_lsm {\n"
    "\n"
    "MemTable::MemTable(int id) : id_(id) {}\n"
    "\n"
    "std::optional<std::string> MemTable::get(std::string_view key) const {\n"
    "  // TODO(w1d1): look the key up\n"
    "  throw NotImplemented(\"w1d1\", \"MemTable::get\");\n"
    "}\n"
    "\n"
    "}  // namespace mini_lsm\n";

}  // namespace

TEST_CASE("compiler errors give their file, made absolute, and line", "[xtask][grade]") {
  const std::string output =
      "[3/9] Building CXX object engine/x.o\n"
      "FAILED: engine/x.o\n"
      "../tree/src/memtable.cpp:11:32: error: 'oops' was not declared in this scope\n"
      "/abs/tree/src/wal.cpp:7: error: something\n"
      "../tree/include/mini_lsm/a.hpp:4:1: fatal error: b.hpp: No such file or directory\n"
      "../tree/src/memtable.cpp:12:3: warning: unused\n"
      "In file included from ../tree/src/x.cpp:1:\n"
      "../tree/src/memtable.cpp:11:32: error: 'oops' was not declared in this scope\n";
  auto errors = xtask::parse_compile_errors(output, "/s/build");
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].file == "/s/tree/src/memtable.cpp");
  CHECK(errors[0].line == 11);
  CHECK(errors[0].text ==
        "../tree/src/memtable.cpp:11:32: error: 'oops' was not declared in "
        "this scope");
  CHECK(errors[1].file == "/abs/tree/src/wal.cpp");
  CHECK(errors[1].line == 7);
  CHECK(errors[2].file == "/s/tree/include/mini_lsm/a.hpp");
}

TEST_CASE("the function around a line runs from its signature to its closing brace",
          "[xtask][grade]") {
  for (int line : {8, 9, 11, 13, 14}) {
    auto range = function_around(kStudent, line);
    REQUIRE(range);
    CHECK(range->first == 7);  // 0-based: line 8, after the comment
    CHECK(range->last == 13);
  }
  auto constructor = function_around(kStudent, 17);
  REQUIRE(constructor);
  CHECK(constructor->first == 15);
  CHECK(constructor->last == 17);
}

TEST_CASE("a definition on one line is a function of its own", "[xtask][grade]") {
  const std::string one_liner = "X::X() : a_(1) {}\n\nint X::f() {\n  return 1;\n}\n";
  auto range = function_around(one_liner, 1);
  REQUIRE(range);
  CHECK(range->first == 0);
  CHECK(range->last == 0);
  CHECK(function_around(one_liner, 4)->first == 2);
}

TEST_CASE("lines outside every definition have no function around them", "[xtask][grade]") {
  for (int line : {0, 1, 3, 5, 7, 15, 20, 21, 99}) {
    CHECK_FALSE(function_around(kStudent, line));
  }
}

TEST_CASE("a signature keeps the parameters and qualifiers, not the body or initializers",
          "[xtask][grade]") {
  CHECK(function_signature(kStudent, *function_around(kStudent, 11)) ==
        "std::optional<std::string> MemTable::get( std::string_view key) const");
  CHECK(function_signature(kStudent, *function_around(kStudent, 17)) ==
        "MemTable::MemTable(int id)");
  const std::string lambda_default =
      "void f(std::function<int(int)> g = [](int x) { return x; }) noexcept {\n  g(1);\n}\n";
  CHECK(function_signature(lambda_default, *function_around(lambda_default, 2)) ==
        "void f(std::function<int(int)> g = [](int x) { return x; }) noexcept");
}

TEST_CASE("swapping puts the starter's definition of the same function in place",
          "[xtask][grade]") {
  auto swapped = swap_function(kStudent, 17, kStarter);
  REQUIRE(swapped);
  CHECK(swapped->signature == "MemTable::MemTable(int id)");
  CHECK(swapped->source.find("broken(;") == std::string::npos);
  CHECK(swapped->source.find("MemTable::MemTable(int id) : id_(id) {}\n\n}  // namespace") !=
        std::string::npos);
  CHECK(swapped->source.find("return std::string(*value) + oops;") != std::string::npos);
}

TEST_CASE("a signature written over two lines matches the starter's one-line version",
          "[xtask][grade]") {
  auto swapped = swap_function(kStudent, 11, kStarter);
  REQUIRE(swapped);
  CHECK(swapped->source.find("oops") == std::string::npos);
  CHECK(swapped->source.find("throw NotImplemented(\"w1d1\", \"MemTable::get\");") !=
        std::string::npos);
  CHECK(swapped->source.find("broken(;") != std::string::npos);  // the other function is kept
  CHECK(swapped->source.ends_with("}  // namespace mini_lsm\n"));
}

TEST_CASE("no swap without a function around the line or a starter function to match",
          "[xtask][grade]") {
  CHECK_FALSE(swap_function(kStudent, 5, kStarter));
  const std::string helper = "namespace {\n\nint helper() {\n  return x;\n}\n\n}  // namespace\n";
  CHECK_FALSE(swap_function(helper, 4, kStarter));
}
