#pragma once
// Text that came from outside the program (arguments, file names, sysfs names, file contents)
// is bytes: it need not be UTF-8 and may hold terminal control sequences. This is the one
// place that decides how such bytes are shown and stored, and how numbers a person writes are
// read, so every verb of both tools treats them the same way.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sriov {

// True when text is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF).
bool valid_utf8(std::string_view text);

// What escape() rewrites as \xNN: bytes that are not part of well-formed UTF-8 always;
// with `controls`, also C0 control characters other than newline and tab, DEL and the C1
// controls (U+0080-U+009F), which a terminal would act on.
std::string escape(std::string_view text, bool controls = false);

// Digits the kernel or a device wrote (sysfs values, PCI address and MAC fields, IDs in
// file names): the whole text in `base`, no sign, space or prefix, within 64 bits; leading
// zeros allowed (machines pad). nullopt otherwise. What a person wrote goes to parse_decimal.
std::optional<uint64_t> parse_unsigned(std::string_view text, int base = 10);

// A count, index or size a person wrote: decimal digits only, no sign, no leading zero (a
// shell or YAML 1.1 reader would take "010" as octal 8, so it is refused rather than guessed),
// at most max. nullopt otherwise.
std::optional<uint64_t> parse_decimal(std::string_view text, uint64_t max = UINT64_MAX);

// Seconds a person wrote ("30", "0.5"): decimal digits with an optional fraction, no sign,
// exponent, hex, "nan" or "inf"; at most max. nullopt otherwise.
std::optional<double> parse_seconds(std::string_view text, double max);

// A PCI vendor or device ID as sysfs, lspci and every consumer write it: four lower-case hex
// digits ("8086", "154c").
std::string hex4(unsigned value);

// The message for a number parse_decimal refused, or that is below min: "'010' is not a
// decimal number in 0-65535 (write it without leading zeros)".
std::string decimal_problem(std::string_view text, uint64_t min, uint64_t max);

}  // namespace sriov
