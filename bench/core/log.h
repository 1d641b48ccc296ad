// The project logger: everything goes to stderr so stdout stays for results / --json.
#pragma once

#include <fmt/core.h>

#include <cstdio>

namespace pb::core {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
LogLevel log_level();
void set_log_level(LogLevel level);
// A progress line is drawn on stderr (a TTY): each log line first erases it, and the
// progress redraws it on its next update.
void set_status_line(bool drawn);
bool status_line();

template <typename... Args>
void log(LogLevel level, fmt::format_string<Args...> f, Args&&... args) {
  if (level < log_level()) return;
  static constexpr const char* kTag[] = {"debug", "info", "warn", "error"};
  fmt::print(stderr, "{}pathbench: {}: {}\n", status_line() ? "\r\033[K" : "", kTag[int(level)], fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace pb::core

#define PB_DEBUG(...) ::pb::core::log(::pb::core::LogLevel::kDebug, __VA_ARGS__)
#define PB_INFO(...) ::pb::core::log(::pb::core::LogLevel::kInfo, __VA_ARGS__)
#define PB_WARN(...) ::pb::core::log(::pb::core::LogLevel::kWarn, __VA_ARGS__)
#define PB_ERROR(...) ::pb::core::log(::pb::core::LogLevel::kError, __VA_ARGS__)
