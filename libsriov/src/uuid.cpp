#include "sriov/uuid.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "parse_util.hpp"

namespace sriov {

Result<Uuid> Uuid::parse(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return fail(Errc::invalid_input,
                fmt::format("invalid UUID {}: {} (expected 8-4-4-4-12 hex digits, e.g. "
                            "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01)",
                            detail::quoted(text), why));
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
    if (!detail::is_hex(text[i]) || !detail::is_hex(text[i + 1]))
      return bad(fmt::format("'{}' is not a hex byte", text.substr(i, 2)));
    uuid.bytes[byte++] = static_cast<uint8_t>(*detail::parse_uint(text.substr(i, 2), 16));
    i += 2;
  }
  return uuid;
}

Result<Uuid> Uuid::random() {
  Uuid uuid;
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(Errc::io, fmt::format("opening /dev/urandom: {}", std::strerror(errno)),
                "/dev/urandom", errno);
  size_t got = 0;
  int err = 0;
  while (got < uuid.bytes.size()) {
    ssize_t n = ::read(fd, uuid.bytes.data() + got, uuid.bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO;
      break;
    }
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (err)
    return fail(Errc::io, fmt::format("reading /dev/urandom: {}", std::strerror(err)),
                "/dev/urandom", err);
  uuid.bytes[6] = static_cast<uint8_t>((uuid.bytes[6] & 0x0f) | 0x40);  // version 4
  uuid.bytes[8] = static_cast<uint8_t>((uuid.bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return uuid;
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

}  // namespace sriov
