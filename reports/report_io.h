// Reading and writing report files (DESIGN.md "Report", schema in reports/schema/).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace pb::reports {

// The report schema version this build writes and reads.
inline constexpr int kReportSchemaVersion = 1;

// Writes `report` to `path` so that a reader sees either the old file or the complete new
// one, even across a crash: a temporary file in the same directory (mkstemp), fsync, rename
// over `path`, fsync of the directory. The file ends up mode 0644. On failure the temporary
// file is removed and std::system_error names `path` and the step that failed.
void write_report_atomic(const std::string& path, const nlohmann::json& report);

// Reads a report: a JSON object with "schema_version": kReportSchemaVersion and a
// "scenarios" array. Throws core::UsageError naming `path` when the file cannot be read,
// is not JSON, or has a missing or unsupported schema_version.
nlohmann::json load_report(const std::string& path);

}  // namespace pb::reports
