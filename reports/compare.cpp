#include "reports/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "bench/core/errors.h"
#include "reports/json.h"
#include "reports/mann_whitney.h"
#include "reports/metrics.h"
#include "reports/stats.h"

namespace pb::reports {
namespace {

// Suite keys that set how long or how often a scenario is measured, not what is measured.
const std::set<std::string> kMeasurementKeys = {"duration", "trials", "repeat", "name"};

// Room for rounding: 95 against 100 is a change of exactly 5 %, not of 5.0000000001 %.
constexpr double kEpsilon = 1e-12;

std::string offered(uint64_t pps) { return pps == 0 ? "max" : fmt::format("{}", pps); }

// What differs between two scenarios of the same name ("" when they are comparable).
std::string configuration_difference(const Scenario& b, const Scenario& n) {
  std::vector<std::string> diffs;
  if (b.path != n.path) diffs.push_back(fmt::format("path {} vs {}", b.path, n.path));
  if (b.traffic && n.traffic) {
    const Traffic &tb = *b.traffic, &tn = *n.traffic;
    if (tb.generator != tn.generator) diffs.push_back(fmt::format("generator {} vs {}", tb.generator, tn.generator));
    if (tb.frame_size != tn.frame_size) diffs.push_back(fmt::format("frame_size {} vs {}", tb.frame_size, tn.frame_size));
    if (tb.flows != tn.flows) diffs.push_back(fmt::format("flows {} vs {}", tb.flows, tn.flows));
    if (tb.offered_pps != tn.offered_pps)
      diffs.push_back(fmt::format("offered_pps {} vs {}", offered(tb.offered_pps), offered(tn.offered_pps)));
  }
  if (b.given && n.given) {
    auto gb = given_values(*b.given), gn = given_values(*n.given);
    std::set<std::string> keys;
    for (const auto& [k, v] : gb) keys.insert(k);
    for (const auto& [k, v] : gn) keys.insert(k);
    for (const auto& k : keys) {
      if (kMeasurementKeys.count(k) || k == "path") continue;
      auto ib = gb.find(k), in = gn.find(k);
      std::string vb = ib == gb.end() ? "(unset)" : ib->second, vn = in == gn.end() ? "(unset)" : in->second;
      if (vb != vn) diffs.push_back(fmt::format("{} {} vs {}", k, vb, vn));
    }
  }
  return fmt::format("{}", fmt::join(diffs, ", "));
}

class Comparer {
 public:
  Comparer(const CompareOptions& o, CompareResult& r) : o_(o), r_(r) {}

  // Rows without a comparison: one per gated metric of `from` (an ok scenario, its values on
  // the BASE side, or the NEW side when `from_new`), or one "status" row when it has none.
  void status_rows(const std::string& scenario, const Scenario* from, bool from_new, const std::string& verdict,
                   const std::string& note, const std::string& status_metric = "status") {
    const bool ok = from && from->status == kStatusOk;
    std::vector<std::string> names;
    if (ok)
      for (const auto& m : metric_names(*from))
        if (metric_info(m).gated) names.push_back(m);
    if (names.empty()) names.push_back(status_metric);
    for (const auto& m : names) {
      CompareRow row;
      MetricInfo info = metric_info(m);
      row.scenario = scenario;
      row.metric = m;
      row.better = info.higher_is_better ? "higher" : "lower";
      // A status row of a failed scenario gates: it stands for the metrics it lost.
      row.gated = m == status_metric ? verdict == kVerdictMissing || verdict == kVerdictError : info.gated;
      row.by_difference = info.ratio;
      row.limit = limit(info);
      if (ok) {
        std::vector<double> values = metric_values(*from, m);
        Nullable<double> centre;
        if (!values.empty()) centre = median(values);
        (from_new ? row.new_value : row.base) = centre;
        (from_new ? row.n_new : row.n_base) = unsigned(values.size());
        (from_new ? row.new_values : row.base_values) = std::move(values);
      }
      row.verdict = verdict;
      row.note = note;
      add(std::move(row));
    }
  }

  void compare_scenario(const Scenario& b, const Scenario& n) {
    if (b.status != kStatusOk) {
      status_rows(b.name, &n, true, kVerdictSkipped, fmt::format("{} in BASE: {}", b.status, b.reason.value_or("")));
      return;
    }
    if (n.status == kStatusError) {
      status_rows(b.name, &b, false, kVerdictError, fmt::format("error in NEW: {}", n.reason.value_or("")));
      return;
    }
    if (n.status != kStatusOk) {
      status_rows(b.name, &b, false, kVerdictSkipped, fmt::format("{} in NEW: {}", n.status, n.reason.value_or("")));
      return;
    }
    std::vector<std::string> names = metric_names(b);
    for (const auto& m : metric_names(n))
      if (std::find(names.begin(), names.end(), m) == names.end()) names.push_back(m);
    // The gated metrics first: they are what a reader looks for.
    std::stable_sort(names.begin(), names.end(),
                     [](const std::string& a, const std::string& b) { return metric_info(a).gated > metric_info(b).gated; });
    for (const auto& m : names) add(compare_metric(b, n, m));
  }

  void missing_scenario(const Scenario& b) {
    if (b.status == kStatusOk) status_rows(b.name, &b, false, kVerdictMissing, "scenario not in NEW");
    else status_rows(b.name, nullptr, false, kVerdictSkipped, fmt::format("only in BASE, {} there: {}", b.status, b.reason.value_or("")));
  }

  void new_scenario(const Scenario& n) { status_rows(n.name, &n, true, kVerdictSkipped, "only in NEW: no baseline"); }

  void not_comparable(const Scenario& b, const std::string& why) {
    status_rows(b.name, nullptr, false, kVerdictSkipped, "not comparable: " + why, "configuration");
  }

 private:
  double limit(const MetricInfo& info) const { return info.ratio ? o_.threshold * kRatioLimitShare : o_.threshold; }

  CompareRow compare_metric(const Scenario& b, const Scenario& n, const std::string& m) {
    CompareRow row;
    MetricInfo info = metric_info(m);
    row.scenario = b.name;
    row.metric = m;
    row.better = info.higher_is_better ? "higher" : "lower";
    row.gated = info.gated;
    row.by_difference = info.ratio;
    row.limit = limit(info);
    row.base_values = metric_values(b, m);
    row.new_values = metric_values(n, m);
    row.n_base = unsigned(row.base_values.size());
    row.n_new = unsigned(row.new_values.size());
    if (!row.base_values.empty()) row.base = median(row.base_values);
    if (!row.new_values.empty()) row.new_value = median(row.new_values);
    if (row.base_values.empty()) {
      row.verdict = kVerdictSkipped;
      row.note = "only in NEW: no baseline";
      return row;
    }
    if (row.new_values.empty()) {
      row.verdict = info.gated ? kVerdictMissing : kVerdictSkipped;
      row.note = "metric not in NEW";
      return row;
    }

    const double cb = *row.base, cn = *row.new_value, diff = cn - cb;
    row.difference = diff;
    std::vector<std::string> notes;
    if (cb != 0) {
      row.change = diff / std::fabs(cb);
    } else if (cn == 0) {
      row.change = 0.0;
    } else {
      row.change = diff / ((std::fabs(cb) + std::fabs(cn)) / 2);
      if (!info.ratio) notes.push_back("base 0: change relative to the mean of both");
    }
    const double signed_change = info.ratio ? diff : *row.change;
    const double worse = info.higher_is_better ? -signed_change : signed_change;
    const double t = row.limit + kEpsilon;

    const bool testable = min_p(row.n_base, row.n_new) < o_.alpha;
    bool significant = false;
    if (testable) {
      row.p_value = mann_whitney_u(row.base_values, row.new_values).p;
      significant = *row.p_value < o_.alpha;
    } else {
      notes.push_back(fmt::format("noise not assessed: {} vs {} repetitions", row.n_base, row.n_new));
    }
    if (std::fabs(worse) <= t) {
      row.verdict = kVerdictSame;  // within the threshold: nothing for the test to confirm
    } else if (testable && !significant) {
      row.verdict = kVerdictNoise;
    } else {
      row.verdict = worse > 0 ? kVerdictRegression : kVerdictImprovement;
      row.confirmed = testable;
    }
    row.note = fmt::format("{}", fmt::join(notes, "; "));
    return row;
  }

  void add(CompareRow row) {
    if (row.gated) {
      if (row.verdict == kVerdictRegression) ++r_.regressions;
      if (row.verdict == kVerdictImprovement) ++r_.improvements;
      if (row.verdict == kVerdictMissing || row.verdict == kVerdictError) ++r_.errors;
    }
    r_.rows.push_back(std::move(row));
  }

  const CompareOptions& o_;
  CompareResult& r_;
};

std::string host_text(const Host& h) {
  return fmt::format("{} CPUs {}, {} bytes", h.cpus, h.cpu_model.empty() ? "(unknown model)" : h.cpu_model, h.memory);
}

void context_warnings(const Report& base, const Report& neu, CompareResult& r) {
  const Context &cb = base.context, &cn = neu.context;
  if (!(cb.host == cn.host))
    r.warnings.push_back(fmt::format("context.host differs (BASE {}; NEW {}): numbers from different machines differ "
                                     "by more than any threshold",
                                     host_text(cb.host), host_text(cn.host)));
  if (cb.kernel.release != cn.kernel.release)
    r.warnings.push_back(fmt::format("context.kernel.release differs (BASE {}; NEW {})", cb.kernel.release,
                                     cn.kernel.release));
  if (cb.kernel.btf != cn.kernel.btf)
    r.warnings.push_back(fmt::format("context.kernel.btf differs (BASE {}; NEW {}): probes see different things",
                                     cb.kernel.btf, cn.kernel.btf));
}

std::string names_of(const Report& r) {
  std::vector<std::string> names;
  for (const auto& s : r.scenarios) names.push_back(s.name);
  return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

CompareResult compare_reports(const Report& base, const Report& neu, const CompareOptions& opts) {
  CompareResult r;
  r.base = opts.base_name;
  r.new_file = opts.new_name;
  r.threshold = opts.threshold;
  r.alpha = opts.alpha;
  context_warnings(base, neu, r);

  std::map<std::string, const Scenario*> in_new;
  for (const auto& s : neu.scenarios)
    if (!in_new.emplace(s.name, &s).second)
      r.warnings.push_back(fmt::format("NEW has scenario {} twice: the first one is compared", s.name));
  std::set<std::string> in_base;
  Comparer cmp(opts, r);
  unsigned common = 0;
  std::vector<std::string> mismatches;
  for (const auto& b : base.scenarios) {
    if (!in_base.insert(b.name).second) {
      r.warnings.push_back(fmt::format("BASE has scenario {} twice: the first one is compared", b.name));
      continue;
    }
    auto it = in_new.find(b.name);
    if (it == in_new.end()) {
      r.only_in_base.push_back(b.name);
      cmp.missing_scenario(b);
      continue;
    }
    if (std::string why = configuration_difference(b, *it->second); !why.empty()) {
      r.not_comparable.push_back(b.name);
      mismatches.push_back(fmt::format("{}: {}", b.name, why));
      r.warnings.push_back(fmt::format("scenario {} is not comparable: {}", b.name, why));
      cmp.not_comparable(b, why);
      continue;
    }
    ++common;
    cmp.compare_scenario(b, *it->second);
  }
  for (const auto& n : neu.scenarios) {
    if (in_base.count(n.name)) continue;
    if (std::find(r.only_in_new.begin(), r.only_in_new.end(), n.name) != r.only_in_new.end()) continue;
    r.only_in_new.push_back(n.name);
    cmp.new_scenario(n);
  }
  if (common == 0) {
    std::string detail =
        mismatches.empty()
            ? fmt::format("{} has {}; {} has {}", opts.base_name, names_of(base), opts.new_name, names_of(neu))
            : fmt::format("same names, different configuration: {}", fmt::join(mismatches, "; "));
    throw core::UsageError(
        fmt::format("compare {} {}: no scenario in common ({})", opts.base_name, opts.new_name, detail));
  }
  r.regression = r.regressions + r.errors > 0;
  return r;
}

}  // namespace pb::reports
