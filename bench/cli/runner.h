// The run loop: expands nothing (the suite is already a list of scenarios), builds each
// scenario's topology and path, drives its trials, and writes the report after every
// scenario so an interrupted run keeps what it finished.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <string>
#include <vector>

#include "bench/scenario.h"

namespace pb::cli {

struct RunOptions {
  std::vector<bench::ScenarioSpec> scenarios;
  nlohmann::json suite;       // the suite as given (for context.suite)
  std::string output_path;    // the report file
  std::string probes = "default";  // default | none | comma list (bench/probe_set.h)
  std::string probe_window = "100/1000";  // ACTIVE_MS/PERIOD_MS | all (bench/probe_set.h)
  bool measure_overhead = false;   // alternating with/without-probes trial pairs per scenario
  unsigned overhead_pairs = 3;     // how many pairs (>= 3)
};

// Runs every scenario; returns the final report. A scenario that cannot run here ends
// as "skipped"/"error" with its reason; only bad input throws (core::UsageError).
nlohmann::json run_suite(const RunOptions& opts, std::atomic<bool>& stop);

}  // namespace pb::cli
