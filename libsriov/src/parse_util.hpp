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

// Whole string as an unsigned number in base; nullopt on anything else (sign, space, empty).
inline std::optional<uint64_t> parse_uint(std::string_view text, int base = 10) {
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

inline std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

inline std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return text;
}

}  // namespace sriov::detail
