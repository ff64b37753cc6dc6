#pragma once
// One error convention for the whole library: functions return Result<T>, an Error says what
// went wrong in a sentence a person can act on, and its code maps to a documented exit status.

#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace sriov {

enum class Errc {
  invalid_input,        // the caller's input is malformed or out of range
  not_found,            // no such PF, VF, driver, file
  refused,              // a safety rule stops the change (needs --force, device in use)
  unsupported,          // the kernel or driver cannot do this
  kernel,               // the kernel refused a write or returned something unexpected
  io,                   // reading or writing a file failed for another reason
  timeout,              // a kernel write or a wait did not finish in time
  rollback_incomplete,  // a change failed and undoing it failed too
};

struct Error {
  Errc code = Errc::io;
  std::string message;  // whole sentence: what, where, why, and what to do
  std::string path;     // host path concerned (/sys/...), if any
  int sys_errno = 0;    // errno the kernel returned, if any
};

template <class T>
using Result = tl::expected<T, Error>;
using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> fail(Errc code, std::string message, std::string path = {},
                                  int sys_errno = 0) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(path), sys_errno});
}

// Exit statuses of the tools (documented in sriovctl(8)).
int exit_status(Errc code);
std::string_view code_name(Errc code);

}  // namespace sriov
