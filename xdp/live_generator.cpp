#include "xdp/live_generator.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <exception>
#include <optional>
#include <set>
#include <thread>

#include "bench/core/clock.h"
#include "bench/core/cpus.h"
#include "bench/core/threads.h"
#include "bench/core/errors.h"
#include "bench/core/rtnl.h"
#include "bench/core/log.h"
#include "bench/core/netns.h"
#include "bench/core/unique_fd.h"
#include "bench/traffic/pacer.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "xdp/xdp_live_gen.h"
#include "xdp/xdp_live_gen.skel.h"

namespace pb::xdp {

using core::throw_errno;

namespace {

constexpr uint64_t kNsPerSec = 1'000'000'000ull;
// A max-rate BPF_PROG_RUN call stamps for about this long (the kernel's own per-frame time,
// teardown excluded): about the ~24 ms a call then sleeps in its page-pool teardown, so
// two threads per CPU keep it busy.
constexpr uint64_t kCallNs = 25'000'000;
constexpr uint64_t kMaxRepeat = 1u << 24;
// A paced call carries at least this much time's credit (a call costs a teardown sleep).
constexpr uint64_t kPaceBatchNs = 1'000'000;
// After the last call, wait this long at most for the DUT end to drain its XDP ring (its
// NAPI counts the frames as TG tx_packets).
constexpr uint64_t kSettleNs = 200'000'000;

void pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (int err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set); err)
    throw_errno(err, fmt::format("xdp-live: pin thread to CPU {}", cpu));
}

struct LinkTx {
  bool ok = false;
  uint64_t packets = 0;
  uint64_t dropped = 0;
};

LinkTx read_link_tx(int netns_fd, const std::string& ifname) {
  try {
    rtnl_link_stats64 s = core::link_stats64(ifname, netns_fd);
    return {true, s.tx_packets, s.tx_dropped};
  } catch (const std::exception& e) {
    PB_WARN("xdp-live: cannot read link counters of {}: {}", ifname, e.what());
    return {};
  }
}

}  // namespace

LiveGenProgram::LiveGenProgram(unsigned flows, uint16_t src_port_base) : flows_(flows) {
  if (flows == 0 || flows > PB_XLG_MAX_FLOWS) throw core::UsageError(fmt::format("xdp-live: flows {} outside [1, {}]", flows, PB_XLG_MAX_FLOWS));
  int n = libbpf_num_possible_cpus();
  if (n <= 0) throw_errno(-n, "xdp-live: number of possible CPUs");
  ncpus_ = unsigned(n);
  probes::route_libbpf_logs();
  skel_.reset(xdp_live_gen_bpf__open());
  if (!skel_) throw_errno("open BPF object xdp_live_gen");
  skel_->rodata->flows = flows;
  skel_->rodata->src_port_base = src_port_base;
  if (int err = bpf_map__set_max_entries(skel_->maps.flow_state, flows); err)
    throw_errno(-err, "xdp_live_gen: size flow_state");
  if (int err = xdp_live_gen_bpf__load(skel_.get()); err) throw_errno(-err, "load BPF object xdp_live_gen");
}

LiveGenProgram::~LiveGenProgram() = default;

int LiveGenProgram::prog_fd() const { return bpf_program__fd(skel_->progs.xdp_live_gen); }

void LiveGenProgram::reset(const std::vector<int>& cpus) {
  std::vector<pb_xlg_cpu> per_cpu(ncpus_);
  std::set<int> seen;
  for (size_t i = 0; i < cpus.size(); ++i) {
    int c = cpus[i];
    if (c < 0 || unsigned(c) >= ncpus_) throw core::UsageError(fmt::format("xdp-live: CPU {} out of range", c));
    if (!seen.insert(c).second) throw core::UsageError(fmt::format("xdp-live: CPU {} given twice", c));
    per_cpu[c] = {1, uint32_t(i), uint32_t(cpus.size()), uint32_t(i), 0, 0};
  }
  uint32_t zero = 0;
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.cpu_state), &zero, per_cpu.data(), BPF_ANY) != 0)
    throw_errno("xdp_live_gen: write cpu_state");
  probes::zero_percpu<pb_xlg_flow>(bpf_map__fd(skel_->maps.flow_state), flows_, "xdp_live_gen flow_state");
}

LiveGenProgram::Counts LiveGenProgram::read() const {
  Counts c;
  int cpu_fd = bpf_map__fd(skel_->maps.cpu_state);
  for (const pb_xlg_cpu& s : probes::read_percpu<pb_xlg_cpu>(cpu_fd, 0, "xdp_live_gen cpu_state")) {
    c.stamped += s.stamped;
    c.rejected += s.rejected;
  }
  // A pb_xlg_flow is its one __u64 next_seq, so flow_state is an array of __u64 counters.
  static_assert(sizeof(pb_xlg_flow) == sizeof(uint64_t) && offsetof(pb_xlg_flow, next_seq) == 0);
  c.next_seq = probes::sum_percpu_batch(bpf_map__fd(skel_->maps.flow_state), flows_, "xdp_live_gen flow_state");
  return c;
}

struct LiveGenerator::ThreadResult {
  uint64_t runs = 0;
  uint64_t forfeited = 0;
  uint64_t first_ns = 0;  // 0: never ran
  uint64_t last_ns = 0;
};

namespace {

LiveGeneratorConfig checked(LiveGeneratorConfig cfg) {
  core::validate_frame_spec(cfg.frame, cfg.flows);
  if (cfg.flows > PB_XLG_MAX_FLOWS) throw core::UsageError("xdp-live: too many flows");
  if (!(cfg.duration_s > 0)) throw core::UsageError("xdp-live: duration must be > 0");
  if (cfg.batch_size == 0 || cfg.batch_size > 256) throw core::UsageError("xdp-live: batch_size must be in [1, 256]");
  if (cfg.ifname.empty()) throw core::UsageError("xdp-live: ifname must be set");
  if (cfg.cpus.empty()) cfg.cpus = core::allowed_cpus();
  if (cfg.cpus.size() > cfg.flows) cfg.cpus.resize(cfg.flows);
  if (cfg.threads_per_cpu == 0 || cfg.threads_per_cpu > 8)
    throw core::UsageError("xdp-live: threads_per_cpu must be in [1, 8]");
  return cfg;
}

}  // namespace

LiveGenerator::LiveGenerator(LiveGeneratorConfig cfg)
    : cfg_(checked(std::move(cfg))),
      frame_(core::build_udp_frame(cfg_.frame, 0)),
      ifindex_(core::link_ifindex(cfg_.ifname, cfg_.netns_fd)),
      prog_(cfg_.flows, cfg_.frame.src_port_base) {
  prog_.reset(cfg_.cpus);  // validates the CPU list now rather than at run()
}

LiveGenerator::~LiveGenerator() = default;

void LiveGenerator::send_loop(unsigned cpu_index, uint64_t start_ns, const std::atomic<bool>& stop,
                              const std::atomic<bool>& halt, ThreadResult& out) {
  // The ifindex in the context is looked up in the calling thread's netns.
  core::NetnsGuard in_ns(cfg_.netns_fd);
  pin_to_cpu(cfg_.cpus[cpu_index]);

  const unsigned ncpus = unsigned(cfg_.cpus.size());
  const uint64_t owned = (cfg_.flows - cpu_index + ncpus - 1) / ncpus;  // |{f < flows : f % C == cpu_index}|
  traffic::PacerConfig pc;
  pc.rate_pps = cfg_.rate_pps;
  pc.share_num = owned;
  pc.share_den = uint64_t(cfg_.flows) * cfg_.threads_per_cpu;
  // A grant covers at most ~50 ms of this thread's share: the teardown sleep of one call
  // (~24 ms) accrues about that much credit, and no more is saved up.
  pc.max_batch = std::clamp<uint64_t>(
      uint64_t((unsigned __int128)cfg_.rate_pps * pc.share_num * 50'000'000 / (pc.share_den * kNsPerSec)),
      cfg_.batch_size, kMaxRepeat);
  pc.batch_ns = kPaceBatchNs;
  // Teardown sleeps vary (24 to 60+ ms seen): keep 200 ms of credit so they are made up.
  pc.burst_ns = 200'000'000;
  traffic::Pacer pacer(pc);
  const uint64_t end_ns = start_ns + uint64_t(cfg_.duration_s * double(kNsPerSec));

  xdp_md ctx{};
  ctx.ingress_ifindex = uint32_t(ifindex_);
  ctx.rx_queue_index = 0;
  ctx.data_end = uint32_t(frame_.size());  // the kernel insists: data_end == data_size_in
  LIBBPF_OPTS(bpf_test_run_opts, opts);
  opts.data_in = frame_.data();
  opts.data_size_in = uint32_t(frame_.size());
  opts.ctx_in = &ctx;
  opts.ctx_size_in = sizeof(ctx);
  opts.flags = BPF_F_TEST_XDP_LIVE_FRAMES;
  opts.batch_size = cfg_.batch_size;

  uint64_t repeat = 4096;  // max mode: resized after each call to ~kCallNs of stamping
  uint64_t frame_ns = 0;   // max mode: wall ns per frame of this thread while stamping
  pacer.start(core::mono_ns());
  while (!stop.load(std::memory_order_relaxed) && !halt.load(std::memory_order_relaxed)) {
    uint64_t now = core::mono_ns();
    if (now >= end_ns) break;
    uint64_t n = repeat;
    if (pacer.paced()) {
      n = pacer.grant(now);
      if (n == 0) {
        pacer.sleep(now, end_ns);
        continue;
      }
    } else if (frame_ns > 0) {
      // The last call stops about at the end: it cannot be cut short once started.
      n = std::clamp<uint64_t>((end_ns - now) / frame_ns, 1, repeat);
    }
    opts.repeat = int(n);
    int err = bpf_prog_test_run_opts(prog_.prog_fd(), &opts);
    uint64_t done = core::mono_ns();
    if (err != 0) {
      // A signal interrupts the run part-way; the BPF counters still say what went out.
      if (errno == EINTR) continue;
      throw_errno(fmt::format("xdp-live: BPF_PROG_RUN live frames on {} (ifindex {})", cfg_.ifname, ifindex_));
    }
    ++out.runs;
    if (out.first_ns == 0) out.first_ns = now;
    // The last frame left when the stamping loop ended, before the teardown sleep: the
    // kernel's mean per-frame time says when that was.
    out.last_ns = std::min(done, now + n * uint64_t(opts.duration));
    if (pacer.paced()) {
      pacer.consume(n);
    } else {
      // opts.duration is the kernel's mean ns per frame over the stamping loop (setup and
      // teardown excluded); other threads on this CPU stretch it in wall time, so scale by
      // them for the end-of-run estimate.
      uint64_t per = std::max<uint64_t>(opts.duration, 1);
      frame_ns = per * cfg_.threads_per_cpu;
      repeat = std::clamp<uint64_t>(kCallNs / per, cfg_.batch_size, kMaxRepeat);
    }
  }
  out.forfeited = pacer.forfeited();
}

LiveGeneratorResult LiveGenerator::run_detailed(std::atomic<bool>& stop) {
  const unsigned nthreads = unsigned(cfg_.cpus.size()) * cfg_.threads_per_cpu;
  prog_.reset(cfg_.cpus);
  LinkTx before = read_link_tx(cfg_.netns_fd, cfg_.ifname);

  std::vector<ThreadResult> results(nthreads);
  std::atomic<bool> halt{false};
  const uint64_t start_ns = core::mono_ns();
  core::run_threads(nthreads, halt, [&](unsigned t) {
    send_loop(t % unsigned(cfg_.cpus.size()), start_ns, stop, halt, results[t]);
  });

  LiveGenProgram::Counts counts = prog_.read();
  LiveGeneratorResult res;
  res.stamped = counts.stamped;
  res.rejected = counts.rejected;
  res.cpus = cfg_.cpus;
  res.threads = nthreads;

  // The DUT end counts a frame as TG tx_packets when its NAPI takes it off the XDP ring,
  // which may be after the last call returned: wait until the counters account for every
  // stamped frame or stop moving.
  LinkTx after = read_link_tx(cfg_.netns_fd, cfg_.ifname);
  const uint64_t settle_end = core::mono_ns() + kSettleNs;
  while (before.ok && after.ok && core::mono_ns() < settle_end &&
         (after.packets - before.packets) + (after.dropped - before.dropped) < res.stamped) {
    core::sleep_until_ns(core::mono_ns() + 10'000'000);
    LinkTx again = read_link_tx(cfg_.netns_fd, cfg_.ifname);
    if (!again.ok) break;
    bool moved = again.packets != after.packets || again.dropped != after.dropped;
    after = again;
    if (!moved) break;
  }
  res.link_counters = before.ok && after.ok;
  if (res.link_counters) {
    res.link_tx_packets = after.packets - before.packets;
    res.link_tx_dropped = after.dropped - before.dropped;
  }

  core::TxResult& tx = res.tx;
  uint64_t first = 0, last = 0;
  for (const ThreadResult& r : results) {
    res.prog_runs += r.runs;
    tx.forfeited += r.forfeited;
    if (r.first_ns != 0) {
      first = first == 0 ? r.first_ns : std::min(first, r.first_ns);
      last = std::max(last, r.last_ns);
    }
  }
  if (res.link_counters) {
    res.sent_source = "link:tx_packets";
    tx.sent = res.link_tx_packets;
    tx.send_errors = res.link_tx_dropped;
    // The link also carries the kernel's own frames (IPv6 router solicitations, ARP), a
    // handful per run; a shortfall means frames went missing without a counter.
    uint64_t counted = res.link_tx_packets + res.link_tx_dropped;
    if (counted < res.stamped || counted - res.stamped > std::max<uint64_t>(100, res.stamped / 1000))
      PB_WARN("xdp-live: {} stamped but {} tx_packets + {} tx_dropped on {}", res.stamped, res.link_tx_packets,
              res.link_tx_dropped, cfg_.ifname);
  } else {
    res.sent_source = "bpf:stamped";
    tx.sent = res.stamped;
  }
  if (res.stamped > 0 && res.link_counters && res.link_tx_packets == 0)
    PB_WARN("xdp-live: the peer of {} took none of {} frames: turn GRO on at the DUT end or attach XDP there",
            cfg_.ifname, res.stamped);
  tx.bytes = tx.sent * cfg_.frame.frame_size;
  tx.flows.resize(cfg_.flows);
  for (unsigned f = 0; f < cfg_.flows; ++f) {
    tx.flows[f].sent = counts.next_seq[f];
    if (counts.next_seq[f] > 0) tx.flows[f].last_seq = counts.next_seq[f] - 1;
  }
  tx.elapsed_s = last > first ? double(last - first) / double(kNsPerSec) : 0;
  tx.achieved_pps = tx.elapsed_s > 0 ? double(tx.sent) / tx.elapsed_s : 0;
  return res;
}

core::TxResult LiveGenerator::run(std::atomic<bool>& stop) {
  LiveGeneratorResult r = run_detailed(stop);
  PB_DEBUG("xdp-live: stamped {} link tx {} (sent = {})", r.stamped, r.link_tx_packets, r.sent_source);
  return r.tx;
}

namespace {

std::unique_ptr<core::Generator> make_live(const core::TrafficEndpoints& ep, const core::TrialRequest& req) {
  auto gc = traffic::frame_generator_config<LiveGeneratorConfig>(ep, req);
  gc.cpus = core::allowed_cpus_except(req.avoid_cpus);
  return std::make_unique<LiveGenerator>(gc);
}

}  // namespace

const traffic::GeneratorKind kLiveGenerator{
    "xdp-live", "BPF_PROG_RUN with live frames and XDP_TX out of the TG veth: the fastest in-kernel source", make_live,
    /*wants_rcu_expedited=*/true};

}  // namespace pb::xdp
