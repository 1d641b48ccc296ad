// The documents the smaller commands print with --json: `generate`, `cleanup`,
// `run --dry-run`, and the error document every command prints on failure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reports/model/values.h"

namespace pb::reports {

struct GenerateResult {
  std::string generator;
  uint64_t sent = 0, bytes = 0, send_errors = 0;
  double elapsed_s = 0, tx_pps = 0;
  bool operator==(const GenerateResult&) const = default;
};

struct CleanupResult {
  std::vector<std::string> removed;  // "netns pb-...", "restored /proc/sys/..."
  std::vector<std::string> errors;
  bool operator==(const CleanupResult&) const = default;
};

struct DryRunScenario {
  std::string name, path;
  double estimated_s = 0;  // all repetitions of it
  RawJson given;
  bool operator==(const DryRunScenario&) const = default;
};
struct DryRun {
  unsigned repeat = 1;
  double estimated_s = 0;  // the whole run
  std::vector<DryRunScenario> scenarios;
  bool operator==(const DryRun&) const = default;
};

struct ErrorDoc {
  std::string error;
  int exit_code = 0;
  bool operator==(const ErrorDoc&) const = default;
};

}  // namespace pb::reports
