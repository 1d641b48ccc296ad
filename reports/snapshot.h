// `pathbench snapshot` renderings: one snapshot as the classical tools print it (ss, ip -s
// link, netstat -i, nstat, ethtool, softnet, softirqs, interrupts, sar -n SOCK, queue knobs,
// sysctl), and the difference of two snapshots as nstat and sar -n print it (deltas and
// rates per second of what changed).
#pragma once

#include <string>

#include "reports/model/counters.h"

namespace pb::reports {

// The snapshot as text, one section per classical tool ("== ss -tiepm ==", ...). Ends with a
// newline.
std::string render_snapshot_text(const CounterSnapshot& snapshot);

// B - A: every counter that changed (with its rate over B.taken_ns - A.taken_ns) and the sar
// -n tables (DEV EDEV IP EIP ICMP TCP ETCP UDP SOCK SOCK6 SOFT) over the interval. `from`
// and `to` name the files. Throws core::UsageError when B was not taken after A.
SnapshotDiff diff_snapshots(const CounterSnapshot& a, const CounterSnapshot& b, const std::string& from,
                            const std::string& to);

// The diff as text: the sar tables as sar prints them, then the changed counters per tool
// as nstat does (name, delta, rate/s). Ends with a newline.
std::string render_diff_text(const SnapshotDiff& diff);

}  // namespace pb::reports
