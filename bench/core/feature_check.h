// Feature checks for `pathbench env`: each tries one thing the kernel or the build may not
// allow and reports {ok, errno, error}; a failure is an answer, never an exception.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <stdexcept>
#include <string>

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

// Runs a yes/no check: {ok: true, errno: null, error: null} when `fn` returns, else
// {ok: false, errno: "EPERM" | null, error: what()}.
nlohmann::json try_feature(const std::function<void()>& fn);
// Runs a check that builds its own JSON; an exception becomes {ok: false, errno, error}.
nlohmann::json try_section(const std::function<nlohmann::json()>& fn);

}  // namespace pb::core
