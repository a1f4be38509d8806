// The error types are provided with the course; their messages are what a learner reads first.

#include <cerrno>
#include <string>

#include "harness/catch.hpp"
#include "mini_lsm/error.hpp"

TEST_CASE("NotImplemented names the chapter first, then the function", "[provided][errors]") {
  const mini_lsm::NotImplemented error("w1d1", "MemTable::put");
  CHECK(std::string(error.what()) ==
        "week 1 day 1: MemTable::put is not implemented yet (look for TODO(w1d1) in your tree)");
  CHECK(error.chapter() == "w1d1");
  CHECK(error.function() == "MemTable::put");
}

TEST_CASE("IoError and Corruption say where the problem is", "[provided][errors]") {
  const mini_lsm::IoError io("db/3.sst", ENOENT, "cannot open");
  CHECK(std::string(io.what()) == "cannot open db/3.sst: No such file or directory");
  CHECK(io.error_number() == ENOENT);

  const mini_lsm::Corruption corruption("db/3.sst", 4096, "block checksum mismatch");
  CHECK(std::string(corruption.what()) ==
        "corruption in db/3.sst at byte 4096: block checksum mismatch");
  CHECK(corruption.offset() == 4096);
}

TEST_CASE("every engine error is a mini_lsm::Error", "[provided][errors]") {
  CHECK_THROWS_AS(throw mini_lsm::InvalidArgument("bad"), mini_lsm::Error);
  CHECK_THROWS_AS(throw mini_lsm::NotImplemented("w2d6", "Wal::recover"), mini_lsm::Error);
  CHECK(mini_lsm::chapter_title("w2d6") == "week 2 day 6");
  CHECK(mini_lsm::chapter_title("none") == "none");
}
