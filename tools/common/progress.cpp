#include "tools/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <string>

namespace tools {
namespace {

void write_all(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
    if (n <= 0) return;  // a progress line is not worth an error
    done += static_cast<size_t>(n);
  }
}

size_t terminal_width() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1) return ws.ws_col;
  return 80;
}

class ProgressRunner : public sriov::StepRunner {
 public:
  ProgressRunner(std::unique_ptr<sriov::StepRunner> inner, const Progress& progress, size_t total)
      : inner_(std::move(inner)), progress_(progress), total_(total) {}
  sriov::Status apply(sriov::Step& step) override {
    progress_.show(fmt::format("[{}/{}] {}", ++started_, total_, step.describe()));
    return inner_->apply(step);
  }
  sriov::Status undo(const sriov::Step& step) override {
    progress_.show("undoing: " + step.describe());
    return inner_->undo(step);
  }
  void before_first_write(std::function<sriov::Status()> hook) override {
    inner_->before_first_write(std::move(hook));
  }

 private:
  std::unique_ptr<sriov::StepRunner> inner_;
  const Progress& progress_;
  size_t total_;
  size_t started_ = 0;
};

}  // namespace

Progress Progress::for_terminal(bool quiet) { return Progress(!quiet && ::isatty(STDERR_FILENO)); }

void Progress::show(std::string_view line) const {
  if (!enabled_) return;
  std::string text(line.substr(0, terminal_width() - 1));
  // Control bytes of a device or file name would move the cursor: shown as '?'.
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  write_all("\r" + text + "\x1b[K");
  shown_ = true;
}

void Progress::clear() const {
  if (!enabled_ || !shown_) return;
  write_all("\r\x1b[K");
  shown_ = false;
}

std::unique_ptr<sriov::StepRunner> with_progress(std::unique_ptr<sriov::StepRunner> runner,
                                                 const Progress& progress, size_t total) {
  if (!progress.enabled()) return runner;
  return std::make_unique<ProgressRunner>(std::move(runner), progress, total);
}

}  // namespace tools
