#include "bench/core/feature_check.h"

#include <fmt/format.h>

#include <cstring>
#include <system_error>

namespace pb::core {

namespace {

reports::Nullable<std::string> errno_name(int err) {
  if (err <= 0) return {};
  const char* name = strerrorname_np(err);
  return name ? std::string(name) : fmt::format("errno {}", err);
}

}  // namespace

void feature_fail(int err, const std::string& stage) { throw FeatureFailure(err, stage + ": " + std::strerror(err)); }

reports::Feature feature_failure(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const FeatureFailure& e) {
    return {false, errno_name(e.err()), std::string(e.what())};
  } catch (const std::system_error& e) {
    bool is_errno = e.code().category() == std::generic_category() || e.code().category() == std::system_category();
    return {false, is_errno ? errno_name(e.code().value()) : reports::Nullable<std::string>{}, std::string(e.what())};
  } catch (const std::exception& e) {
    return {false, {}, std::string(e.what())};
  } catch (...) {
    return {false, {}, std::string("unknown exception")};
  }
}

reports::Feature try_feature(const std::function<void()>& fn) {
  try {
    fn();
    return {true, {}, {}};
  } catch (...) {
    return feature_failure(std::current_exception());
  }
}

}  // namespace pb::core
