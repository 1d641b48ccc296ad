#include "bench/paths/trial_record.h"

#include <algorithm>

namespace pb::paths {

nlohmann::json drop_row(const std::string& side, const std::string& reason, const std::string& where, uint64_t n) {
  return {{"side", side}, {"reason", reason}, {"where", where}, {"count", n}};
}

nlohmann::json drop_rows(const core::DropCounts& drops) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& [key, n] : drops) {
    const auto& [side, reason, where] = key;
    rows.push_back(drop_row(side, reason, where, n));
  }
  return rows;
}

nlohmann::json trial_head(uint64_t offered_pps, double seconds, uint64_t sent, uint64_t delivered) {
  uint64_t lost = sent - std::min(sent, delivered);
  return {{"offered_pps", offered_pps},
          {"duration_s", seconds},
          {"sent", sent},
          {"delivered", delivered},
          {"loss_ratio", sent ? double(lost) / double(sent) : 0.0},
          {"rx_pps", seconds > 0 ? double(delivered) / seconds : 0.0}};
}

}  // namespace pb::paths
