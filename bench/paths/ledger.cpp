#include "bench/paths/ledger.h"

#include <algorithm>

namespace pb::paths {

namespace {

double ratio(uint64_t part, uint64_t whole) { return whole ? double(part) / double(whole) : 0.0; }

void add_rows(core::DropCounts& into, const std::vector<reports::DropRow>& rows) {
  for (const auto& r : rows) into[{r.side, r.reason, r.where}] += r.count;
}

}  // namespace

void set_counts(reports::Trial& t, uint64_t offered_pps, double seconds, const std::string& unit, uint64_t sent,
                uint64_t delivered) {
  t.offered_pps = offered_pps;
  t.duration_s = seconds;
  t.unit = unit;
  t.sent = sent;
  t.delivered = delivered;
  t.loss_ratio = ratio(sent - std::min(sent, delivered), sent);
  t.rx_pps = seconds > 0 ? double(delivered) / seconds : 0.0;
}

std::vector<reports::DropRow> rows_of(const core::DropCounts& drops) {
  std::vector<reports::DropRow> rows;
  for (const auto& [key, n] : drops) {
    if (!n) continue;
    const auto& [side, reason, where] = key;
    rows.push_back({side, reason, where, n});
  }
  return rows;
}

DropRows drop_rows(const core::DropCounts& drops) {
  DropRows out;
  for (reports::DropRow& row : rows_of(drops)) {
    if (row.side == "tg" && row.reason.rfind("QDISC", 0) == 0) {
      out.unsent.push_back(std::move(row));
      continue;
    }
    out.attributed_total += row.count;
    out.attributed.push_back(std::move(row));
  }
  return out;
}

reports::Ledger ledger_of(uint64_t sent, uint64_t delivered, uint64_t attributed) {
  reports::Ledger l;
  l.sent = sent;
  l.delivered = delivered;
  l.attributed = attributed;
  l.unaccounted = int64_t(sent) - int64_t(delivered) - int64_t(attributed);
  return l;
}

void ScenarioTotals::add(const reports::Trial& t, const core::Histogram& latency) {
  ++trials_;
  unit_ = t.unit;
  sent_ += t.sent;
  delivered_ += t.delivered;
  seconds_ += t.duration_s;
  ledger_sent_ += t.ledger.sent;
  ledger_delivered_ += t.ledger.delivered;
  attributed_ += t.ledger.attributed;
  add_rows(by_reason_, t.drops);
  if (t.unsent) add_rows(unsent_, *t.unsent);
  if (t.kernel_seen_drops) add_rows(kernel_seen_, *t.kernel_seen_drops);
  latency_.merge(latency);
}

reports::Throughput ScenarioTotals::throughput() const {
  reports::Throughput tp;
  tp.unit = unit_;
  // Packets: the ledger's own sums, so the two can never disagree.
  bool packets = unit_ == reports::kUnitPackets;
  tp.sent = packets ? ledger_sent_ : sent_;
  tp.delivered = packets ? ledger_delivered_ : delivered_;
  tp.rx_pps = seconds_ > 0 ? double(tp.delivered) / seconds_ : 0.0;
  tp.loss_ratio = ratio(tp.sent - std::min(tp.sent, tp.delivered), tp.sent);
  return tp;
}

reports::Drops ScenarioTotals::drops() const {
  reports::Drops d;
  d.ledger = ledger_of(ledger_sent_, ledger_delivered_, attributed_);
  d.by_reason = rows_of(by_reason_);
  if (has_unsent_) d.unsent = rows_of(unsent_);
  if (has_kernel_seen_) d.kernel_seen = rows_of(kernel_seen_);
  return d;
}

}  // namespace pb::paths
