// The pieces of a trial record and of a scenario's drops section that every path writes
// the same way (DESIGN.md "Report").
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "bench/core/traffic.h"

namespace pb::paths {

using core::DropCounts;
using core::DropKey;

// {side, reason, where, count}
nlohmann::json drop_row(const std::string& side, const std::string& reason, const std::string& where, uint64_t n);
// One drop_row per key, in key order.
nlohmann::json drop_rows(const core::DropCounts& drops);
// A trial's first fields: {offered_pps, duration_s, sent, delivered, loss_ratio, rx_pps}.
nlohmann::json trial_head(uint64_t offered_pps, double seconds, uint64_t sent, uint64_t delivered);

}  // namespace pb::paths
