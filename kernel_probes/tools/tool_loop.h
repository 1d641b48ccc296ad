// The loop every ring-buffer tool runs: events are read whenever the ring is readable, a
// summary goes out at every --interval tick, and a final one after the loop stopped and
// the ring was drained. Events lost to a full ring are counted in every summary and
// warned about at the end.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/core/event_sink.h"
#include "bench/core/run_loop.h"
#include "kernel_probes/ring_buffer.h"

namespace pb::probes::tools {

// Runs `loop` with `ring` polled. `summarize(final)` returns the rows, histograms and notes
// of the span since the previous summary (final: of the whole run); the span, the
// elapsed time, the events received and the events lost are filled in here. Logs
// "<tool>: tracing with <programs> ..." on stderr once everything is attached and the
// loop starts.
void run_ring_tool(std::string_view tool, const std::vector<std::string>& programs, core::RunLoop& loop, RingBuffer& ring, core::EventSink& sink,
                   const std::function<core::Summary(bool final)>& summarize);

}  // namespace pb::probes::tools
