// `--repeat N`: the N runs of one scenario as one report record.
#pragma once

#include <vector>

#include "reports/model/report.h"

namespace pb::reports {

// One scenario record from its repetitions, in the order they ran:
// - one repetition: that record, unchanged;
// - otherwise the record of the representative repetition (the ok one nearest the median of
//   the primary metric: rx_pps, or pdr_pps after a search), with every repetition's trials
//   (each tagged with its repetition) and `repetitions`: per metric the values of the ok
//   repetitions and their median, min, max and MAD; those not ok are listed in `failed`;
// - none ok: the first one's record (its status and reason).
Scenario merge_repetitions(const std::vector<Scenario>& runs);

}  // namespace pb::reports
