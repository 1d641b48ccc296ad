// What a diagnostic tool emits, independent of how it is shown: the documented fields of
// its events and summaries (the one place that spells its output keys and text columns),
// the values of one event, a per-interval or final summary, and the EventSink interface
// the renderers (reports/tool_output.h) implement.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bench/core/histogram.h"

namespace pb::core {

// How a field's values are typed in JSON and shown in text.
enum class FieldType {
  kUint,    // unsigned integer
  kInt,     // signed integer
  kFloat,   // a double, shown with Field::decimals digits in text
  kString,  // one word or address
  kLines,   // a list of strings (a kernel stack): JSON array; text shows it below the row
};

// One documented output field. `name` is the JSON key; its upper-case form is the text
// column header ("tx_kb" -> "TX_KB").
struct Field {
  std::string_view name = {};
  FieldType type = FieldType::kUint;
  std::string_view unit = {};  // "", "KiB", "ms", "us", ...
  std::string_view doc = {};   // one line for --help
  int width = 0;          // text column width (a wider value pushes the row on, never cuts)
  int decimals = 0;       // kFloat digits after the point in text
  bool nullable = false;  // may be unknown: JSON null, "-" in text
};

// A value of one field: monostate when unknown (only for nullable fields).
using Value = std::variant<std::monostate, uint64_t, int64_t, double, std::string, std::vector<std::string>>;
using Values = std::vector<Value>;  // one per field, in the field table's order

// A tool's output contract: its event fields, the row fields of its summaries, and the
// histograms each summary carries (name, unit, doc; type is ignored).
struct ToolSchema {
  std::string_view tool;
  std::span<const Field> event_fields;
  std::span<const Field> summary_fields;  // empty: summaries have no rows
  std::span<const Field> histograms;      // empty: summaries have no histograms
};

// A summary: at every --interval tick (what happened in that interval) and once at the
// end (final: the whole run).
struct Summary {
  bool final = false;
  double elapsed_s = 0;                 // since the tool started
  double interval_s = 0;                // the span this summary covers
  uint64_t events = 0;                  // events delivered to user space in that span
  uint64_t lost = 0;                    // events the kernel side dropped (ring buffer full)
  std::vector<Values> rows;             // over ToolSchema::summary_fields
  std::vector<Histogram> histograms;    // same order as ToolSchema::histograms
  std::vector<std::string> notes;       // caveats: "no kernel stack for 3 events (EFAULT)"
};

// Where a running tool sends its output (text columns, JSON lines, a test's recorder).
class EventSink {
 public:
  virtual ~EventSink() = default;
  // Tracing has started (the text renderer prints its column header).
  virtual void begin() {}
  // One event, values over ToolSchema::event_fields.
  virtual void event(const Values& values) = 0;
  virtual void summary(const Summary& s) = 0;
  // Called after each batch of events; a renderer writes its buffered output out.
  virtual void flush() {}
};

}  // namespace pb::core
