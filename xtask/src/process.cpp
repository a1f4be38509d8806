#include "process.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;  // NOLINT: POSIX

namespace xtask {
namespace {

/// Owns one file descriptor and closes it when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

/// A pipe whose ends are closed on exec: the child dup2()s the end it needs onto 0, 1 or 2.
Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

/// In the child: sends errno to the parent, which turns it into an exception.
[[noreturn]] void fail_in_child(int error_fd) {
  int err = errno;
  [[maybe_unused]] auto n = ::write(error_fd, &err, sizeof err);
  ::_exit(127);
}

/// Runs in the child after fork(): only async-signal-safe calls until exec. On failure the errno
/// is sent to the parent through `error_fd`.
[[noreturn]] void exec_child(const Command& command, std::vector<char*>& argv,
                             std::vector<char*>& envp, int stdin_fd, int stdout_fd, int error_fd) {
  auto fail = [error_fd] { fail_in_child(error_fd); };
  if (stdin_fd >= 0 && ::dup2(stdin_fd, STDIN_FILENO) < 0) {
    fail();
  }
  if (stdout_fd >= 0) {
    if (::dup2(stdout_fd, STDOUT_FILENO) < 0) {
      fail();
    }
    if (command.merge_stderr && ::dup2(stdout_fd, STDERR_FILENO) < 0) {
      fail();
    }
  }
  if (!command.cwd.empty() && ::chdir(command.cwd.c_str()) != 0) {
    fail();
  }
  ::signal(SIGPIPE, SIG_DFL);  // we ignore SIGPIPE; the programs we start should not
  if (!envp.empty()) {
    environ = envp.data();
  }
  ::execvp(argv[0], argv.data());
  fail_in_child(error_fd);
}

void show(std::string_view text) {
  if (!text.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }
}

/// Feeds `input` to the child's stdin and collects its output until it closes both pipes.
std::string pump(Fd& to_child, std::string_view input, Fd& from_child, bool echo,
                 LineFilter* filter) {
  std::string output;
  std::size_t written = 0;
  if (to_child && input.empty()) {
    to_child.reset();
  }
  // A blocking write of a big chunk would wait for the child, which may itself wait for us to
  // read its output: write only what the pipe takes and come back when poll() says so.
  if (to_child) {
    ::fcntl(to_child.get(), F_SETFL, ::fcntl(to_child.get(), F_GETFL) | O_NONBLOCK);
  }
  char buffer[65536];
  while (to_child || from_child) {
    pollfd fds[2];
    nfds_t count = 0;
    if (to_child) {
      fds[count++] = {to_child.get(), POLLOUT, 0};
    }
    if (from_child) {
      fds[count++] = {from_child.get(), POLLIN, 0};
    }
    if (::poll(fds, count, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    }
    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) {
        continue;
      }
      if (fds[i].fd == to_child.get()) {
        ssize_t n = ::write(to_child.get(), input.data() + written, input.size() - written);
        if (n < 0 && errno != EINTR && errno != EAGAIN) {
          to_child.reset();  // child closed stdin
        }
        if (n > 0) {
          written += static_cast<std::size_t>(n);
        }
        if (written == input.size()) {
          to_child.reset();
        }
      } else {
        ssize_t n = ::read(from_child.get(), buffer, sizeof buffer);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
          continue;
        }
        if (n <= 0) {
          from_child.reset();
          continue;
        }
        std::string_view chunk(buffer, static_cast<std::size_t>(n));
        if (!filter) {
          output += chunk;
          if (echo) {
            show(chunk);
          }
          continue;
        }
        std::string lines = filter->feed(chunk);
        output += lines;
        if (echo) {
          show(filter->display(lines));
        }
      }
    }
  }
  if (filter) {
    std::string rest = filter->finish();
    output += rest;
    if (echo) {
      show(filter->display(rest) + filter->end_display());
    }
  }
  return output;
}

/// Our environment with `overrides` applied, as the strings execvp will see (empty = unchanged).
std::vector<std::string> environment_with(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<std::string> env;
  if (overrides.empty()) {
    return env;
  }
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    bool overridden = false;
    for (const auto& [name, value] : overrides) {
      overridden = overridden || (text.starts_with(name) && text.substr(name.size(), 1) == "=");
    }
    if (!overridden) {
      env.emplace_back(text);
    }
  }
  for (const auto& [name, value] : overrides) {
    env.push_back(name + "=" + value);
  }
  return env;
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (const auto& s : strings) {
    pointers.push_back(const_cast<char*>(s.c_str()));
  }
  pointers.push_back(nullptr);
  return pointers;
}

/// Waits for the child and returns its exit code; `peak_rss_kib` gets its peak resident set size.
int wait_for(pid_t pid, long* peak_rss_kib = nullptr) {
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      throw std::runtime_error(std::string("wait4: ") + std::strerror(errno));
    }
  }
  if (peak_rss_kib != nullptr) {
    *peak_rss_kib = usage.ru_maxrss;  // kilobytes on Linux
  }
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return 1;
}

}  // namespace

Result run(const Command& command) {
  if (command.argv.empty()) {
    throw std::logic_error("run: empty argv");
  }
  std::vector<char*> argv = c_strings(command.argv);
  std::vector<std::string> env = environment_with(command.env);
  std::vector<char*> envp = env.empty() ? std::vector<char*>() : c_strings(env);

  // Our own buffered output must come before the child's, which goes straight to the fds.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a child that stops reading its stdin must not kill us

  Pipe input;
  if (command.input) {
    input = make_pipe();
  }
  // Output::inherit goes through us when lines are to be dropped or progress lines folded.
  bool terminal = ::isatty(STDOUT_FILENO) != 0;
  bool fold = command.status_lines && terminal;
  bool through_us = command.output == Output::inherit && (!command.drop_lines.empty() || fold);
  std::optional<LineFilter> filter;
  if (!command.drop_lines.empty() || fold) {
    filter.emplace(command.drop_lines, fold);
  }
  Pipe output;
  Fd null_fd;
  int child_stdout = -1;
  if (command.output == Output::capture || command.output == Output::tee || through_us) {
    output = make_pipe();
    child_stdout = output.write.get();
  } else if (command.output == Output::discard) {
    null_fd = Fd(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    child_stdout = null_fd.get();
  }
  Pipe exec_error = make_pipe();

  pid_t pid = ::fork();
  if (pid < 0) {
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    exec_child(command, argv, envp, input.read.get(), child_stdout, exec_error.write.get());
  }

  input.read.reset();
  output.write.reset();
  null_fd.reset();
  exec_error.write.reset();

  int exec_errno = 0;
  if (::read(exec_error.read.get(), &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
    wait_for(pid);
    throw std::runtime_error("cannot run " + command.argv[0] + ": " + std::strerror(exec_errno));
  }

  Result result;
  bool echo = command.output == Output::tee || through_us;
  result.output =
      pump(input.write, command.input.value_or(""), output.read, echo, filter ? &*filter : nullptr);
  if (through_us) {
    result.output.clear();  // Output::inherit captures nothing
  }
  long peak_rss_kib = 0;
  result.exit_code = wait_for(pid, &peak_rss_kib);
  result.peak_rss_kib = static_cast<std::uint64_t>(peak_rss_kib);
  return result;
}

bool is_status_line(std::string_view line) {
  if (!line.starts_with('[')) {
    return false;
  }
  auto close = line.find("] ");
  auto slash = line.find('/');
  if (close == std::string_view::npos || slash == std::string_view::npos || slash > close ||
      slash == 1 || slash + 1 == close) {
    return false;
  }
  auto digits = [](std::string_view text) {
    return text.find_first_not_of("0123456789") == std::string_view::npos;
  };
  return digits(line.substr(1, slash - 1)) && digits(line.substr(slash + 1, close - slash - 1));
}

bool LineFilter::dropped(std::string_view line) const {
  if (line.ends_with('\r')) {
    line.remove_suffix(1);
  }
  for (const auto& prefix : drop_) {
    if (line.starts_with(prefix)) {
      return true;
    }
  }
  return false;
}

std::string LineFilter::feed(std::string_view chunk) {
  pending_ += chunk;
  std::string out;
  std::size_t start = 0;
  for (std::size_t end; (end = pending_.find('\n', start)) != std::string::npos; start = end + 1) {
    std::string_view line(pending_.data() + start, end - start);
    if (!dropped(line)) {
      out.append(line);
      out += '\n';
    }
  }
  pending_.erase(0, start);
  return out;
}

std::string LineFilter::finish() {
  std::string rest = std::exchange(pending_, {});
  return rest.empty() || dropped(rest) ? "" : rest;
}

std::string LineFilter::display(std::string_view lines) {
  if (!overwrite_status_) {
    return std::string(lines);
  }
  std::string out;
  while (!lines.empty()) {
    auto end = lines.find('\n');
    std::string_view line = lines.substr(0, end);
    bool has_newline = end != std::string_view::npos;
    lines = has_newline ? lines.substr(end + 1) : std::string_view();
    if (is_status_line(line)) {
      out += "\r\x1b[K";  // back to the start of the line, and clear it
      out += line;
      status_open_ = true;
      continue;
    }
    if (status_open_) {
      out += '\n';
      status_open_ = false;
    }
    out += line;
    if (has_newline) {
      out += '\n';
    }
  }
  return out;
}

std::string LineFilter::end_display() {
  return std::exchange(status_open_, false) ? "\n" : "";
}

std::optional<std::filesystem::path> find_program(std::string_view name) {
  if (name.find('/') != std::string_view::npos) {
    std::filesystem::path path(name);
    if (::access(path.c_str(), X_OK) == 0) {
      return path;
    }
    return std::nullopt;
  }
  const char* path_env = std::getenv("PATH");
  std::string_view dirs = path_env != nullptr ? path_env : "/usr/bin:/bin";
  while (!dirs.empty()) {
    auto colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

std::string first_line(std::string_view text) {
  return std::string(text.substr(0, text.find('\n')));
}

}  // namespace xtask
