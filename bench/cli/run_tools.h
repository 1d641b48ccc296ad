// `pathbench run --tools T,...`: the `pathbench probe` tools running in the background of
// one scenario, each on its own thread with its own core::RunLoop (no signal handling of
// its own: the run's Ctrl-C still ends the run and keeps the partial report), scoped to
// the DUT's netns with the tool's --netns filter, their events and final summary kept for
// the report (reports::ToolRecord).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "reports/model/diagnostics.h"

namespace pb::cli {

// Where the tools look: the netns inode their --netns filter takes, and its name for the report.
struct ToolScope {
  uint32_t netns_ino = 0;
  std::string netns_name;
};

class ScenarioTools {
 public:
  // Starts each tool named (catalog names, checked by the suite) and returns once each is
  // tracing or has failed. A tool whose check() fails here is recorded "unsupported", one
  // that fails to load or run "error": the scenario goes on either way.
  ScenarioTools(const std::vector<std::string>& tools, const ToolScope& scope);
  ScenarioTools(const ScenarioTools&) = delete;
  ScenarioTools& operator=(const ScenarioTools&) = delete;
  // Stops and joins whatever still runs (records are dropped).
  ~ScenarioTools();

  // Stops every tool, waits for its final summary, and returns the records by tool name.
  reports::ToolRecords finish();

  struct Running;

 private:
  std::vector<std::unique_ptr<Running>> running_;
  reports::ToolRecords done_;  // those that never started
};

}  // namespace pb::cli
