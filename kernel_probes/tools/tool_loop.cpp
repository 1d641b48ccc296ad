#include "kernel_probes/tools/tool_loop.h"

#include <fmt/format.h>

#include "bench/core/log.h"

namespace pb::probes::tools {

void run_ring_tool(std::string_view tool, const std::vector<std::string>& programs, core::RunLoop& loop, RingBuffer& ring, core::EventSink& sink,
                   const std::function<core::Summary(bool final)>& summarize) {
  double last_at = 0;
  uint64_t last_received = 0, last_lost = 0;
  auto emit = [&](bool final) {
    ring.consume();
    core::Summary s = summarize(final);
    const double now = loop.elapsed_s();
    const uint64_t received = ring.received(), lost = ring.lost();
    s.final = final;
    s.elapsed_s = now;
    s.interval_s = final ? now : now - last_at;
    s.events = final ? received : received - last_received;
    s.lost = final ? lost : lost - last_lost;
    if (final && ring.short_records())
      s.notes.push_back(fmt::format("{} ring records shorter than the event layout were skipped", ring.short_records()));
    last_at = now;
    last_received = received;
    last_lost = lost;
    sink.summary(s);
  };
  loop.add_fd(ring.epoll_fd(), [&] {
    ring.consume();
    sink.flush();
  });
  if (loop.options().interval_s > 0) loop.on_tick([&] { emit(false); });
  sink.begin();
  sink.flush();
  const auto& o = loop.options();
  PB_INFO("{}: tracing with {}{}{}; Ctrl-C to end", tool, fmt::join(programs, ", "), o.duration_s > 0 ? fmt::format(" for {:g} s", o.duration_s) : "",
          o.interval_s > 0 ? fmt::format(", a summary every {:g} s", o.interval_s) : "");
  loop.run();
  emit(true);
  if (uint64_t lost = ring.lost())
    PB_WARN("{}: {} events lost: the ring buffer was full (user space did not keep up)", tool, lost);
}

}  // namespace pb::probes::tools
