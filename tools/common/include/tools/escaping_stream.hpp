#pragma once
// Everything the tools print goes through an EscapingStream: bytes that are not UTF-8 and
// terminal control characters (an escape sequence in a crafted device or file name) come out
// as \xNN, never raw. Newlines and tabs pass. The text is escaped a line at a time, so a
// multi-byte character written in two pieces is kept whole.

#include <ostream>
#include <streambuf>
#include <string>

namespace tools {

class EscapingBuffer : public std::streambuf {
 public:
  explicit EscapingBuffer(std::ostream& target) : target_(target) {}
  ~EscapingBuffer() override { sync(); }

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  void emit_lines();
  std::ostream& target_;
  std::string pending_;
};

class EscapingStream : public std::ostream {
 public:
  explicit EscapingStream(std::ostream& target) : std::ostream(&buffer_), buffer_(target) {}
  ~EscapingStream() override { flush(); }

 private:
  EscapingBuffer buffer_;
};

}  // namespace tools
