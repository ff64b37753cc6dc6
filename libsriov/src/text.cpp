#include "sriov/text.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace sriov {
namespace {

// Length of the well-formed UTF-8 sequence at text[i], 0 when there is none (RFC 3629).
size_t sequence_length(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n == 0 || i + n > text.size()) return 0;
  // The second byte's range excludes overlong forms, surrogates and code points > U+10FFFF.
  unsigned char lo = 0x80, hi = 0xbf;
  if (c == 0xe0) lo = 0xa0;
  if (c == 0xed) hi = 0x9f;
  if (c == 0xf0) lo = 0x90;
  if (c == 0xf4) hi = 0x8f;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
  return n;
}

bool is_control(std::string_view text, size_t i, size_t n) {
  auto c = static_cast<unsigned char>(text[i]);
  if (n == 1) return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f;
  // U+0080-U+009F are C2 80 - C2 9F.
  return n == 2 && c == 0xc2 && static_cast<unsigned char>(text[i + 1]) <= 0x9f;
}

void append_hex(std::string& out, std::string_view bytes) {
  for (char b : bytes) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(b));
}

}  // namespace

bool valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t n = sequence_length(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string escape(std::string_view text, bool controls) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t n = sequence_length(text, i);
    if (n == 0) {
      append_hex(out, text.substr(i, 1));
      i += 1;
    } else if (controls && is_control(text, i, n)) {
      append_hex(out, text.substr(i, n));
      i += n;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

std::optional<uint64_t> parse_unsigned(std::string_view text, int base) {
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<uint64_t> parse_decimal(std::string_view text, uint64_t max) {
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  auto value = parse_unsigned(text, 10);
  if (!value || *value > max) return std::nullopt;
  return value;
}

std::optional<double> parse_seconds(std::string_view text, double max) {
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  auto digits = [](std::string_view s) {
    return s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (whole.empty() || !digits(whole) || !digits(fraction) ||
      (dot != std::string_view::npos && fraction.empty()))
    return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value,
                                   std::chars_format::fixed);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
      value > max)
    return std::nullopt;
  return value;
}

std::string decimal_problem(std::string_view text, uint64_t min, uint64_t max) {
  bool leading_zero = text.size() > 1 && text[0] == '0' &&
                      text.find_first_not_of("0123456789") == std::string_view::npos;
  return fmt::format("'{}' is not a decimal number in {}-{}{}", escape(text, true), min, max,
                     leading_zero ? " (write it without leading zeros)" : "");
}

std::string hex4(unsigned value) { return fmt::format("{:04x}", value); }

}  // namespace sriov
