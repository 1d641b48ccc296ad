#include "bench/core/tag_counter.h"

#include <algorithm>

namespace pb::core {

TagCounter::TagCounter(unsigned expected_flows, uint32_t reorder_window, Flows flows)
    : flow_limit_(flow_limit(expected_flows)), reorder_window_(reorder_window), track_flows_(flows == Flows::kTrack) {
  if (!track_flows_) return;
  flows_.reserve(expected_flows);
  for (unsigned f = 0; f < expected_flows; ++f) flows_.emplace_back(reorder_window_);
}

void TagCounter::record_flow(uint32_t flow, uint64_t seq) {
  while (flows_.size() <= flow) flows_.emplace_back(reorder_window_);
  flows_[flow].record(seq);
}

void TagTally::merge(const TagCounter& c) {
  const TagTotals& t = c.totals();
  delivered += t.delivered;
  malformed += t.malformed;
  bytes += t.bytes;
  latency.merge(c.latency());
  if (flows.size() < c.flows().size()) flows.resize(c.flows().size());
  for (size_t f = 0; f < c.flows().size(); ++f) flows[f].counts += c.flows()[f].counts();
  for (FlowRx& f : flows) f.lost = f.counts.gaps();
  if (c.first_ns() != 0) {
    first_ns = first_ns == 0 ? c.first_ns() : std::min(first_ns, c.first_ns());
    last_ns = std::max(last_ns, c.last_ns());
  }
  elapsed_s = last_ns > first_ns ? double(last_ns - first_ns) / 1e9 : 0;
}

void TagTally::set_expected(std::span<const uint64_t> sent_per_flow) {
  if (flows.size() < sent_per_flow.size()) flows.resize(sent_per_flow.size());
  for (size_t i = 0; i < flows.size(); ++i)
    flows[i].lost = flows[i].counts.lost(i < sent_per_flow.size() ? sent_per_flow[i] : 0);
}

uint64_t TagTally::lost() const {
  uint64_t n = 0;
  for (const FlowRx& f : flows) n += f.lost;
  return n;
}

}  // namespace pb::core
