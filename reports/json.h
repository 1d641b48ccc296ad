// The one JSON writer and reader of pathbench's documents: the report (DESIGN.md "Report",
// schema in reports/schema/), `env --json`, `snapshot --json`, and the small command
// documents. reports/json.cpp is the only code that spells their keys and the schema version.
#pragma once

#include <map>
#include <string>

#include "reports/model/capabilities.h"
#include "reports/model/commands.h"
#include "reports/model/compare.h"
#include "reports/model/counters.h"
#include "reports/model/pivot.h"
#include "reports/model/report.h"

namespace pb::reports {

// Pretty-printed (2-space indent) JSON text of a document, without a trailing newline.
// Invalid UTF-8 in a string the kernel handed over (an interface alias, a CPU model) is
// replaced, never fatal.
std::string to_json_text(const Report& report);
std::string to_json_text(const Capabilities& caps);
std::string to_json_text(const CounterSnapshot& snapshot);
std::string to_json_text(const CounterDelta& delta);
std::string to_json_text(const SnapshotDiff& diff);
std::string to_json_text(const GenerateResult& result);
std::string to_json_text(const CleanupResult& result);
std::string to_json_text(const DryRun& dry_run);
std::string to_json_text(const ErrorDoc& error);
std::string to_json_text(const CompareResult& result);
std::string to_json_text(const PivotTable& table);

// A scenario's suite keys as given (`Scenario::given`), each value as its suite text: a
// string as is, anything else as compact JSON ("rps_cpus" -> "3", "queues" -> "4").
std::map<std::string, std::string> given_values(const RawJson& given);

// Reads a report from JSON text: schema_version must be kReportSchemaVersion, every required
// field present and typed (a scenario with status "ok" has its sections). Throws
// core::UsageError "<where>: <$.json.path>: what is wrong" (e.g. "r.json: scenarios[2].name:
// missing"). Unknown keys are ignored (forward compatibility).
Report report_from_json(const std::string& text, const std::string& where);

// Reads a `pathbench snapshot --json` document; throws core::UsageError naming `where` for
// text that is not JSON, not a snapshot (no "kind": "pathbench-snapshot": a report, say) or
// has a mistyped field.
CounterSnapshot snapshot_from_json(const std::string& text, const std::string& where);

}  // namespace pb::reports
