// Progress of a run: scenario k/n, repetition, the step (trial, search trial, rate reached),
// elapsed time and ETA. On a TTY one line on stderr redrawn in place; otherwise (CI logs)
// plain log lines.
#pragma once

#include <cstdint>
#include <string>

namespace pb::cli {

class Progress {
 public:
  // estimated_s: the whole run, as `run --dry-run` estimates it. tty: stderr is a terminal.
  Progress(double estimated_s, bool tty);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // A scenario repetition begins: "[3/14 rep 2/5] kernel-udp/rate=max".
  void begin(const std::string& label);
  // A step of it: "trial 1/1 at max rate", "search trial 7 at 812 kpps: loss 0.12 %".
  void step(const std::string& text);
  // The scenario repetition ended; `estimated_s` of the run's work is done.
  void end(double estimated_s);

 private:
  void draw(const std::string& text);
  std::string timing() const;

  double estimated_s_, done_s_ = 0;
  bool tty_;
  uint64_t start_ns_;
  std::string label_;
};

// "42s", "3m05s", "1h02m".
std::string format_seconds(double s);

}  // namespace pb::cli
