#include "bench/paths/tcp_path.h"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include <fmt/core.h>

#include "bench/core/clock.h"
#include "bench/core/errors.h"
#include "bench/core/log.h"
#include "bench/core/frame.h"
#include "bench/core/payload.h"
#include "bench/core/tag_counter.h"
#include "bench/core/threads.h"
#include "bench/host/sock_diag.h"
#include "bench/paths/tcp_sockets.h"

namespace pb::paths {

namespace {

constexpr unsigned kStreamDefaultSize = 65536;
constexpr unsigned kRrDefaultSize = 64;
constexpr unsigned kMaxMessageSize = 1u << 20;
constexpr uint64_t kGraceNs = 5'000'000'000;    // after the trial: time to drain and finish in-flight work
constexpr uint64_t kBehindNs = 10'000'000;      // paced rr: a schedule further behind than this restarts
constexpr size_t kServerReadSize = 256 * 1024;

// One connection's counts, written by its own client and server threads only.
struct FlowCounts {
  uint64_t client_bytes = 0, server_bytes = 0, server_done_ns = 0;
  uint64_t started = 0, completed = 0, mismatched = 0;  // rr transactions
  core::Histogram latency;                              // rr round trips
};

// The link's packets over a trial, from both ends' counters.
struct LinkView {
  reports::KernelView kernel;
  uint64_t tg_tx = 0, tg_tx_dropped = 0, dut_rx = 0, dut_rx_dropped = 0;
  // What the TG handed to its veth: veth counts a packet its peer refused as tx_dropped
  // and not in tx_packets.
  uint64_t offered() const { return tg_tx + tg_tx_dropped; }
  int64_t unaccounted() const {
    return int64_t(offered()) - int64_t(dut_rx) - int64_t(tg_tx_dropped) - int64_t(dut_rx_dropped);
  }
};

LinkView link_view(const core::Topology& topo, const reports::ScenarioCounters& c) {
  const reports::CounterDelta &dut = c.dut, &tg = c.tg;
  auto u = [](int64_t v) { return uint64_t(v); };
  LinkView v;
  v.tg_tx = u(tg.link(topo.tg_if(), "tx_packets"));
  v.tg_tx_dropped = u(tg.link(topo.tg_if(), "tx_dropped"));
  v.dut_rx = u(dut.link(topo.dut_if(), "rx_packets"));
  v.dut_rx_dropped = u(dut.link(topo.dut_if(), "rx_dropped"));
  reports::KernelView& k = v.kernel;
  k.tg_link_tx_packets = v.tg_tx;
  k.tg_link_tx_bytes = u(tg.link(topo.tg_if(), "tx_bytes"));
  k.tg_link_tx_dropped = v.tg_tx_dropped;
  k.dut_link_rx_packets = v.dut_rx;
  k.dut_link_rx_bytes = u(dut.link(topo.dut_if(), "rx_bytes"));
  k.dut_link_rx_dropped = v.dut_rx_dropped;
  k.tg_tcp_out_segs = u(tg.snmp("Tcp", "OutSegs"));
  k.tg_tcp_retrans_segs = u(tg.snmp("Tcp", "RetransSegs"));
  k.tg_tcp_active_opens = u(tg.snmp("Tcp", "ActiveOpens"));
  k.dut_tcp_in_segs = u(dut.snmp("Tcp", "InSegs"));
  k.dut_tcp_in_errs = u(dut.snmp("Tcp", "InErrs"));
  k.dut_tcp_passive_opens = u(dut.snmp("Tcp", "PassiveOpens"));
  k.dut_tcp_rcv_pruned = u(dut.snmp("TcpExt", "RcvPruned"));
  k.dut_tcp_backlog_drop = u(dut.snmp("TcpExt", "TCPBacklogDrop"));
  k.dut_tcp_ofo_queue = u(dut.snmp("TcpExt", "TCPOFOQueue"));
  k.dut_tcp_dsack_old_sent = u(dut.snmp("TcpExt", "TCPDSACKOldSent"));
  // Why the TG retransmitted when nothing was dropped: timeouts, tail loss probes, and
  // DSACKs (the DUT saying the data had already arrived).
  k.tg_tcp_timeouts = u(tg.snmp("TcpExt", "TCPTimeouts"));
  k.tg_tcp_loss_probes = u(tg.snmp("TcpExt", "TCPLossProbes"));
  k.tg_tcp_spurious_rtos = u(tg.snmp("TcpExt", "TCPSpuriousRTOs"));
  k.tg_tcp_dsack_recv = u(tg.snmp("TcpExt", "TCPDSACKRecv"));
  return v;
}

// The server of one connection: rr echoes each request; stream reads to EOF.
void serve(int fd, bool rr, unsigned message_size, FlowCounts& c, const std::function<bool()>& give_up) {
  if (rr) {
    std::vector<char> buf(message_size);
    while (recv_all(fd, buf.data(), buf.size(), give_up) == Io::kOk) {
      if (send_all(fd, buf.data(), buf.size(), give_up) != Io::kOk) break;
      c.server_bytes += buf.size();
    }
  } else {
    std::vector<char> buf(kServerReadSize);
    for (;;) {
      ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
      if (r > 0) {
        c.server_bytes += uint64_t(r);
      } else if (r == 0 || (r < 0 && errno == ECONNRESET)) {
        break;
      } else if (errno == EAGAIN || errno == EINTR) {
        if (give_up()) break;
      } else {
        core::throw_errno("kernel-tcp: server recv");
      }
    }
  }
  c.server_done_ns = core::mono_ns();
}

// The stream client of one connection: writes message-size buffers until the trial is over.
void stream_client(int fd, unsigned message_size, FlowCounts& c, const std::function<bool()>& over) {
  std::vector<char> buf(message_size, char(0x5a));
  while (!over()) {
    ssize_t r = ::send(fd, buf.data(), buf.size(), MSG_NOSIGNAL);
    if (r > 0) c.client_bytes += uint64_t(r);
    else if (r < 0 && errno != EAGAIN && errno != EINTR) core::throw_errno("kernel-tcp: client send");
  }
}

// The rr client of connection `flow` of `flows`: one request at a time, each tagged with the
// payload tag when it fits, its round trip timed on CLOCK_MONOTONIC. Paced: this
// connection's share of offered_pps on a schedule anchored at start_ns (absolute times, so
// rounding never drifts); a schedule more than kBehindNs late restarts from now instead of
// bursting to catch up.
void rr_client(int fd, unsigned message_size, uint32_t flow, unsigned flows, uint64_t offered_pps, uint64_t start_ns,
               uint64_t deadline, FlowCounts& c, const std::function<bool()>& over,
               const std::function<bool()>& give_up) {
  std::vector<char> buf(message_size, char(0x5a)), resp(message_size);
  const uint64_t period_ns = offered_pps ? uint64_t(1e9 * flows / double(offered_pps)) : 0;
  uint64_t next_ns = start_ns + (period_ns * flow) / flows;
  for (uint64_t seq = 0;; ++seq) {
    uint64_t now = core::mono_ns();
    if (over()) break;
    if (period_ns) {
      while (now < next_ns && !over()) {
        core::sleep_until_ns(std::min({next_ns, deadline, now + 10'000'000}));
        now = core::mono_ns();
      }
      if (over()) break;
      next_ns = now > next_ns + kBehindNs ? now + period_ns : next_ns + period_ns;
    }
    uint64_t t0 = core::mono_ns();
    if (buf.size() >= sizeof(pb_payload)) {
      pb_payload tag{PB_PAYLOAD_MAGIC, flow, seq, t0};
      std::memcpy(buf.data(), &tag, sizeof(tag));
    }
    ++c.started;
    // The transaction in flight at the deadline finishes: give up only on error, stop, or
    // after the grace period.
    if (send_all(fd, buf.data(), buf.size(), give_up) != Io::kOk) break;
    if (recv_all(fd, resp.data(), resp.size(), give_up) != Io::kOk) break;
    c.latency.record(core::tag_latency_ns(core::mono_ns(), t0));
    ++c.completed;
    c.client_bytes += buf.size();
    // The echo carries this request's own tag, delivered by the one rule (core/tag_counter.h);
    // a message too short for a tag echoes its filler.
    pb_payload echo{};
    if (core::parse_payload_tag(resp.data(), resp.size(), &echo)) {
      if (!core::is_delivered(echo, flows) || echo.flow != flow || echo.seq != seq || echo.tx_ns != t0) ++c.mismatched;
    } else if (std::memcmp(buf.data(), resp.data(), buf.size()) != 0) {
      ++c.mismatched;
    }
  }
}

}  // namespace

TcpPath::TcpPath(const core::Topology& topo, const TcpPathConfig& cfg, const core::ProbeSessionFactory* probes)
    : topo_(topo),
      cfg_(cfg),
      message_size_(cfg.message_size ? cfg.message_size
                                     : (cfg.mode == TcpMode::kStream ? kStreamDefaultSize : kRrDefaultSize)) {
  if (message_size_ > kMaxMessageSize)
    throw core::UsageError(fmt::format("message_size: {} is above {}", message_size_, kMaxMessageSize));
  if (cfg.port == 0) throw core::UsageError("kernel-tcp: port 0");
  if (probes && !probes->empty()) probes_ = probes->open(topo_, {.tcp = true});
}

TcpPath::~TcpPath() = default;

void TcpPath::describe(reports::Topology& into) const {
  into.tcp_mode = std::string(core::name(cfg_.mode));
  into.message_size = message_size_;
  into.port = cfg_.port;
}

reports::Trial TcpPath::trial(const core::TrialRequest& req, bool record) {
  const unsigned flows = std::max(1u, req.flows);
  if (flows > kMaxFlows)
    throw core::UsageError(fmt::format("flows: kernel-tcp opens one connection per flow, at most {} (asked {})",
                                       kMaxFlows, flows));
  const bool rr = cfg_.mode == TcpMode::kRr;
  std::unique_ptr<core::CounterWatch> counters = topo_.watch_counters(core::CounterScope::kTrial);

  std::atomic<bool> local_stop{false};
  std::atomic<bool>& stop = req.stop ? *req.stop : local_stop;
  std::atomic<bool> abort{false};

  std::vector<FlowCounts> counts(flows);
  std::vector<host::TcpSocketInfo> infos;
  uint64_t start_ns = 0, clients_done_ns = 0, end_ns = 0;
  {
    TcpConnections conns = open_tcp_connections(topo_, cfg_.port, flows, rr, cfg_.connect_timeout_ms);
    if (probes_) probes_->begin_trial();
    start_ns = core::mono_ns();
    const uint64_t deadline = start_ns + uint64_t(req.duration_s * 1e9);
    const uint64_t hard_deadline = deadline + kGraceNs;
    // A server or client waiting on its peer gives up after the grace period or on error.
    std::function<bool()> give_up = [&] { return abort.load() || core::mono_ns() > hard_deadline; };
    std::function<bool()> rr_give_up = [&] { return stop.load() || give_up(); };
    std::function<bool()> over = [&] { return stop.load() || abort.load() || core::mono_ns() >= deadline; };

    core::ThreadGroup servers(abort);
    for (unsigned i = 0; i < flows; ++i)
      servers.spawn([&, i] { serve(conns.servers[i].get(), rr, message_size_, counts[i], give_up); });
    core::ThreadGroup clients(abort);
    for (unsigned i = 0; i < flows; ++i) {
      int fd = conns.clients[i].get();
      clients.spawn([&, i, fd] {
        if (rr) rr_client(fd, message_size_, i, flows, req.offered_pps, start_ns, deadline, counts[i], over, rr_give_up);
        else stream_client(fd, message_size_, counts[i], over);
      });
    }
    clients.join();
    clients_done_ns = core::mono_ns();

    // tcp_info while the connections are still up; by port so other sockets of the TG
    // netns (earlier trials' TIME_WAIT) stay out.
    try {
      host::TcpSocketFilter f;
      f.dport = cfg_.port;
      for (auto& s : host::tcp_sockets(topo_.tg_netns(), f))
        if (conns.client_ports.count(s.sport) && s.state != 6 /* TCP_TIME_WAIT */) infos.push_back(std::move(s));
    } catch (const std::exception& e) {
      PB_WARN("kernel-tcp: sock_diag: {}", e.what());
    }
    // End of stream: each server reads to EOF, so everything sent is counted.
    for (auto& fd : conns.clients) ::shutdown(fd.get(), SHUT_WR);
    servers.join();
    for (const FlowCounts& c : counts) end_ns = std::max(end_ns, c.server_done_ns);
  }

  reports::Trial t;
  if (probes_) {
    // The probes' own counters are the UDP paths'; kernel-tcp keeps the families' sections.
    reports::Trial seen;
    core::ProbeReading pr = probes_->end_trial(nullptr, seen);
    t.stages = std::move(seen.stages);
    t.spread = std::move(seen.spread);
    t.queues = std::move(seen.queues);
    // Seen by kfree_skb but recovered by TCP (retransmits): not ledger losses.
    t.kernel_seen_drops = rows_of(pr.drops);
  } else {
    t.kernel_seen_drops.emplace();
  }

  // All sockets are closed; the last FIN/ACK exchange crosses the veth asynchronously, so
  // let the link counters settle (bounded) before the closing snapshot.
  LinkView view;
  for (int tries = 0; tries < 40; ++tries) {
    view = link_view(topo_, counters->delta());
    if (view.unaccounted() == 0) break;
    core::sleep_until_ns(core::mono_ns() + 5'000'000);
  }

  FlowCounts sum;
  for (const FlowCounts& c : counts) {
    sum.client_bytes += c.client_bytes;
    sum.server_bytes += c.server_bytes;
    sum.started += c.started;
    sum.completed += c.completed;
    sum.mismatched += c.mismatched;
    sum.latency.merge(c.latency);
  }
  reports::TcpTrial& tcp = t.tcp.emplace();
  for (const auto& s : infos) tcp.retransmits += s.total_retrans;
  tcp.connections = std::move(infos);

  // stream: the time the servers took to receive it all (start to the last EOF);
  // rr: start to the end of the last transaction.
  double seconds = double((rr ? clients_done_ns : end_ns) - start_ns) / 1e9;
  if (seconds <= 0) seconds = req.duration_s;

  // The packet ledger from link counters. TCP retransmits recover whatever the link or the
  // stack drops, so the application never loses a byte: a drop shows here (and as
  // retransmits), never as missing data. rr counts transactions; the ledger stays in packets.
  core::DropCounts link_drops;
  link_drops[{"tg", "VETH_TX_DROPPED", "link tx_dropped"}] = view.tg_tx_dropped;
  link_drops[{"dut", "LINK_RX_DROPPED", "link rx_dropped"}] = view.dut_rx_dropped;
  t.drops = rows_of(link_drops);
  t.ledger = ledger_of(view.offered(), view.dut_rx, view.tg_tx_dropped + view.dut_rx_dropped);
  t.ledger.source = "link counters";
  t.ledger.unit = reports::kUnitPackets;
  if (rr) set_counts(t, req.offered_pps, seconds, reports::kUnitTransactions, sum.started, sum.completed);
  else set_counts(t, req.offered_pps, seconds, reports::kUnitPackets, t.ledger.sent, t.ledger.delivered);
  t.bytes_sent = sum.client_bytes;
  t.bytes_received = sum.server_bytes;
  t.latency = core::summarize(sum.latency);
  t.kernel = std::move(view.kernel);

  tcp.mode = std::string(core::name(cfg_.mode));
  tcp.message_size = message_size_;
  tcp.flows = flows;
  tcp.bytes = sum.server_bytes;
  tcp.throughput_bps = double(sum.server_bytes) * 8 / seconds;
  tcp.transactions = sum.completed;
  tcp.tps = rr ? double(sum.completed) / seconds : 0.0;
  if (rr) tcp.tag_mismatches = sum.mismatched;

  if (!record) return t;
  totals_.add(t, sum.latency);
  bytes_ += sum.server_bytes;
  transactions_ += sum.completed;
  retransmits_ += tcp.retransmits;
  seconds_ += seconds;
  last_ = t;
  return t;
}

void TcpPath::finish(reports::Scenario& s) const {
  totals_.write(s);
  reports::Probes& probes = s.probes.emplace(probes_ ? probes_->status() : reports::Probes{});
  if (probes_) probes.overhead.bpf = probes_->bpf_stats();
  bool rr = cfg_.mode == TcpMode::kRr;
  s.tcp = reports::TcpTotals{std::string(core::name(cfg_.mode)),
                             message_size_,
                             totals_.trials(),
                             seconds_,
                             bytes_,
                             seconds_ > 0 ? double(bytes_) * 8 / seconds_ : 0.0,
                             transactions_,
                             rr && seconds_ > 0 ? double(transactions_) / seconds_ : 0.0,
                             retransmits_};
  // The probe families' sections of the last trial.
  s.stages = last_.stages;
  s.spread = last_.spread;
  s.queues = last_.queues;
}

}  // namespace pb::paths
