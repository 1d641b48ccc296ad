// RunLoop without root: its timers, an extra fd, SIGINT/SIGTERM sent with kill (from
// another process and from itself), the stop flag, a second signal while finishing
// (exit 130), the signal mask and handlers it leaves behind, and a background loop that
// leaves signals alone and is stopped from another thread.
#include "bench/core/run_loop.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace pb::core {
namespace {

bool blocked(int sig) {
  sigset_t now;
  pthread_sigmask(SIG_BLOCK, nullptr, &now);
  return sigismember(&now, sig) == 1;
}

TEST(RunLoop, TicksAtTheIntervalUntilTheDuration) {
  RunLoop loop({.interval_s = 0.05, .duration_s = 0.275});
  int ticks = 0;
  loop.on_tick([&] { ++ticks; });
  EXPECT_EQ(loop.run(), StopReason::kDuration);
  // Ticks at 50..250 ms; one callback per wakeup, so a late wakeup may merge two.
  EXPECT_GE(ticks, 3);
  EXPECT_LE(ticks, 5);
  EXPECT_GE(loop.elapsed_s(), 0.275);
  EXPECT_LT(loop.elapsed_s(), 2.0);
  EXPECT_EQ(loop.stop_signal(), 0);
}

TEST(RunLoop, CallsBackWhenAnExtraFdIsReadable) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
  UniqueFd rd(p[0]), wr(p[1]);
  RunLoop loop({.interval_s = 0.01, .duration_s = 5});
  int written = 0, got = 0;
  loop.on_tick([&] {
    if (written < 3 && ::write(wr.get(), "x", 1) == 1) ++written;
  });
  loop.add_fd(rd.get(), [&] {
    char c;
    while (::read(rd.get(), &c, 1) == 1) ++got;
    if (got == 3) loop.stop();
  });
  EXPECT_EQ(loop.run(), StopReason::kRequested);
  EXPECT_EQ(got, 3);
  EXPECT_LT(loop.elapsed_s(), 4.0);
}

TEST(RunLoop, StopsOnSigintFromAnotherProcess) {
  std::atomic<bool> stop{false};
  RunLoop loop({.duration_s = 10, .stop = &stop});
  const pid_t parent = getpid();
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    usleep(50000);
    kill(parent, SIGINT);
    _exit(0);
  }
  EXPECT_EQ(loop.run(), StopReason::kSignal);
  EXPECT_EQ(loop.stop_signal(), SIGINT);
  EXPECT_TRUE(stop.load()) << "the signal also sets the caller's stop flag";
  EXPECT_LT(loop.elapsed_s(), 5.0);
  waitpid(child, nullptr, 0);
}

TEST(RunLoop, ASignalDuringSetupWaitsForRun) {
  RunLoop loop({.duration_s = 10});
  ASSERT_EQ(kill(getpid(), SIGTERM), 0);  // blocked: it waits in the signalfd
  EXPECT_EQ(loop.run(), StopReason::kSignal);
  EXPECT_EQ(loop.stop_signal(), SIGTERM);
  EXPECT_LT(loop.elapsed_s(), 1.0);
}

TEST(RunLoop, AStopFlagSetBeforeRunStopsAtOnce) {
  std::atomic<bool> stop{true};
  RunLoop loop({.duration_s = 10, .stop = &stop});
  EXPECT_EQ(loop.run(), StopReason::kRequested);
  EXPECT_LT(loop.elapsed_s(), 1.0);
}

TEST(RunLoop, ACallbackExceptionEndsTheLoop) {
  RunLoop loop({.interval_s = 0.01, .duration_s = 10});
  loop.on_tick([] { throw std::runtime_error("tick failed"); });
  EXPECT_THROW(loop.run(), std::runtime_error);
  EXPECT_THROW(loop.run(), std::logic_error) << "a loop runs once";
}

TEST(RunLoop, RestoresTheSignalMaskAndHandlers) {
  struct sigaction before {};
  sigaction(SIGINT, nullptr, &before);
  ASSERT_FALSE(blocked(SIGINT));
  {
    RunLoop loop({.duration_s = 0.01});
    EXPECT_TRUE(blocked(SIGINT));
    EXPECT_TRUE(blocked(SIGTERM));
    loop.run();
    EXPECT_FALSE(blocked(SIGINT)) << "finishing: signals are delivered (and exit 130)";
  }
  EXPECT_FALSE(blocked(SIGINT));
  EXPECT_FALSE(blocked(SIGTERM));
  struct sigaction after {};
  sigaction(SIGINT, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
}

std::atomic<int> g_handled{0};
extern "C" void count_signal(int) { g_handled.fetch_add(1); }

// A loop in the background of `pathbench run`: the process's own SIGINT handler keeps
// running (it saves the partial report), nothing is blocked, and the run's thread stops
// the loop with request_stop().
TEST(RunLoop, WithoutSignalHandlingLeavesSignalsAloneAndStopsOnRequest) {
  struct sigaction mine {}, before {};
  mine.sa_handler = count_signal;
  sigemptyset(&mine.sa_mask);
  ASSERT_EQ(sigaction(SIGINT, &mine, &before), 0);
  g_handled = 0;
  {
    RunLoop loop({.duration_s = 10, .handle_signals = false});
    EXPECT_FALSE(blocked(SIGINT));
    EXPECT_FALSE(blocked(SIGTERM));
    struct sigaction now {};
    sigaction(SIGINT, nullptr, &now);
    EXPECT_EQ(now.sa_handler, count_signal) << "the process's handler stays";
    std::thread other([&] {
      usleep(30000);
      kill(getpid(), SIGINT);  // handled by count_signal, not by the loop
      usleep(30000);
      loop.request_stop();
    });
    EXPECT_EQ(loop.run(), StopReason::kRequested);
    other.join();
    EXPECT_EQ(loop.stop_signal(), 0);
    EXPECT_GE(loop.elapsed_s(), 0.05);
    EXPECT_LT(loop.elapsed_s(), 5.0);
    EXPECT_EQ(g_handled.load(), 1);
  }
  struct sigaction after {};
  sigaction(SIGINT, nullptr, &after);
  EXPECT_EQ(after.sa_handler, count_signal) << "the destructor restores nothing it did not change";
  EXPECT_FALSE(blocked(SIGINT));
  sigaction(SIGINT, &before, nullptr);
}

TEST(RunLoop, ARequestBeforeRunStopsAtOnce) {
  RunLoop loop({.duration_s = 10, .handle_signals = false});
  loop.request_stop();
  EXPECT_EQ(loop.run(), StopReason::kRequested);
  EXPECT_LT(loop.elapsed_s(), 1.0);
}

TEST(RunLoopDeathTest, ASecondSignalWhileFinishingExits130) {
  EXPECT_EXIT(
      {
        RunLoop loop({.duration_s = 10});
        kill(getpid(), SIGINT);
        if (loop.run() != StopReason::kSignal) std::exit(1);
        usleep(300 * 1000);      // a person pressing Ctrl-C again
        kill(getpid(), SIGINT);  // while the tool would print its final summary
        sleep(5);
        std::exit(0);
      },
      ::testing::ExitedWithCode(130), "interrupted again");
}

// timeout(1) and `kill -- -PGID` send SIGTERM to the process and again to its group: one
// request, so the command still finishes (prints its summary, undoes its changes).
TEST(RunLoopDeathTest, TheSameSignalTwiceAtOnceIsOneRequest) {
  EXPECT_EXIT(
      {
        RunLoop loop({.duration_s = 10});
        kill(getpid(), SIGTERM);
        if (loop.run() != StopReason::kSignal) std::exit(1);
        kill(getpid(), SIGTERM);
        usleep(200 * 1000);
        std::exit(7);
      },
      ::testing::ExitedWithCode(7), "");
}

}  // namespace
}  // namespace pb::core
