// Catch2 printers for the values the tests compare, so that a failing CHECK shows the data
// instead of `{?}`: key-value pairs, lists of them, and optional strings. Bytes that are not
// printable ASCII are escaped (\x00, \xff, \n), so keys with NUL or 0xff bytes stay readable.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/catch.hpp"

namespace mini_lsm::testing {

/// `bytes` in double quotes, with `"`, `\` and every byte outside printable ASCII escaped.
inline std::string escape_bytes(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char byte : bytes) {
    const auto code = static_cast<unsigned char>(byte);
    if (byte == '"' || byte == '\\') {
      out += '\\';
      out += byte;
    } else if (byte == '\n') {
      out += "\\n";
    } else if (code < 0x20 || code >= 0x7f) {
      out += "\\x";
      out += kHex[code >> 4];
      out += kHex[code & 0xf];
    } else {
      out += byte;
    }
  }
  return out + "\"";
}

}  // namespace mini_lsm::testing

namespace Catch {

template <>
struct StringMaker<std::pair<std::string, std::string>> {
  static std::string convert(const std::pair<std::string, std::string>& entry) {
    return "{" + mini_lsm::testing::escape_bytes(entry.first) + ", " +
           mini_lsm::testing::escape_bytes(entry.second) + "}";
  }
};

template <>
struct StringMaker<std::vector<std::pair<std::string, std::string>>> {
  static std::string convert(const std::vector<std::pair<std::string, std::string>>& entries) {
    std::string out = "{ ";
    for (std::size_t index = 0; index < entries.size(); ++index) {
      out += index == 0 ? "" : ", ";
      out += StringMaker<std::pair<std::string, std::string>>::convert(entries[index]);
    }
    return out + (entries.empty() ? "}" : " }") + " (" + std::to_string(entries.size()) +
           " entries)";
  }
};

template <>
struct StringMaker<std::optional<std::string>> {
  static std::string convert(const std::optional<std::string>& value) {
    return value ? mini_lsm::testing::escape_bytes(*value) : std::string("nullopt");
  }
};

template <>
struct StringMaker<std::vector<std::string>> {
  static std::string convert(const std::vector<std::string>& values) {
    std::string out = "{ ";
    for (std::size_t index = 0; index < values.size(); ++index) {
      out += index == 0 ? "" : ", ";
      out += mini_lsm::testing::escape_bytes(values[index]);
    }
    return out + (values.empty() ? "}" : " }");
  }
};

}  // namespace Catch
