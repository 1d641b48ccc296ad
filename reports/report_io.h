// Reading and writing report files (DESIGN.md "Report", schema in reports/schema/).
#pragma once

#include <string>

#include "reports/model/report.h"

namespace pb::reports {

// Writes `text` to `path` so that a reader sees either the old file or the complete new one,
// even across a crash: a temporary file in the same directory (mkstemp), fsync, rename over
// `path`, fsync of the directory. The file ends up mode 0644. On failure the temporary file
// is removed and std::system_error names `path` and the step that failed.
void write_file_atomic(const std::string& path, const std::string& text);

// The report as JSON (reports/json.h), written atomically with a trailing newline.
void write_report_atomic(const std::string& path, const Report& report);

// Reads a report file (reports/json.h: report_from_json). Throws core::UsageError naming
// `path` when the file cannot be read, is not JSON, has a missing or unsupported
// schema_version, or lacks a required field (naming it).
Report load_report(const std::string& path);

}  // namespace pb::reports
