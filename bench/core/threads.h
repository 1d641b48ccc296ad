// Thread fan-out: a group of threads that keeps the first exception, and run_threads, the
// shape every multi-threaded generator and the kernel-tcp path use.
#pragma once

#include <atomic>
#include <deque>
#include <exception>
#include <thread>
#include <utility>

namespace pb::core {

// Threads started one by one; join() waits for all and rethrows the first exception. A thread
// that throws sets `halt`, so the others can stop early. Destruction joins what is left.
class ThreadGroup {
 public:
  explicit ThreadGroup(std::atomic<bool>& halt) : halt_(halt) {}
  ThreadGroup(const ThreadGroup&) = delete;
  ThreadGroup& operator=(const ThreadGroup&) = delete;
  ~ThreadGroup() { join_all(); }

  template <typename Fn>
  void spawn(Fn fn) {
    Slot& slot = slots_.emplace_back();  // a deque: earlier slots never move
    slot.thread = std::thread([this, &slot, fn = std::move(fn)]() mutable {
      try {
        fn();
      } catch (...) {
        slot.error = std::current_exception();
        halt_.store(true);
      }
    });
  }

  void join() {
    join_all();
    for (Slot& s : slots_)
      if (s.error) std::rethrow_exception(s.error);
  }

 private:
  struct Slot {
    std::thread thread;
    std::exception_ptr error;
  };
  void join_all() {
    for (Slot& s : slots_)
      if (s.thread.joinable()) s.thread.join();
  }
  std::atomic<bool>& halt_;
  std::deque<Slot> slots_;
};

// Runs fn(i) for i in [0, n) on n threads and joins them all. The first thread to throw
// sets `halt` (so the others can stop early); its exception is rethrown after the join.
template <typename Fn>
void run_threads(unsigned n, std::atomic<bool>& halt, Fn&& fn) {
  ThreadGroup group(halt);
  for (unsigned i = 0; i < n; ++i) group.spawn([&fn, i] { fn(i); });
  group.join();
}

}  // namespace pb::core
