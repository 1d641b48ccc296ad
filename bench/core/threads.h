// run_threads: the fan-out every multi-threaded generator uses.
#pragma once

#include <atomic>
#include <exception>
#include <thread>
#include <vector>

namespace pb::core {

// Runs fn(i) for i in [0, n) on n threads and joins them all. The first thread to throw
// sets `halt` (so the others can stop early); its exception is rethrown after the join.
template <typename Fn>
void run_threads(unsigned n, std::atomic<bool>& halt, Fn&& fn) {
  std::vector<std::exception_ptr> errors(n);
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      try {
        fn(i);
      } catch (...) {
        errors[i] = std::current_exception();
        halt.store(true);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace pb::core
