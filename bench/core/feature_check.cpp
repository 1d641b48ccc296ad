#include "bench/core/feature_check.h"

#include <fmt/format.h>

#include <cstring>
#include <system_error>

namespace pb::core {

namespace {

using nlohmann::json;

json errno_name(int err) {
  if (err <= 0) return nullptr;
  const char* name = strerrorname_np(err);
  return name ? json(name) : json(fmt::format("errno {}", err));
}

json failure_result(const std::exception_ptr& ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const FeatureFailure& e) {
    return {{"ok", false}, {"errno", errno_name(e.err())}, {"error", e.what()}};
  } catch (const std::system_error& e) {
    bool is_errno = e.code().category() == std::generic_category() ||
                    e.code().category() == std::system_category();
    return {{"ok", false}, {"errno", is_errno ? errno_name(e.code().value()) : json(nullptr)},
            {"error", e.what()}};
  } catch (const std::exception& e) {
    return {{"ok", false}, {"errno", nullptr}, {"error", e.what()}};
  } catch (...) {
    return {{"ok", false}, {"errno", nullptr}, {"error", "unknown exception"}};
  }
}

}  // namespace

void feature_fail(int err, const std::string& stage) { throw FeatureFailure(err, stage + ": " + std::strerror(err)); }

json try_feature(const std::function<void()>& fn) {
  try {
    fn();
    return {{"ok", true}, {"errno", nullptr}, {"error", nullptr}};
  } catch (...) {
    return failure_result(std::current_exception());
  }
}

json try_section(const std::function<json()>& fn) {
  try {
    return fn();
  } catch (...) {
    return failure_result(std::current_exception());
  }
}

}  // namespace pb::core
