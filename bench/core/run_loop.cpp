#include "bench/core/run_loop.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "bench/core/errors.h"

namespace pb::core {

namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// The handler while finishing.
extern "C" void exit_interrupted(int) { on_repeat_signal(); }

UniqueFd make_timer(const char* what) {
  int fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (fd < 0) throw_errno(std::string("timerfd_create for ") + what);
  return UniqueFd(fd);
}

timespec to_timespec(double s) {
  double whole = std::floor(s);
  timespec ts{time_t(whole), long((s - whole) * 1e9)};
  if (ts.tv_sec == 0 && ts.tv_nsec == 0) ts.tv_nsec = 1;  // zero would disarm the timer
  return ts;
}

void arm(const UniqueFd& fd, double first_s, double period_s, const char* what) {
  itimerspec its{};
  its.it_value = to_timespec(first_s);
  if (period_s > 0) its.it_interval = to_timespec(period_s);
  if (::timerfd_settime(fd.get(), 0, &its, nullptr) != 0) throw_errno(std::string("timerfd_settime for ") + what);
}

// Reads a timerfd's expiration count; 0 when it had not expired (EAGAIN).
uint64_t read_expirations(int fd) {
  uint64_t n = 0;
  if (::read(fd, &n, sizeof n) != ssize_t(sizeof n)) return 0;
  return n;
}

}  // namespace

RunLoop::RunLoop(RunLoopOptions opts) : opts_(opts) {
  if (!(opts_.interval_s >= 0) || !(opts_.duration_s >= 0) || !std::isfinite(opts_.interval_s) ||
      !std::isfinite(opts_.duration_s))
    throw std::invalid_argument("RunLoop: interval and duration must be finite and >= 0");
  int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) throw_errno("eventfd for RunLoop::request_stop");
  wake_fd_.reset(wake);
  if (opts_.handle_signals) {
    sigaction(SIGINT, nullptr, &old_int_);
    sigaction(SIGTERM, nullptr, &old_term_);
    sigset_t set = stop_signals();
    if (int err = pthread_sigmask(SIG_BLOCK, &set, &old_mask_); err) throw_errno(err, "block SIGINT/SIGTERM");
    int fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0) {
      int err = errno;
      pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
      throw_errno(err, "signalfd for SIGINT/SIGTERM");
    }
    signal_fd_.reset(fd);
  }
  try {
    if (opts_.interval_s > 0) tick_fd_ = make_timer("--interval");
    if (opts_.duration_s > 0) duration_fd_ = make_timer("--duration");
  } catch (...) {
    if (opts_.handle_signals) pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
    throw;
  }
}

RunLoop::~RunLoop() {
  if (!opts_.handle_signals) return;
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

void RunLoop::request_stop() noexcept {
  stop_from_other_thread_.store(true);
  uint64_t one = 1;
  ssize_t n = ::write(wake_fd_.get(), &one, sizeof one);  // EAGAIN only if already signalled
  (void)n;
}

void RunLoop::add_fd(int fd, std::function<void()> fn) { fds_.emplace_back(fd, std::move(fn)); }

void RunLoop::on_tick(std::function<void()> fn) { on_tick_ = std::move(fn); }

double RunLoop::elapsed_s() const {
  if (started_ == std::chrono::steady_clock::time_point{}) return 0;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

// A signal that arrives from here on (a second Ctrl-C, or one still pending in the
// signalfd) runs exit_interrupted as soon as the mask is lifted.
void RunLoop::enter_finishing() {
  if (finishing_) return;
  finishing_ = true;
  if (!opts_.handle_signals) return;
  struct sigaction sa {};
  sa.sa_handler = exit_interrupted;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigset_t set = stop_signals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

StopReason RunLoop::run() {
  if (finishing_) throw std::logic_error("RunLoop::run called twice");
  started_ = std::chrono::steady_clock::now();
  if (tick_fd_) arm(tick_fd_, opts_.interval_s, opts_.interval_s, "--interval");
  if (duration_fd_) arm(duration_fd_, opts_.duration_s, 0, "--duration");

  // Extra fds first: what they hold belongs to the interval a tick in the same wakeup ends.
  std::vector<pollfd> pfds;
  for (const auto& [fd, fn] : fds_) pfds.push_back({fd, POLLIN, 0});
  const size_t tick_at = pfds.size();
  pfds.push_back({tick_fd_ ? tick_fd_.get() : -1, POLLIN, 0});
  pfds.push_back({duration_fd_ ? duration_fd_.get() : -1, POLLIN, 0});
  pfds.push_back({signal_fd_ ? signal_fd_.get() : -1, POLLIN, 0});
  pfds.push_back({wake_fd_.get(), POLLIN, 0});
  const size_t duration_at = tick_at + 1, signal_at = tick_at + 2;

  try {
    for (;;) {
      if (stop_requested_ || stop_from_other_thread_.load() || (opts_.stop && opts_.stop->load())) {
        enter_finishing();
        return StopReason::kRequested;
      }
      int n = ::poll(pfds.data(), pfds.size(), -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw_errno("poll");
      }
      // The wake eventfd needs no read: the stop flag it goes with ends the loop above.
      if (pfds[signal_at].revents & POLLIN) {
        signalfd_siginfo si{};
        if (::read(signal_fd_.get(), &si, sizeof si) == ssize_t(sizeof si)) {
          stop_signal_ = int(si.ssi_signo);
          note_stop_signal();
          if (opts_.stop) opts_.stop->store(true);
          enter_finishing();
          return StopReason::kSignal;
        }
      }
      for (size_t i = 0; i < fds_.size(); ++i)
        if (pfds[i].revents & (POLLIN | POLLERR | POLLHUP)) fds_[i].second();
      if ((pfds[tick_at].revents & POLLIN) && read_expirations(tick_fd_.get()) && on_tick_) on_tick_();
      if ((pfds[duration_at].revents & POLLIN) && read_expirations(duration_fd_.get())) {
        enter_finishing();
        return StopReason::kDuration;
      }
    }
  } catch (...) {
    enter_finishing();
    throw;
  }
}

}  // namespace pb::core
