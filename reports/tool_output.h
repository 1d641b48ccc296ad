// Renderers of a diagnostic tool's output (`pathbench probe TOOL`), generic over the tool's
// field table (bench/core/event_sink.h), so every tool gets the same three views:
// text columns (one line per event under a fixed-width header, as the book's tools print),
// log-linear histograms (the project's buckets, or power-of-two rows with --log2) and JSON
// lines (one object per event or per summary, keys from the field table).
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bench/core/event_sink.h"
#include "bench/core/histogram.h"

namespace pb::reports {

// The view `pathbench probe` asked for.
struct ToolOutputOptions {
  bool json = false;  // JSON lines instead of text
  bool log2 = false;  // text histograms in power-of-two rows
};

// The renderer for one tool on `out` (stdout): text or JSON lines. flush() writes the
// stream out and throws std::system_error(EPIPE) once it can no longer be written.
std::unique_ptr<core::EventSink> make_tool_output(const core::ToolSchema& schema, std::ostream& out,
                                                  ToolOutputOptions opts);

// The column header: each field that is a column, upper-cased and padded as its values are.
std::string text_header(std::span<const core::Field> fields);
// One row under text_header, then one indented line per entry of each kLines field.
std::string text_row(std::span<const core::Field> fields, const core::Values& values);

// One histogram row: values in [lower, upper] (inclusive) were counted `count` times.
struct HistogramRow {
  uint64_t lower = 0;
  uint64_t upper = 0;
  uint64_t count = 0;
};
// The non-empty rows of `h` with `rows_per_octave` rows per power of two (a power of two in
// [1, 128]): 128 gives the project's buckets themselves (each under 1 % wide), 1 the
// book's log2 rows ([0], [1], [2, 4), [4, 8), ...). Values below rows_per_octave have a row
// each. Rows of a coarser view are unions of whole buckets, so counts are exact.
std::vector<HistogramRow> histogram_rows(const core::Histogram& h, unsigned rows_per_octave);
// A histogram as text: a line of count/min/mean/percentiles (each within 1 % of the true
// value), then one bar per row. The log-linear view shows the project's buckets, halving
// the rows per power of two until at most `max_rows` remain; with `log2`, power-of-two rows.
std::string render_histogram(const core::Histogram& h, const core::Field& spec, bool log2, size_t max_rows = 40);
// The JSON lines below are one line of text each, without the newline; keys in field order.
// A histogram in the report's latency shape ({unit, count, min, mean, p50, p90, p99, p999,
// max, histogram: [[upper, count], ...]}) in `unit`: always the full log-linear buckets.
std::string histogram_line(const core::Histogram& h, std::string_view unit);

// A summary as text: a header line (span, events, lost), the rows under their column
// header, each non-empty histogram and the notes.
std::string render_summary_text(const core::ToolSchema& schema, const core::Summary& s, bool log2);
// A summary ({"type": "summary", "tool", "final", ...}); rows and values as `fields`
// name them, unknown values null.
std::string summary_line(const core::ToolSchema& schema, const core::Summary& s);
// One event ({"type": "event", "tool", ...fields}).
std::string event_line(const core::ToolSchema& schema, const core::Values& values);

// For `probe TOOL --help`: each table of the tool with every field's name, type, unit and doc.
std::string render_fields_help(const core::ToolSchema& schema);
// A tool's entry for `probe --list --json`: {"type": "tool", name, doc, works, reason,
// options, fields, summary_fields, histograms}.
std::string tool_entry_line(const core::ToolSchema& schema, std::string_view doc, bool works,
                            const std::string& reason, const std::vector<std::string>& options);
// An error ({"type": "error", "error", "exit_code"}).
std::string error_line(const std::string& message, int exit_code);
// The JSON Schema (2020-12) every line `pathbench probe ... --json` prints must satisfy:
// the events and summaries of each tool, tool entries and errors. Generated from the
// field tables; reports/schema/tools.schema.json is this output, checked by the tests.
// Pretty-printed (2-space indent).
std::string tool_lines_schema(std::span<const core::ToolSchema> schemas);

}  // namespace pb::reports
