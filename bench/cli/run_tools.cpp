#include "bench/cli/run_tools.h"

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>

#include "bench/core/event_sink.h"
#include "bench/core/log.h"
#include "bench/core/run_loop.h"
#include "bench/host/counters.h"
#include "kernel_probes/probe_features.h"
#include "kernel_probes/tools/tool.h"
#include "reports/tool_output.h"

namespace pb::cli {

namespace {

// How long a tool may take to load and attach before the scenario starts without it.
constexpr auto kStartTimeout = std::chrono::seconds(20);

// Keeps a tool's output for the report: each event as the tool's JSON line (the field
// table's keys, as `probe --json` prints it), up to kMaxToolEvents; the final summary.
class RecordSink final : public core::EventSink {
 public:
  RecordSink(const core::ToolSchema& schema, reports::ToolRecord& rec, std::function<void()> on_begin)
      : schema_(schema), rec_(rec), on_begin_(std::move(on_begin)) {}
  void begin() override { on_begin_(); }
  void event(const core::Values& values) override {
    ++rec_.events_seen;
    if (rec_.events.size() < reports::kMaxToolEvents) rec_.events.push_back({reports::event_line(schema_, values)});
    else ++rec_.events_cut;
  }
  void summary(const core::Summary& s) override {
    if (!s.final) return;
    rec_.summary = reports::RawJson{reports::summary_line(schema_, s)};
    rec_.lost = s.lost;
    rec_.notes.insert(rec_.notes.end(), s.notes.begin(), s.notes.end());
  }

 private:
  core::ToolSchema schema_;
  reports::ToolRecord& rec_;
  std::function<void()> on_begin_;
};

void ensure_mounts() {
  for (auto* ensure : {&probes::ensure_tracefs, &probes::ensure_bpffs}) {
    try {
      ensure(nullptr);
    } catch (const std::system_error& e) {
      PB_WARN("{}", e.what());
    }
  }
}

}  // namespace

struct ScenarioTools::Running {
  const probes::tools::Tool* tool = nullptr;
  reports::ToolRecord rec;
  // Made on the run's thread, so request_stop() has a loop to stop even before the tool's
  // thread reaches run(); it touches no signal state.
  core::RunLoop loop{core::RunLoopOptions{.handle_signals = false}};
  std::mutex mu;
  std::condition_variable cv;
  bool started = false;  // tracing, or failed: under mu
  std::thread thread;
};

ScenarioTools::ScenarioTools(const std::vector<std::string>& tools, const ToolScope& scope) {
  if (!tools.empty()) ensure_mounts();
  for (const std::string& name : tools) {
    reports::ToolRecord rec;
    rec.netns = scope.netns_name;
    const probes::tools::Tool* t = probes::tools::find_tool(name);
    if (!t) {
      rec.status = reports::kToolError;
      rec.reason = std::string("not in this build");
      done_[name] = std::move(rec);
      continue;
    }
    probes::tools::ToolCheck c = t->check();
    if (!c.works) {
      rec.status = reports::kToolUnsupported;
      rec.reason = c.reason;
      PB_WARN("--tools: {} is unsupported on this kernel: {}", name, c.reason);
      done_[name] = std::move(rec);
      continue;
    }
    if (!c.reason.empty()) rec.notes.push_back(c.reason);
    probes::tools::ToolOptions opts;
    if (t->options & probes::tools::kOptNetns) opts.netns_ino = scope.netns_ino;
    else rec.notes.push_back(fmt::format("host-wide: {} takes no --netns filter", name));
    opts.read_counters = [netns = scope.netns_name] { return host::snmp_counters_of(netns); };
    auto r = std::make_unique<Running>();
    r->tool = t;
    r->rec = std::move(rec);
    Running* rp = r.get();
    auto mark_started = [rp] {
      std::lock_guard lock(rp->mu);
      rp->started = true;
      rp->cv.notify_all();
    };
    rp->thread = std::thread([rp, opts, mark_started] {
      RecordSink sink(rp->tool->schema, rp->rec, mark_started);
      try {
        rp->tool->run(opts, rp->loop, sink);
      } catch (const std::exception& e) {
        rp->rec.status = reports::kToolError;
        rp->rec.reason = std::string(e.what());
      }
      mark_started();  // also when it failed before tracing
    });
    std::unique_lock lock(rp->mu);
    if (!rp->cv.wait_for(lock, kStartTimeout, [rp] { return rp->started; }))
      PB_WARN("--tools: {} did not start tracing within {} s; the scenario goes on", name,
              std::chrono::duration_cast<std::chrono::seconds>(kStartTimeout).count());
    lock.unlock();
    running_.push_back(std::move(r));
  }
}

ScenarioTools::~ScenarioTools() {
  for (auto& r : running_) r->loop.request_stop();
  for (auto& r : running_)
    if (r->thread.joinable()) r->thread.join();
}

reports::ToolRecords ScenarioTools::finish() {
  for (auto& r : running_) r->loop.request_stop();
  reports::ToolRecords out = std::move(done_);
  for (auto& r : running_) {
    if (r->thread.joinable()) r->thread.join();
    reports::ToolRecord& rec = r->rec;
    if (rec.status != reports::kToolOk) PB_WARN("--tools: {}: {}", r->tool->name(), rec.reason.value_or("failed"));
    if (rec.events_cut)
      rec.notes.push_back(fmt::format("{} of {} events kept (at most {} per tool and scenario)", rec.events.size(),
                                      rec.events_seen, reports::kMaxToolEvents));
    out[std::string(r->tool->name())] = std::move(rec);
  }
  running_.clear();
  done_.clear();
  return out;
}

}  // namespace pb::cli
