#include "bench/cli/runner.h"

#include "pb_config.h"  // before the PB_HAVE_* tests below

#include <sys/utsname.h>
#include <unistd.h>

#include <fmt/core.h>

#include <chrono>
#include <ctime>
#include <algorithm>
#include <fstream>
#include <optional>

#include "bench/core/clock.h"
#include "bench/core/errors.h"
#include "bench/core/log.h"
#include "bench/host/counters.h"
#include "bench/cli/capture.h"
#include "bench/cli/env.h"
#include "bench/cli/progress.h"
#include "bench/cli/run_tools.h"
#include "bench/cli/search_run.h"
#include "bench/cli/tables.h"
#include "bench/host/shared_knob.h"
#include "bench/host/state.h"
#include "bench/host/steering.h"
#include "bench/host/topology_veth.h"
#include "bench/paths/packet_path.h"
#include "git_version.h"
#include "reports/repetitions.h"
#include "reports/report_io.h"

namespace pb::cli {

namespace {

std::string rfc3339_now() {
  char buf[40];
  std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

reports::Context context(const RunOptions& opts, const reports::Capabilities& caps, const std::string& started_at) {
  reports::Context c;
  c.tool = {"pathbench", PB_VERSION, PB_GIT_DESCRIBE};
  c.started_at = started_at;
  if (const auto* cpus = std::get_if<reports::Cpus>(&caps.cpus)) {
    c.host.cpus = cpus->online;
    c.host.cpu_model = cpus->model.value_or("");
  }
  c.host.memory = caps.memory_bytes.value_or(0);
  if (const auto* k = std::get_if<reports::KernelFacts>(&caps.kernel)) c.kernel = *k;
  c.capabilities = caps;
  c.suite = opts.suite;
  return c;
}

constexpr const char* kRcuExpedited = "/sys/kernel/rcu_expedited";

// "auto": the path's own default generator.
std::string_view resolved_generator(const suite::ScenarioSpec& spec) {
  return spec.generator != "auto" ? std::string_view(spec.generator) : find_path(spec.path).default_generator;
}

host::SteeringConfig steering_of(const suite::ScenarioSpec& spec) {
  return {spec.rps_cpus, spec.xps_cpus, spec.rfs_entries, spec.qdisc};
}

// Whether per-packet probe families attach and detach in sampling windows.
bool probe_windows(const RunOptions& opts) {
  return probes::any_per_packet(opts.probes.families) && !opts.probes.sampling.always();
}

core::TrialRequest trial_request(const suite::ScenarioSpec& spec, std::atomic<bool>& stop) {
  return {spec.rate_pps, spec.duration_s, spec.frame_size, spec.flows, &stop, {}};
}

std::string rate_text(uint64_t pps) { return pps ? fmt::format("{} pps", pps) : "max rate"; }

// Trials at the scenario's rate (--search max).
void run_trials(const suite::ScenarioSpec& spec, core::Path& path, std::vector<reports::Trial>& trials,
                Progress& progress, std::atomic<bool>& stop) {
  for (unsigned t = 0; t < spec.trials && !stop.load(); ++t) {
    progress.step(fmt::format("trial {}/{} at {} for {:.1f} s", t + 1, spec.trials, rate_text(spec.rate_pps),
                              spec.duration_s));
    const reports::Trial& tr = trials.emplace_back(path.run_trial(trial_request(spec, stop)));
    progress.step(fmt::format("trial {}/{}: sent {} delivered {} ({:.0f} pps, loss {:.4f}%)", t + 1, spec.trials,
                              tr.sent, tr.delivered, tr.rx_pps, 100 * tr.loss_ratio));
  }
}

// The scenario's --capture: where its frames can be seen (capture.h), into the file beside
// the report. Repetitions after the first take none (one file per scenario).
// A capture that cannot start leaves `out` empty and says why in `record`.
void start_capture(const suite::ScenarioSpec& spec, const core::Topology& topo, const RunOptions& opts,
                   std::string_view generator, std::optional<ScenarioCapture>& out,
                   std::optional<reports::Capture>& record) {
  CapturePlan plan;
  plan.packets = spec.capture;
  plan.where = capture_where(spec.path);
  const bool dut = plan.where == std::string_view(reports::kCaptureDutIngress);
  plan.netns_fd = dut ? topo.dut_netns() : topo.tg_netns();
  plan.netns_name = dut ? topo.dut_netns_name() : topo.tg_netns_name();
  plan.interface = dut ? topo.dut_if() : topo.tg_if();
  plan.path = capture_path(opts.output_path, spec.name);
  plan.generator = std::string(generator);
  try {
    out.emplace(plan);
  } catch (const std::exception& e) {
    PB_WARN("{}: --capture: {}", spec.name, e.what());
    reports::Capture& c = record.emplace();
    c.requested = spec.capture;
    c.where = plan.where;
    c.interface = plan.interface;
    c.netns = plan.netns_name;
    c.error = std::string(e.what());
  }
}

reports::Scenario run_scenario(const suite::ScenarioSpec& spec, host::RunState& state, const RunOptions& opts,
                               const core::ProbeSessionFactory& probes, std::atomic<bool>& stop, unsigned index,
                               unsigned rep, Progress& progress) {
  reports::Scenario sc;
  sc.name = spec.name;
  sc.path = spec.path;
  sc.given = spec.given;
  reports::Traffic& traffic = sc.traffic.emplace();
  traffic.generator = resolved_generator(spec);
  traffic.frame_size = spec.frame_size;
  traffic.flows = spec.flows;
  traffic.offered_pps = spec.rate_pps;
  try {
    // A path's default generator may be off in this build (xdp-live without XDP support):
    // the scenario is skipped, as a path this build cannot run is (the suite refuses a
    // generator the user names that the build lacks).
    const traffic::GeneratorKind* generator = generator_named(traffic.generator);
    if (!generator)
      throw core::PathUnavailable(fmt::format("generator '{}', the default of {}, is not in this build",
                                              traffic.generator, spec.path));
    // Expedited RCU grace periods, for two waits on a normal one (~10-25 ms here):
    // - each live-frames BPF_PROG_RUN call ends in one, which makes paced xdp-live bursty;
    // - detaching a tracepoint probe that shares its tracepoint waits for one under the
    //   tracepoint mutex, which kept each probe sampling window open ~90 ms too long
    //   (5 ms expedited), at the per-packet cost of the still-attached hooks.
    std::optional<host::SharedKnob> rcu;  // host-wide: shared with concurrent runs
    if ((generator->wants_rcu_expedited || probe_windows(opts)) && access(kRcuExpedited, W_OK) == 0) {
      rcu.emplace(state, kRcuExpedited, "1");
      traffic.rcu_expedited = generator->wants_rcu_expedited ? traffic.generator : "probe windows";
    }
    const PathRow& row = find_path(spec.path);
    host::VethTopology topo(state, {row.queues ? row.queues(spec) : spec.queues, fmt::format("s{}", index),
                                    row.redirect_pair});
    host::Steering steering(state, topo, steering_of(spec));
    reports::Topology& topology = sc.topology.emplace(topo.describe());
    steering.describe(topology);
    auto path = row.make({spec, topo, *generator, probes});
    // The diagnostics watch the trials only (not the overhead pairs below); destroyed
    // before the path and the topology, so an error stops them first.
    std::optional<ScenarioCapture> capture;
    if (spec.capture && rep == 0) start_capture(spec, topo, opts, traffic.generator, capture, sc.capture);
    std::optional<ScenarioTools> tools;
    if (!spec.tools.empty())
      tools.emplace(spec.tools, ToolScope{topo.dut_netns_inode(), topo.dut_netns_name()});
    std::unique_ptr<core::CounterWatch> counters = topo.watch_counters(core::CounterScope::kScenario);
    std::vector<reports::Trial>& trials = sc.trials.emplace();
    std::optional<SearchOutcome> search;
    if (spec.search == core::SearchMode::kNdrPdr) search = run_ndr_pdr(spec, *path, trials, progress, stop);
    else run_trials(spec, *path, trials, progress, stop);
    if (tools) sc.tools = tools->finish();
    if (capture) sc.capture = capture->finish();
    reports::ScenarioCounters scenario_counters = counters->delta();
    path->finish(sc);
    if (search) search->write(sc);
    auto* packet_path = dynamic_cast<paths::PacketPath*>(path.get());
    if (opts.measure_overhead && packet_path && !stop.load()) {
      reports::Overhead& overhead = sc.probes->overhead;
      overhead.throughput =
          paths::measure_overhead(*packet_path, trial_request(spec, stop), opts.overhead_pairs, stop, spec.name);
      overhead.measured = true;
      overhead.bpf = packet_path->probe_cost();
    }
    path->describe(topology);  // after the trials: bind modes are known then
    sc.counters = std::move(scenario_counters);
    if (trials.empty() && !(search && search->search.trial_count > 0)) {
      sc.status = reports::kStatusError;
      sc.reason = std::string("interrupted before the first trial ended");
    }
  } catch (const core::UsageError&) {
    throw;
  } catch (const core::PathUnavailable& e) {
    sc.status = reports::kStatusSkipped;
    sc.reason = std::string(e.what());
  } catch (const std::exception& e) {
    PB_ERROR("{}: {}", spec.name, e.what());
    sc.status = reports::kStatusError;
    sc.reason = std::string(e.what());
  }
  return sc;
}

}  // namespace

double estimate_s(const suite::ScenarioSpec& spec, const RunOptions& opts) {
  // Measured on these machines: ~0.3-1 s to build and tear down a topology, its path and probes,
  // ~0.3 s per trial besides its traffic (counters, probes, drain).
  constexpr double kSetup = 0.8, kPerTrial = 0.3;
  double one = kSetup;
  if (spec.search == core::SearchMode::kNdrPdr) one += search_estimate_s(spec, kPerTrial);
  else one += spec.trials * (spec.duration_s + kPerTrial);
  if (opts.measure_overhead) one += (2 * opts.overhead_pairs + 1) * (spec.duration_s + kPerTrial);
  return one * spec.repeat;
}

reports::Report run_suite(const RunOptions& opts, std::atomic<bool>& stop) {
  uint64_t t0 = core::mono_ns();
  reports::Report report;
  report.context = context(opts, probe_environment(), rfc3339_now());
  host::RunState state(host::new_run_id());
  probes::ProbeSetFactory probe_factory(opts.probes);
  const unsigned total = unsigned(opts.scenarios.size());
  unsigned rounds = 1;
  double estimated = 0;
  for (const auto& spec : opts.scenarios) {
    rounds = std::max(rounds, spec.repeat);
    estimated += estimate_s(spec, opts);
  }
  Progress progress(estimated, isatty(STDERR_FILENO) == 1);
  // Repetitions interleave over the scenarios (A B C A B C), so the host's slow drift does
  // not land on one of them; each scenario's record is rewritten after each repetition.
  std::vector<std::vector<reports::Scenario>> runs(total);
  for (unsigned rep = 0; rep < rounds; ++rep) {
    for (unsigned i = 0; i < total; ++i) {
      const suite::ScenarioSpec& spec = opts.scenarios[i];
      if (rep >= spec.repeat) continue;
      // A scenario this host cannot run is not tried again.
      if (rep > 0 && runs[i].front().status == reports::kStatusSkipped) continue;
      if (stop.load()) {
        if (rep > 0) continue;
        reports::Scenario& sc = runs[i].emplace_back();
        sc.name = spec.name;
        sc.path = spec.path;
        sc.status = reports::kStatusSkipped;
        sc.reason = std::string("run interrupted");
      } else {
        progress.begin(spec.repeat > 1 ? fmt::format("[{}/{} rep {}/{}] {}", i + 1, total, rep + 1, spec.repeat, spec.name)
                                       : fmt::format("[{}/{}] {}", i + 1, total, spec.name));
        runs[i].push_back(run_scenario(spec, state, opts, probe_factory, stop, i, rep, progress));
        progress.end(estimate_s(spec, opts) / spec.repeat);
      }
      if (rep == 0) report.scenarios.push_back(reports::merge_repetitions(runs[i]));
      else report.scenarios[i] = reports::merge_repetitions(runs[i]);
      // The first repetition took the capture; the representative may be another one.
      if (!report.scenarios[i].capture && runs[i].front().capture) report.scenarios[i].capture = runs[i].front().capture;
      report.context.duration_s = double(core::mono_ns() - t0) / 1e9;
      reports::write_report_atomic(opts.output_path, report);
    }
  }
  return report;
}

}  // namespace pb::cli
