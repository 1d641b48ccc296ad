// pathbench-dpdk: the DUT side of the dpdk path, a DPDK poll-mode app of its own.
//   pathbench-dpdk [EAL args] -- --engine rxonly|io|macswap --queues N --duration S --json
// Runs until the duration, SIGINT/SIGTERM or the telemetry command /pathbench/stop, then
// prints the stats document (see telemetry.h) on stdout. Exit codes: 0 done, 2 usage,
// 3 runtime (EAL could not start: the reason is on stderr and in {"error"}), 130 signal.
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fmt/core.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "bench/core/clock.h"
#include "bench/core/errors.h"
#include "bench/core/log.h"
#include "bench/core/frame.h"
#include "dpdk/eal.h"
#include "dpdk/engines.h"
#include "dpdk/eth_port.h"
#include "dpdk/mempool.h"
#include "dpdk/packet_stats.h"
#include "dpdk/telemetry.h"

namespace pb::dpdk {
namespace {

std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;

void on_signal(int sig) {
  g_signal = sig;
  g_stop.store(true);
}

struct Options {
  std::string engine = "rxonly";
  uint16_t port = 0;
  uint16_t queues = 1;
  double duration_s = 0;  // 0: until stopped
  uint16_t burst = 32;
  uint16_t rxd = 1024;
  uint16_t txd = 1024;
  unsigned mbufs = 0;  // 0: sized from queues and descriptors
  unsigned inject = 0;
  unsigned sample_ms = 10;
  bool json = false;
};

constexpr const char* kUsage =
    "usage: pathbench-dpdk [EAL args] -- [--engine rxonly|io|macswap] [--port ID] [--queues N]\n"
    "         [--duration S] [--burst N] [--rxd N] [--txd N] [--mbufs N] [--sample-ms MS]\n"
    "         [--inject N] [--json]\n"
    "  --duration S   seconds to run; 0 (default) runs until SIGINT/SIGTERM or /pathbench/stop\n"
    "  --inject N     send N tagged frames on each queue before polling (loopback vdevs: net_ring)\n"
    "  --json         print the final stats document as JSON (default: a one-line summary)\n"
    "telemetry: dpdk-telemetry.py -f <file-prefix>, commands /pathbench/stats and /pathbench/stop\n";

unsigned long parse_number(const std::string& flag, const char* text, unsigned long max) {
  char* end = nullptr;
  errno = 0;
  unsigned long v = std::strtoul(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v > max || text[0] == '-')
    throw core::UsageError(fmt::format("{} {}: expected an integer in [0, {}]", flag, text, max));
  return v;
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) throw core::UsageError(a + ": needs a value");
      return argv[++i];
    };
    if (a == "--engine") {
      o.engine = value();
      if (find_fwd_engine(o.engine) == nullptr)
        throw core::UsageError("--engine " + o.engine + ": expected rxonly, io or macswap");
    } else if (a == "--port") {
      o.port = uint16_t(parse_number(a, value(), RTE_MAX_ETHPORTS - 1));
    } else if (a == "--queues") {
      o.queues = uint16_t(parse_number(a, value(), RTE_MAX_QUEUES_PER_PORT));
      if (o.queues == 0) throw core::UsageError("--queues 0: at least one queue");
    } else if (a == "--duration") {
      const char* t = value();
      char* end = nullptr;
      o.duration_s = std::strtod(t, &end);
      if (end == t || *end != '\0' || !(o.duration_s >= 0) || o.duration_s > 1e6)
        throw core::UsageError(fmt::format("--duration {}: expected seconds >= 0", t));
    } else if (a == "--burst") {
      o.burst = uint16_t(parse_number(a, value(), 256));
      if (o.burst == 0) throw core::UsageError("--burst 0: at least 1");
    } else if (a == "--rxd") {
      o.rxd = uint16_t(parse_number(a, value(), 32768));
    } else if (a == "--txd") {
      o.txd = uint16_t(parse_number(a, value(), 32768));
    } else if (a == "--mbufs") {
      o.mbufs = unsigned(parse_number(a, value(), 1u << 24));
    } else if (a == "--inject") {
      o.inject = unsigned(parse_number(a, value(), 1u << 20));
    } else if (a == "--sample-ms") {
      o.sample_ms = unsigned(parse_number(a, value(), 60000));
      if (o.sample_ms == 0) throw core::UsageError("--sample-ms 0: at least 1");
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(core::kExitOk);
    } else {
      throw core::UsageError(a + ": unknown option (app options go after --)");
    }
  }
  return o;
}

// Sends `n` tagged frames out of each queue of `port` (tx_ns = now), so a loopback vdev
// has tagged packets to receive. Returns how many the queues took.
uint64_t inject_frames(const EthPort& port, rte_mempool* pool, unsigned n) {
  core::FrameSpec spec;
  spec.frame_size = 128;
  std::vector<uint8_t> frame = core::build_udp_frame(spec, 0);
  uint64_t sent = 0;
  for (uint16_t q = 0; q < port.queues(); ++q) {
    for (unsigned i = 0; i < n;) {
      std::array<rte_mbuf*, 32> pkts;
      unsigned k = std::min<unsigned>(32, n - i);
      if (rte_pktmbuf_alloc_bulk(pool, pkts.data(), k) != 0) return sent;
      for (unsigned j = 0; j < k; ++j) {
        auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(pkts[j], uint16_t(frame.size())));
        std::memcpy(p, frame.data(), frame.size());
        core::stamp_frame(p, spec.src_port_base, q, i + j, core::mono_ns());
      }
      uint16_t ok = rte_eth_tx_burst(port.id(), q, pkts.data(), uint16_t(k));
      sent += ok;
      if (ok < k) {
        rte_pktmbuf_free_bulk(pkts.data() + ok, k - ok);
        break;
      }
      i += k;
    }
  }
  return sent;
}

struct LaunchArgs {
  Worker* worker;
  const FwdEngine* engine;
  uint64_t deadline_ns;
  uint64_t sample_ns;
};

int worker_main(void* arg) {
  auto* a = static_cast<LaunchArgs*>(arg);
  a->worker->run(*a->engine, g_stop, a->deadline_ns, a->sample_ns, 100'000'000);
  return 0;
}

std::string summary(const nlohmann::json& j, double secs) {
  double mpps = secs > 0 ? j["rx_packets"].get<double>() / secs / 1e6 : 0;
  return fmt::format("{} on {} ({} queues): rx {} pkts ({:.3f} Mpps), tx {}, tagged {}, untagged {}, "
                     "imissed {}, rx_nombuf {}, ierrors {}; latency p50 {} ns p99 {} ns max {} ns",
                     j["engine"].get<std::string>(), j["port_name"].get<std::string>(), j["queues"].get<int>(),
                     j["rx_packets"].get<uint64_t>(), mpps, j["tx_packets"].get<uint64_t>(),
                     j["tagged"].get<uint64_t>(), j["untagged"].get<uint64_t>(), j["eth_imissed"].get<uint64_t>(),
                     j["eth_rx_nombuf"].get<uint64_t>(), j["eth_ierrors"].get<uint64_t>(),
                     j["lat_p50_ns"].get<uint64_t>(), j["lat_p99_ns"].get<uint64_t>(), j["lat_max_ns"].get<uint64_t>());
}

int run(int argc, char** argv, bool& json_out) {
  // EAL takes everything before "--"; the app everything after.
  std::vector<std::string> eal_args{argv[0]};
  int i = 1;
  for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) eal_args.emplace_back(argv[i]);
  if (i < argc) ++i;
  for (int k = i; k < argc; ++k) json_out = json_out || std::strcmp(argv[k], "--json") == 0;
  Options opt = parse_options(argc - i, argv + i);
  const FwdEngine& engine = *find_fwd_engine(opt.engine);

  Eal eal(eal_args);
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  std::vector<unsigned> lcores;
  unsigned lcore;
  RTE_LCORE_FOREACH_WORKER(lcore) lcores.push_back(lcore);
  size_t nworkers = std::min<size_t>(opt.queues, lcores.size());
  unsigned cache = 256;
  unsigned mbufs = opt.mbufs != 0 ? opt.mbufs
                                  : std::max(8191u, opt.queues * (unsigned(opt.rxd) + opt.txd + 2u * opt.burst) +
                                                        unsigned(nworkers + 1) * cache + opt.queues * opt.inject);
  Mempool pool("pb_mbuf_pool", mbufs, cache, RTE_MBUF_DEFAULT_BUF_SIZE, int(rte_socket_id()));
  PortConfig pc;
  pc.queues = opt.queues;
  pc.rxd = opt.rxd;
  pc.txd = opt.txd;
  EthPort port(opt.port, pc, pool.get());
  PB_INFO("port {} ({}, {}): {} queues of {} rx descriptors, engine {}, {} worker lcore(s){}", port.id(), port.name(),
          port.driver(), port.queues(), port.rxd(), engine.name, nworkers,
          nworkers == 0 ? " (polling on the main lcore)" : "");

  TscClock clock = TscClock::calibrate();
  std::vector<std::unique_ptr<Worker>> workers;
  size_t nloops = std::max<size_t>(1, nworkers);
  for (size_t w = 0; w < nloops; ++w) {
    std::vector<uint16_t> qs;
    for (uint16_t q = uint16_t(w); q < opt.queues; q = uint16_t(q + nloops)) qs.push_back(q);
    workers.push_back(std::make_unique<Worker>(port.id(), std::move(qs), opt.burst, clock));
  }
  if (opt.inject != 0) {
    uint64_t sent = inject_frames(port, pool.get(), opt.inject);
    PB_INFO("injected {} tagged frames", sent);
  }

  StatsSource src;
  src.port = &port;
  src.engine = engine.name;
  for (auto& w : workers) src.workers.push_back(w.get());
  src.start_ns = core::mono_ns();
  src.sample_ns = uint64_t(opt.sample_ms) * 1'000'000;
  src.tsc_hz = clock.hz();
  uint64_t deadline = opt.duration_s > 0 ? src.start_ns + uint64_t(opt.duration_s * 1e9) : 0;
  std::string stop_reason = "duration";
  nlohmann::json result;
  {
    Telemetry telemetry(src, [&stop_reason] {
      stop_reason = "telemetry";
      g_stop.store(true);
    });
    std::vector<LaunchArgs> args(nloops, LaunchArgs{nullptr, &engine, deadline, src.sample_ns});
    for (size_t w = 0; w < nloops; ++w) args[w].worker = workers[w].get();
    if (nworkers == 0) {
      worker_main(&args[0]);
    } else {
      for (size_t w = 0; w < nworkers; ++w)
        if (int ret = rte_eal_remote_launch(worker_main, &args[w], lcores[w]); ret != 0) {
          g_stop.store(true);
          rte_eal_mp_wait_lcore();
          core::throw_errno(-ret, fmt::format("rte_eal_remote_launch(lcore {})", lcores[w]));
        }
      while (!g_stop.load() && (deadline == 0 || core::mono_ns() < deadline))
        core::sleep_until_ns(core::mono_ns() + 20'000'000);
      g_stop.store(true);
      rte_eal_mp_wait_lcore();
    }
    if (g_signal != 0) stop_reason = g_signal == SIGINT ? "SIGINT" : "SIGTERM";
    // The result is read before the telemetry goes: it holds the stats lock then.
    result = stats_json(src, StatsDetail::kFinal);
  }
  if (auto ps = read_packet_socket_stats()) {
    result["packet_sockets"] = ps->sockets;
    result["packet_tp_packets"] = ps->packets;
    result["packet_tp_drops"] = ps->drops;
  }
  result["stop_reason"] = stop_reason;
  port.stop();
  double secs = double(result["elapsed_ns"].get<uint64_t>()) / 1e9;
  if (opt.json)
    std::puts(result.dump().c_str());
  else
    std::puts(summary(result, secs).c_str());
  std::fflush(stdout);
  return g_signal != 0 ? core::kExitInterrupted : core::kExitOk;
}

}  // namespace
}  // namespace pb::dpdk

int main(int argc, char** argv) {
  using namespace pb;
  bool json = false;
  auto fail = [&json](const char* stage, const std::string& msg) {
    PB_ERROR("{}", msg);
    if (json) std::puts(nlohmann::json{{"error", msg}, {"stage", stage}}.dump().c_str());
  };
  try {
    return dpdk::run(argc, argv, json);
  } catch (const core::UsageError& e) {
    fail("usage", e.what());
    std::fputs(dpdk::kUsage, stderr);
    return core::kExitUsage;
  } catch (const dpdk::EalError& e) {
    fail("eal", e.what());
    return core::kExitRuntime;
  } catch (const std::exception& e) {
    fail("run", e.what());
    return core::kExitRuntime;
  }
}
