#include "mdev/uuid.hpp"
#include "sriov/text.hpp"

#include <sys/random.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "text.hpp"

namespace mdev {

using sriov::Errc;
using sriov::fail;
using sriov::Result;

namespace {

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

Result<Uuid> Uuid::parse(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return fail(Errc::invalid_input,
                fmt::format("invalid UUID {}: {} (expected 8-4-4-4-12 hex digits, e.g. "
                            "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01)",
                            "'" + std::string(text) + "'", why));
  };
  if (text.size() != 36) return bad(fmt::format("{} characters, not 36", text.size()));
  Uuid uuid;
  size_t byte = 0;
  for (size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return bad(fmt::format("expected '-' at position {}", i + 1));
      ++i;
      continue;
    }
    if (!is_hex(text[i]) || !is_hex(text[i + 1]))
      return bad(fmt::format("'{}' is not a hex byte", text.substr(i, 2)));
    uuid.bytes[byte++] = static_cast<uint8_t>(*sriov::parse_unsigned(text.substr(i, 2), 16));
    i += 2;
  }
  return uuid;
}

Result<std::vector<Uuid>> Uuid::random(size_t n) {
  std::vector<Uuid> out(n);
  auto* bytes = reinterpret_cast<uint8_t*>(out.data());
  static_assert(sizeof(Uuid) == 16);
  size_t want = n * sizeof(Uuid), got = 0;
  while (got < want) {
    // Never blocks after early boot (the pool is initialised); EINTR only for a large request.
    ssize_t r = ::getrandom(bytes + got, want - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0)
      return fail(Errc::io,
                  fmt::format("getrandom: {}", r < 0 ? std::strerror(errno) : "no bytes returned"),
                  "getrandom(2)", r < 0 ? errno : EIO);
    got += static_cast<size_t>(r);
  }
  for (auto& uuid : out) {
    uuid.bytes[6] = static_cast<uint8_t>((uuid.bytes[6] & 0x0f) | 0x40);  // version 4
    uuid.bytes[8] = static_cast<uint8_t>((uuid.bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  }
  return out;
}

Result<Uuid> Uuid::random() {
  auto one = random(1);
  if (!one) return tl::unexpected(one.error());
  return one->front();
}

std::string Uuid::str() const {
  const auto& b = bytes;
  return fmt::format(
      "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-"
      "{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
      b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
      b[15]);
}

bool Uuid::is_nil() const {
  for (auto b : bytes)
    if (b) return false;
  return true;
}

}  // namespace mdev
