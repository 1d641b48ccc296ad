// Feature checks for `pathbench env`: each tries one thing the kernel or the build may not
// allow; a failure is an answer (reports::Feature with the errno and the message), never an
// exception.
#pragma once

#include <exception>
#include <functional>
#include <stdexcept>
#include <string>

#include "reports/model/capabilities.h"

namespace pb::core {

// An expected "cannot here": a stage ("load", "attach", ...) and the errno it failed with.
class FeatureFailure : public std::runtime_error {
 public:
  FeatureFailure(int err, const std::string& message) : std::runtime_error(message), err_(err) {}
  int err() const { return err_; }

 private:
  int err_;
};

// Throws FeatureFailure "<stage>: <strerror(err)>".
[[noreturn]] void feature_fail(int err, const std::string& stage);

// The Feature an exception stands for: its errno name (FeatureFailure, std::system_error) and
// message.
reports::Feature feature_failure(const std::exception_ptr& error);

// Runs a yes/no check: ok when `fn` returns, the failure otherwise.
reports::Feature try_feature(const std::function<void()>& fn);

// Runs a check that reads a part of the host; an exception becomes the failure.
template <typename T, typename Fn>
reports::Probed<T> try_probe(Fn&& fn) {
  try {
    return fn();
  } catch (...) {
    return feature_failure(std::current_exception());
  }
}

}  // namespace pb::core
