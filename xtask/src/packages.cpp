#include "packages.hpp"

#include <filesystem>
#include <iostream>

#include <sys/utsname.h>
#include <unistd.h>

#include "process.hpp"
#include "text.hpp"

namespace xtask {
namespace {

std::vector<std::string> names_for(const std::vector<Package>& packages, Platform platform) {
  std::vector<std::string> names;
  for (const auto& package : packages) {
    const std::string& name = platform == Platform::macos ? package.brew : package.debian;
    if (!name.empty()) {
      names.push_back(name);
    }
  }
  return names;
}

}  // namespace

Platform detect_platform() {
  utsname name{};
  if (::uname(&name) == 0 && std::string(name.sysname) == "Darwin") {
    return Platform::macos;
  }
  std::error_code ec;
  if (std::filesystem::exists("/etc/debian_version", ec) && find_program("apt-get")) {
    return Platform::debian;
  }
  return Platform::other;
}

std::string install_command(const std::vector<Package>& packages, Platform platform) {
  std::string names = join(names_for(packages, platform));
  switch (platform) {
    case Platform::debian:
      return std::string(::geteuid() == 0 ? "" : "sudo ") + "apt-get install -y " + names;
    case Platform::macos:
      return "brew install " + names;
    case Platform::other:
      break;
  }
  return "install with your package manager: " + join(names_for(packages, Platform::debian)) +
         " (Debian names)";
}

bool install_packages(const std::vector<Package>& packages) {
  Platform platform = detect_platform();
  std::vector<std::string> names = names_for(packages, platform);
  if (names.empty()) {
    return false;
  }
  if (platform == Platform::macos) {
    if (!find_program("brew")) {
      return false;
    }
    std::cout << "x: installing " << join(names) << " with brew\n";
    std::vector<std::string> argv = {"brew", "install"};
    argv.insert(argv.end(), names.begin(), names.end());
    return run({.argv = argv}).ok();
  }
  if (platform != Platform::debian) {
    return false;
  }

  std::vector<std::string> prefix;
  if (::geteuid() != 0) {
    if (!find_program("sudo") ||
        !run({.argv = {"sudo", "-n", "true"}, .output = Output::discard}).ok()) {
      return false;
    }
    prefix = {"sudo", "-n"};
  }
  std::cout << "x: installing " << join(names) << " with apt-get\n";
  auto apt = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = prefix;  // env passes the variable through sudo as well
    argv.insert(argv.end(), {"env", "DEBIAN_FRONTEND=noninteractive"});
    argv.insert(argv.end(), args.begin(), args.end());
    return run({.argv = argv}).ok();
  };
  std::vector<std::string> install = {"apt-get", "install", "-y"};
  install.insert(install.end(), names.begin(), names.end());
  return apt({"apt-get", "update"}) && apt(install);
}

}  // namespace xtask
