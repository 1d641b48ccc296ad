// The run loop: expands nothing (the suite is already a list of scenarios), builds each
// scenario's topology and path, drives its trials, and writes the report after every
// scenario so an interrupted run keeps what it finished.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "bench/suite/scenario.h"
#include "kernel_probes/probe_set.h"
#include "reports/model/report.h"

namespace pb::cli {

struct RunOptions {
  std::vector<suite::ScenarioSpec> scenarios;
  reports::RawJson suite;     // the suite as given (for context.suite)
  std::string output_path;    // the report file
  probes::ProbeOptions probes;     // families and their sampling windows
  bool measure_overhead = false;   // alternating with/without-probes trial pairs per scenario
  unsigned overhead_pairs = 3;     // how many pairs (>= 3)
};

// The time a scenario takes, all its repetitions, estimated beforehand (`run --dry-run`,
// the ETA of the progress line).
double estimate_s(const suite::ScenarioSpec& spec, const RunOptions& opts);

// Runs every scenario, repetitions interleaved; returns the final report. A scenario that cannot run here ends
// as "skipped"/"error" with its reason; only bad input throws (core::UsageError).
reports::Report run_suite(const RunOptions& opts, std::atomic<bool>& stop);

}  // namespace pb::cli
