#include "mdev/size.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

namespace mdev {

using sriov::Errc;
using sriov::fail;
using sriov::Result;

Result<uint64_t> parse_size(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return fail(Errc::invalid_input,
                fmt::format("invalid size '{}': {} (write a whole number and a unit: 512M, 4G, "
                            "4GiB, 1024MiB; units are powers of 1024)",
                            text, why));
  };
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0) return bad("it does not start with a number");
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (ec != std::errc() || end != text.data() + digits) return bad("the number is too large");
  std::string unit;
  for (char c : text.substr(digits))
    unit += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.empty()) return bad("no unit");
  uint64_t scale = 0;
  char letter = unit[0];
  std::string_view rest = std::string_view(unit).substr(1);
  switch (letter) {
    case 'B':
      scale = 1;
      break;
    case 'K':
      scale = kKiB;
      break;
    case 'M':
      scale = kMiB;
      break;
    case 'G':
      scale = kGiB;
      break;
    case 'T':
      scale = kTiB;
      break;
    default:
      return bad(fmt::format("unknown unit '{}'", text.substr(digits)));
  }
  if (scale == 1 ? !rest.empty() : !(rest.empty() || rest == "B" || rest == "I" || rest == "IB"))
    return bad(fmt::format("unknown unit '{}'", text.substr(digits)));
  if (value > UINT64_MAX / scale) return bad("too large");
  if (value == 0) return bad("a size of 0");
  return value * scale;
}

std::string format_size(uint64_t bytes) {
  struct Unit {
    uint64_t size;
    const char* name;
  } units[] = {{kTiB, "TiB"}, {kGiB, "GiB"}, {kMiB, "MiB"}, {kKiB, "KiB"}};
  if (bytes == 0) return "0 B";
  for (const auto& u : units)
    if (bytes % u.size == 0) return fmt::format("{} {}", bytes / u.size, u.name);
  return fmt::format("{} B", bytes);
}

}  // namespace mdev
