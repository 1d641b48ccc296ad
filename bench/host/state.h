// RunState: what a run changed on the host, recorded with its undo in
// /run/pathbench/<run>.json before each change, so a killed run can be undone by
// `pathbench cleanup` (or by the next run).
#pragma once

#include <nlohmann/json.hpp>

#include <mutex>
#include <optional>
#include <string>

#include "bench/core/sysfs_guard.h"
#include "reports/model/commands.h"

namespace pb::host {

inline constexpr const char* kStateDir = "/run/pathbench";

class RunState {
 public:
  // Creates the state file for `run_id` owned by this process; throws on failure.
  explicit RunState(std::string run_id);
  RunState(const RunState&) = delete;
  RunState& operator=(const RunState&) = delete;
  ~RunState();  // removes the state file: the owners undid their changes

  const std::string& run_id() const { return run_id_; }
  // Records an undo entry before the change is made: {"kind": "netns", "name": ...} or
  // {"kind": "sysfs", "path": ..., "value": old}. forget() drops it once undone.
  void record(const nlohmann::json& undo);
  void forget(const nlohmann::json& undo);

 private:
  void save_locked();
  std::string run_id_;
  std::string path_;
  nlohmann::json doc_;
  std::mutex mu_;
};

// A sysfs/procfs knob set for the life of this object, its old value in the run's state file
// meanwhile (so `pathbench cleanup` restores it after a crash).
class StateSysfsGuard {
 public:
  StateSysfsGuard(RunState& state, const std::string& path, const std::string& value);
  StateSysfsGuard(const StateSysfsGuard&) = delete;
  StateSysfsGuard& operator=(const StateSysfsGuard&) = delete;
  ~StateSysfsGuard();  // restores, then forgets the undo entry

 private:
  RunState& state_;
  nlohmann::json undo_;
  std::optional<core::SysfsGuard> guard_;
};

// Undoes what dead runs left: state files whose pid is gone, and pb-* netns no live run
// owns; says what it removed and what failed.
reports::CleanupResult cleanup_stale_runs();

// A fresh run id: 8 hex chars, unique enough for concurrent runs on one host.
std::string new_run_id();

}  // namespace pb::host
