#include "tools/escaping_stream.hpp"

#include "sriov/text.hpp"

namespace tools {

EscapingBuffer::int_type EscapingBuffer::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  pending_ += traits_type::to_char_type(c);
  if (pending_.back() == '\n') emit_lines();
  return c;
}

std::streamsize EscapingBuffer::xsputn(const char* s, std::streamsize n) {
  pending_.append(s, static_cast<size_t>(n));
  emit_lines();
  return n;
}

void EscapingBuffer::emit_lines() {
  size_t end = pending_.rfind('\n');
  if (end == std::string::npos) return;
  target_ << sriov::escape(std::string_view(pending_).substr(0, end + 1), true);
  pending_.erase(0, end + 1);
}

int EscapingBuffer::sync() {
  emit_lines();
  if (!pending_.empty()) target_ << sriov::escape(pending_, true);
  pending_.clear();
  target_.flush();
  return target_ ? 0 : -1;
}

}  // namespace tools
