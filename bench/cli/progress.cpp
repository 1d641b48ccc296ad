#include "bench/cli/progress.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>

#include <sys/ioctl.h>
#include <unistd.h>

#include "bench/core/clock.h"
#include "bench/core/log.h"

namespace pb::cli {

std::string format_seconds(double s) {
  long t = std::lround(std::max(0.0, s));
  if (t < 60) return fmt::format("{}s", t);
  if (t < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
}

Progress::Progress(double estimated_s, bool tty)
    : estimated_s_(estimated_s), tty_(tty), start_ns_(core::mono_ns()) {}

Progress::~Progress() {
  if (tty_ && core::status_line()) {
    std::fputs("\r\033[K", stderr);
    core::set_status_line(false);
  }
}

std::string Progress::timing() const {
  double elapsed = double(core::mono_ns() - start_ns_) / 1e9;
  // The estimate scaled by how fast the run has gone against it so far.
  double pace = done_s_ > 0 ? elapsed / done_s_ : 1.0;
  double eta = std::max(0.0, (estimated_s_ - done_s_) * pace - (done_s_ > 0 ? 0 : elapsed));
  return fmt::format("{} elapsed, ETA {}", format_seconds(elapsed), format_seconds(eta));
}

void Progress::draw(const std::string& text) {
  if (tty_) {
    // One line, or the carriage return no longer redraws it in place.
    winsize ws{};
    size_t cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 ? ws.ws_col - 1 : 119;
    fmt::print(stderr, "\r\033[K{}", text.size() > cols ? text.substr(0, cols) : text);
    std::fflush(stderr);
    core::set_status_line(true);
  } else {
    PB_INFO("{}", text);
  }
}

void Progress::begin(const std::string& label) {
  label_ = label;
  draw(fmt::format("{} ({})", label_, timing()));
}

void Progress::step(const std::string& text) { draw(fmt::format("{}: {} ({})", label_, text, timing())); }

void Progress::end(double estimated_s) { done_s_ += estimated_s; }

}  // namespace pb::cli
