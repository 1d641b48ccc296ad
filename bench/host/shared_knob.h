// SharedKnob: a host-wide knob (/sys/kernel/rcu_expedited, net.core.rps_sock_flow_entries)
// that concurrent runs may all want. The first run to take it records the host's value and
// sets it; later runs that want the same value join; a run that wants another value while
// it is held is refused with a message naming the knob, its value and the holder. The last
// holder to leave restores the host's value, so whichever run ends first, the host gets its
// own value back. The ledger is /run/pathbench/<knob>.knob (original value, value, holders
// as run id + pid), changed under flock of /run/pathbench; each holder also records
// {"kind": "shared", "path"} in its state file, so `pathbench cleanup` releases a dead run's
// hold (and restores the value when no live holder is left).
#pragma once

#include <string>

#include "bench/host/state.h"

namespace pb::host {

class SharedKnob {
 public:
  // Takes the knob at `value` for `state`'s run; throws std::runtime_error when a live run
  // holds it at another value, std::system_error when it cannot be read or written.
  SharedKnob(RunState& state, std::string path, const std::string& value);
  SharedKnob(const SharedKnob&) = delete;
  SharedKnob& operator=(const SharedKnob&) = delete;
  ~SharedKnob();  // leaves; the last holder restores the host's value. Logs, never throws.

 private:
  RunState& state_;
  std::string path_;
};

// For `cleanup`: drops dead runs from every ledger and restores each knob no live run holds
// any more; returns what it restored ("restored /sys/kernel/rcu_expedited to 0").
std::vector<std::string> release_dead_holders();

}  // namespace pb::host
