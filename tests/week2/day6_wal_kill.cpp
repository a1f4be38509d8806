// Week 2 day 6: a real process killed with SIGKILL in the middle of its writes. The tree's own
// mini-lsm-cli runs with --enable-wal --wal-sync always and gets a batch of puts at once; after a
// seeded number of acknowledged writes (each "ok" it printed) it is killed while the next writes
// are in flight. A second CLI reopens the directory: every acknowledged write must be there with
// its value, and what is there must be a prefix of the writes (the log keeps their order).
// The short version of `./x crash-test`.

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdlib.h>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "harness/catch.hpp"
#include "harness/run_cli.hpp"

using mini_lsm::testing::run_cli_with;

namespace {

constexpr std::uint64_t kWrites = 16;

// A fresh directory, removed at the end. On /dev/shm when there is one: a SIGKILL loses only what
// never reached the kernel (its page cache outlives the process), so a memory file system checks
// the same promises without waiting for a disk's fsyncs, which keeps ten rounds well under a
// second on a busy disk.
class KillDir {
 public:
  KillDir() {
    std::error_code ec;
    const std::filesystem::path parent = std::filesystem::is_directory("/dev/shm", ec)
                                             ? std::filesystem::path("/dev/shm")
                                             : std::filesystem::temp_directory_path();
    std::string pattern = (parent / "mini-lsm-wal-kill-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("cannot create a directory from " + pattern);
    }
    path_ = pattern;
  }
  KillDir(const KillDir&) = delete;
  KillDir& operator=(const KillDir&) = delete;
  ~KillDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string numbered(const char* prefix, std::uint64_t index) {
  char text[32];
  std::snprintf(text, sizeof text, "%s_%04llu", prefix, static_cast<unsigned long long>(index));
  return text;
}

// mini-lsm-cli running with its stdin and stdout (stderr too) on pipes to this test.
class CliProcess {
 public:
  explicit CliProcess(std::vector<std::string> arguments) {
    int to_child[2];
    int from_child[2];
    if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(from_child, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe2 failed");
    }
    arguments.insert(arguments.begin(), MINI_LSM_CLI);
    std::vector<char*> argv;
    for (std::string& argument : arguments) {
      argv.push_back(argument.data());
    }
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(to_child[0], STDIN_FILENO);
      dup2(from_child[1], STDOUT_FILENO);
      dup2(from_child[1], STDERR_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    input_ = to_child[1];
    output_ = from_child[0];
    if (pid_ < 0) {
      throw std::runtime_error("fork failed");
    }
  }
  CliProcess(const CliProcess&) = delete;
  CliProcess& operator=(const CliProcess&) = delete;
  ~CliProcess() {
    kill_now();
    close(input_);
    close(output_);
  }

  void send(const std::string& text) {
    // A CLI that died closes the pipe: the write then fails (SIGPIPE is ignored by the caller),
    // and the next read_line() reports the end of its output.
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = write(input_, text.data() + done, text.size() - done);
      if (n <= 0 && errno != EINTR) {
        return;
      }
      done += n > 0 ? static_cast<std::size_t>(n) : 0;
    }
  }

  // The next line it printed, nullopt once its output ended.
  std::optional<std::string> read_line() {
    while (buffer_.find('\n') == std::string::npos) {
      char chunk[1024];
      const ssize_t n = read(output_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return std::nullopt;
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
    const std::size_t newline = buffer_.find('\n');
    std::string line = buffer_.substr(0, newline);
    buffer_.erase(0, newline + 1);
    return line;
  }

  void kill_now() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      pid_ = -1;
    }
  }

 private:
  pid_t pid_ = -1;
  int input_ = -1;
  int output_ = -1;
  std::string buffer_;
};

// The "KEY=VALUE" lines of a scan, up to its "N keys" line.
std::map<std::string, std::string> scanned(const std::string& output) {
  std::map<std::string, std::string> entries;
  std::size_t begin = 0;
  while (begin < output.size()) {
    const std::size_t end = output.find('\n', begin);
    const std::string line = output.substr(begin, end - begin);
    begin = end == std::string::npos ? output.size() : end + 1;
    const std::size_t equals = line.find('=');
    if (equals != std::string::npos && !line.starts_with("recovered: ")) {
      entries[line.substr(0, equals)] = line.substr(equals + 1);
    }
  }
  return entries;
}

}  // namespace

TEST_CASE("a CLI killed with SIGKILL after acknowledged writes in always mode loses none of them",
          "[w2d6][wal-kill]") {
  signal(SIGPIPE, SIG_IGN);
  KillDir dir;
  std::mt19937_64 random(20261201);
  std::string script;
  for (std::uint64_t i = 0; i < kWrites; ++i) {
    script += "put " + numbered("key", i) + " " + numbered("value", i) + "\n";
  }
  for (int round = 1; round <= 10; ++round) {
    const auto db = dir.path() / ("round-" + std::to_string(round));
    const std::uint64_t kill_after = random() % (kWrites + 1);
    INFO("round " << round << ": kill after " << kill_after << " acknowledged writes");
    std::uint64_t acknowledged = 0;
    {
      CliProcess writer({"--enable-wal", "--wal-sync", "always", "--path", db.string()});
      writer.send(script);  // all at once: the writes after the kill point are in flight
      while (acknowledged < kill_after) {
        const std::optional<std::string> answer = writer.read_line();
        REQUIRE(answer.has_value());
        REQUIRE(*answer == "ok");
        ++acknowledged;
      }
      writer.kill_now();
    }
    const auto reopened = run_cli_with("--enable-wal --path '" + db.string() + "'",
                                       dir.path() / "scan.script", "scan\n");
    INFO(reopened.output);
    REQUIRE(reopened.exit_code == 0);
    const auto found = scanned(reopened.output);
    // A prefix of the writes, each with its value, at least as long as what was acknowledged.
    std::uint64_t prefix = 0;
    while (prefix < kWrites && found.contains(numbered("key", prefix))) {
      CHECK(found.at(numbered("key", prefix)) == numbered("value", prefix));
      ++prefix;
    }
    CHECK(prefix >= acknowledged);
    CHECK(found.size() == prefix);
  }
}
