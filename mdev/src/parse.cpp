#include "mdev/parse.hpp"
#include "sriov/text.hpp"

#include <cctype>

#include "mdev/size.hpp"
#include "text.hpp"

namespace mdev {

Facts parse_key_values(std::string_view input) {
  Facts facts;
  for (auto part : text::split_any(input, ",\n")) {
    auto eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    auto key = text::trim(part.substr(0, eq));
    if (key.empty()) continue;
    facts.emplace_back(std::string(key), std::string(text::trim(part.substr(eq + 1))));
  }
  return facts;
}

Facts parse_colon_lines(std::string_view input) {
  Facts facts;
  for (auto line : text::split_any(input, "\n")) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    auto key = text::trim(line.substr(0, colon));
    if (key.empty()) continue;
    facts.emplace_back(std::string(key), std::string(text::trim(line.substr(colon + 1))));
  }
  return facts;
}

std::optional<uint64_t> parse_vendor_megabytes(std::string_view input) {
  auto s = text::trim(input);
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  auto number = sriov::parse_unsigned(s.substr(0, digits));
  if (!number) return std::nullopt;
  auto unit = text::trim(s.substr(digits));
  std::string u;
  for (char c : unit) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  uint64_t scale = 0;
  if (u.empty() || u == "M" || u == "MB" || u == "MIB")
    scale = kMiB;
  else if (u == "G" || u == "GB" || u == "GIB")
    scale = kGiB;
  else if (u == "K" || u == "KB" || u == "KIB")
    scale = kKiB;
  else
    return std::nullopt;
  if (*number > UINT64_MAX / scale) return std::nullopt;  // no size rather than a wrapped one
  return *number * scale;
}

VgpuType generic_type(const MdevType& type) {
  VgpuType t;
  t.id = type.id;
  t.name = type.name.value_or(type.id);
  t.available = type.available;
  t.device_api = type.device_api;
  t.description = type.description;
  return t;
}

}  // namespace mdev
