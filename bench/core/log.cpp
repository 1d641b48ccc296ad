#include "bench/core/log.h"

#include <atomic>

namespace pb::core {

namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::atomic<bool> g_status_line{false};
}

LogLevel log_level() { return g_level.load(std::memory_order_relaxed); }
void set_log_level(LogLevel level) { g_level.store(level, std::memory_order_relaxed); }
void set_status_line(bool drawn) { g_status_line.store(drawn, std::memory_order_relaxed); }
bool status_line() { return g_status_line.load(std::memory_order_relaxed); }

}  // namespace pb::core
