#pragma once
// Small strict parsing helpers shared by the value-type parsers (internal).

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sriov::detail {

inline bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

inline std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

inline std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return text;
}

}  // namespace sriov::detail
