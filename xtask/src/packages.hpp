// System packages: which platform we are on, the command that installs something, installing it.
// Dependencies come from the distribution only (apt-get on Debian/Ubuntu, Homebrew on macOS).
#pragma once

#include <string>
#include <vector>

namespace xtask {

enum class Platform { debian, macos, other };

Platform detect_platform();

/// What provides one dependency on each platform; an empty name means "no package there".
struct Package {
  std::string debian;
  std::string brew;
};

/// The one command a person runs to install `packages` on `platform`, e.g.
/// "sudo apt-get install -y doxygen graphviz" (no sudo when we are root).
std::string install_command(const std::vector<Package>& packages, Platform platform);

/// Installs `packages` the way ./x does: apt-get as root, or through `sudo -n` when that needs no
/// password; brew on macOS. Prints "x: installing <packages> with <tool>". False when it could
/// not (the caller then prints install_command()).
bool install_packages(const std::vector<Package>& packages);

}  // namespace xtask
