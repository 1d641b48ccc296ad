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
#include "bench/cli/env.h"
#include "bench/cli/tables.h"
#include "bench/host/state.h"
#include "bench/host/steering.h"
#include "bench/host/topology_veth.h"
#include "bench/paths/packet_path.h"
#include "git_version.h"
#include "reports/report_io.h"

namespace pb::cli {

using host::CounterSnapshot;
using host::RunState;
using suite::ScenarioSpec;
using host::VethTopology;
using host::delta_json;
using host::take_snapshot_in;

namespace {

std::string rfc3339_now() {
  char buf[40];
  std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

nlohmann::json host_context(const nlohmann::json& env) {
  return {{"cpus", env["cpus"].value("online", 0)},
          {"cpu_model", env["cpus"].value("model", "")},
          {"memory", env.value("memory_bytes", uint64_t(0))}};
}

nlohmann::json context(const RunOptions& opts, const nlohmann::json& env, const std::string& started_at) {
  return {{"tool", {{"name", "pathbench"}, {"version", PB_VERSION}, {"git", PB_GIT_DESCRIBE}}},
          {"started_at", started_at},
          {"duration_s", 0.0},
          {"host", host_context(env)},
          {"kernel", env["kernel"]},
          {"capabilities", env},
          {"suite", opts.suite}};
}

double ratio(uint64_t part, uint64_t whole) { return whole ? double(part) / double(whole) : 0.0; }

// Sums the trials into the scenario's "throughput" section.
nlohmann::json throughput_of(const nlohmann::json& trials) {
  uint64_t sent = 0, delivered = 0;
  double seconds = 0;
  for (const auto& t : trials) {
    sent += t["sent"].get<uint64_t>();
    delivered += t["delivered"].get<uint64_t>();
    seconds += t["duration_s"].get<double>();
  }
  return {{"sent", sent},
          {"delivered", delivered},
          {"rx_pps", seconds > 0 ? double(delivered) / seconds : 0.0},
          {"loss_ratio", ratio(sent - std::min(sent, delivered), sent)},
          {"ndr_pps", nullptr},
          {"pdr_pps", nullptr}};
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
  const std::vector<std::string>& families = opts.probes.families;
  bool sampled = std::any_of(families.begin(), families.end(),
                             [](const std::string& f) { return f == "spread" || f == "queues" || f == "stages"; });
  return sampled && !opts.probes.sampling.always();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n == 0 ? 0.0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The observer effect: the scenario's trial with and without probes, in alternating pairs
// (with first, then without first, ...), compared by the median receive rate.
nlohmann::json measure_overhead(paths::PacketPath& path, const suite::ScenarioSpec& spec, unsigned pairs_wanted,
                                std::atomic<bool>& stop) {
  const int kPairs = int(pairs_wanted);
  std::vector<double> with, without;
  nlohmann::json pairs = nlohmann::json::array();
  for (int i = 0; i < kPairs && !stop.load(); ++i) {
    nlohmann::json pair = nlohmann::json::object();
    for (bool probes : {i % 2 == 0, i % 2 != 0}) {
      path.set_probes(probes);
      core::TrialRequest req{spec.rate_pps, spec.duration_s, spec.frame_size, spec.flows, &stop, {}};
      double pps = path.run_unrecorded_trial(req)["rx_pps"].get<double>();
      (probes ? with : without).push_back(pps);
      pair[probes ? "with_probes_pps" : "without_probes_pps"] = pps;
      PB_INFO("{}: overhead pair {}/{} {} probes: {:.0f} pps", spec.name, i + 1, kPairs, probes ? "with" : "without", pps);
    }
    pairs.push_back(pair);
  }
  // One more trial with the kernel's run-time stats on, for run_time_ns per program (the
  // stats slow every BPF program, so the pairs above run without them).
  path.set_probes(true, /*run_time_stats=*/true);
  core::TrialRequest req{spec.rate_pps, spec.duration_s, spec.frame_size, spec.flows, &stop, {}};
  if (!stop.load()) path.run_unrecorded_trial(req);
  path.set_probes(false);
  path.set_probes(true);
  // Each pair's own ratio cancels drift of the host's speed between pairs; its median is
  // the headline figure, the ratio of the medians is shown beside it.
  std::vector<double> ratios;
  for (size_t i = 0; i < std::min(with.size(), without.size()); ++i)
    if (without[i] > 0) ratios.push_back(with[i] / without[i]);
  double w = median(with), wo = median(without), r = median(ratios);
  return {{"pairs", pairs},
          {"median_with_pps", w},
          {"median_without_pps", wo},
          {"ratio_of_medians", wo > 0 ? w / wo : 0.0},
          {"ratio", r},
          {"cost", ratios.empty() ? 0.0 : 1.0 - r}};
}

nlohmann::json run_scenario(const suite::ScenarioSpec& spec, host::RunState& state, const RunOptions& opts,
                            const core::ProbeSessionFactory& probes,
                            std::atomic<bool>& stop, unsigned index, unsigned total) {
  nlohmann::json sc = {{"name", spec.name}, {"path", spec.path}, {"status", "ok"}, {"reason", nullptr}};
  sc["traffic"] = {{"generator", resolved_generator(spec)},
                   {"frame_size", spec.frame_size},
                   {"flows", spec.flows},
                   {"offered_pps", spec.rate_pps}};
  sc["given"] = spec.given;
  try {
    // Expedited RCU grace periods, for two waits on a normal one (~10-25 ms here):
    // - each live-frames BPF_PROG_RUN call ends in one, which makes paced xdp-live bursty;
    // - detaching a tracepoint probe that shares its tracepoint waits for one under the
    //   tracepoint mutex, which kept each probe sampling window open ~90 ms too long
    //   (5 ms expedited), at the per-packet cost of the still-attached hooks.
    std::optional<host::StateSysfsGuard> rcu;
    bool live = resolved_generator(spec) == "xdp-live";
    if ((live || probe_windows(opts)) && access(kRcuExpedited, W_OK) == 0) {
      rcu.emplace(state, kRcuExpedited, "1");
      sc["traffic"]["rcu_expedited"] = live ? "xdp-live" : "probe windows";
    }
    const PathRow& row = find_path(spec.path);
    host::VethTopology topo(state, {row.queues ? row.queues(spec) : spec.queues, fmt::format("s{}", index),
                                    row.redirect_pair});
    host::Steering steering(state, topo, steering_of(spec));
    sc["topology"] = topo.describe();
    sc["topology"].update(steering.describe());
    auto path = row.make({spec, topo, find_generator(resolved_generator(spec)), probes});
    host::CounterSnapshot tg0 = host::take_snapshot_in(topo.tg_netns()), dut0 = host::take_snapshot_in(topo.dut_netns());
    nlohmann::json trials = nlohmann::json::array();
    for (unsigned t = 0; t < spec.trials && !stop.load(); ++t) {
      PB_INFO("[{}/{}] {}: trial {}/{} at {} for {:.1f} s", index + 1, total, spec.name, t + 1, spec.trials,
              spec.rate_pps ? fmt::format("{} pps", spec.rate_pps) : "max rate", spec.duration_s);
      core::TrialRequest req{spec.rate_pps, spec.duration_s, spec.frame_size, spec.flows, &stop, {}};
      trials.push_back(path->run_trial(req));
      const auto& tr = trials.back();
      PB_INFO("[{}/{}] {}: sent {} delivered {} ({:.0f} pps, loss {:.4f}%)", index + 1, total, spec.name,
              tr["sent"].get<uint64_t>(), tr["delivered"].get<uint64_t>(), tr["rx_pps"].get<double>(),
              100 * tr["loss_ratio"].get<double>());
    }
    host::CounterSnapshot tg1 = host::take_snapshot_in(topo.tg_netns()), dut1 = host::take_snapshot_in(topo.dut_netns());
    sc["trials"] = trials;
    sc["throughput"] = throughput_of(trials);
    sc.update(path->sections());
    auto* packet_path = dynamic_cast<paths::PacketPath*>(path.get());
    if (opts.measure_overhead && packet_path && !stop.load()) {
      sc["probes"]["overhead"]["throughput"] = measure_overhead(*packet_path, spec, opts.overhead_pairs, stop);
      sc["probes"]["overhead"]["measured"] = true;
      sc["probes"]["overhead"]["bpf"] = packet_path->probe_cost();
    }
    sc["topology"].update(path->describe());  // after the trials: bind modes are known then
    sc["counters"] = {{"dut", host::delta_json(dut0, dut1)}, {"tg", host::delta_json(tg0, tg1)}};
    if (trials.empty()) {
      sc["status"] = "error";
      sc["reason"] = "interrupted before the first trial ended";
    }
  } catch (const core::UsageError&) {
    throw;
  } catch (const core::PathUnavailable& e) {
    sc["status"] = "skipped";
    sc["reason"] = e.what();
  } catch (const std::exception& e) {
    PB_ERROR("{}: {}", spec.name, e.what());
    sc["status"] = "error";
    sc["reason"] = e.what();
  }
  return sc;
}

}  // namespace

nlohmann::json run_suite(const RunOptions& opts, std::atomic<bool>& stop) {
  uint64_t t0 = core::mono_ns();
  std::string started_at = rfc3339_now();
  nlohmann::json env = probe_environment();
  nlohmann::json report = {{"schema_version", 1}, {"context", context(opts, env, started_at)},
                           {"scenarios", nlohmann::json::array()}};
  host::RunState state(host::new_run_id());
  probes::ProbeSetFactory probe_factory(opts.probes);
  unsigned total = unsigned(opts.scenarios.size());
  for (unsigned i = 0; i < total; ++i) {
    const suite::ScenarioSpec& spec = opts.scenarios[i];
    nlohmann::json sc;
    if (stop.load()) {
      sc = {{"name", spec.name}, {"path", spec.path}, {"status", "skipped"}, {"reason", "run interrupted"}};
    } else {
      sc = run_scenario(spec, state, opts, probe_factory, stop, i, total);
    }
    report["scenarios"].push_back(std::move(sc));
    report["context"]["duration_s"] = double(core::mono_ns() - t0) / 1e9;
    reports::write_report_atomic(opts.output_path, report);
  }
  return report;
}

}  // namespace pb::cli
