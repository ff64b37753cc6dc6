#pragma once
// Progress on a terminal: one line on stderr, rewritten in place ("[3/12] bind VF 3 ...",
// "waiting up to 30 s for the host lock ..."), and cleared before anything else is printed.
// Only when stderr is a terminal and --quiet is not given: a pipe, a log or a unit's journal
// gets nothing extra. It writes to file descriptor 2 directly, never into the streams the
// tools' output goes through, so it cannot end up in a captured result.

#include <memory>
#include <string_view>

#include "sriov/executor.hpp"

namespace tools {

class Progress {
 public:
  // On when fd 2 is a terminal and `quiet` is false.
  static Progress for_terminal(bool quiet);
  explicit Progress(bool enabled) : enabled_(enabled) {}
  bool enabled() const { return enabled_; }
  // Replaces the line with `line`, cut to the terminal's width so it never wraps.
  void show(std::string_view line) const;
  void clear() const;

 private:
  bool enabled_;
  mutable bool shown_ = false;
};

// The runner with each step announced before it runs ("[N/TOTAL] <step>", "undoing: <step>").
std::unique_ptr<sriov::StepRunner> with_progress(std::unique_ptr<sriov::StepRunner> runner,
                                                 const Progress& progress, size_t total);

}  // namespace tools
