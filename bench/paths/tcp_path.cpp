#include "bench/paths/tcp_path.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <set>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "bench/core/clock.h"
#include "bench/core/errors.h"
#include "bench/core/log.h"
#include "bench/core/netns.h"
#include "bench/core/payload.h"
#include "bench/core/unique_fd.h"
#include "bench/host/counters.h"
#include "bench/paths/trial_record.h"
#include "bench/host/sock_diag.h"

namespace pb::paths {

namespace {

constexpr unsigned kStreamDefaultSize = 65536;
constexpr unsigned kRrDefaultSize = 64;
constexpr unsigned kMaxMessageSize = 1u << 20;
constexpr int kIoTimeoutMs = 100;               // a blocked send/recv wakes up this often to look at the clock
constexpr uint64_t kGraceNs = 5'000'000'000;    // after the trial: time to drain and finish in-flight work
constexpr uint64_t kBehindNs = 10'000'000;      // paced rr: a schedule further behind than this restarts
constexpr size_t kServerReadSize = 256 * 1024;

// A TCP socket that lives in `netns_fd` (a socket keeps the netns it was created in, so
// only the creation needs the switch).
core::UniqueFd tcp_socket_in(int netns_fd) {
  return core::in_netns_thread(netns_fd, [] {
    core::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) core::throw_errno("kernel-tcp: create TCP socket");
    return fd;
  });
}

sockaddr_in ipv4(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

void set_int_opt(int fd, int level, int opt, int value, const char* what) {
  if (setsockopt(fd, level, opt, &value, sizeof(value)) != 0) core::throw_errno(fmt::format("kernel-tcp: {}", what));
}

// Blocking send/recv that return EAGAIN every kIoTimeoutMs, so no thread blocks forever.
void set_io_timeouts(int fd) {
  timeval tv{0, kIoTimeoutMs * 1000};
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
    core::throw_errno("kernel-tcp: set SO_RCVTIMEO/SO_SNDTIMEO");
}

void set_nonblocking(int fd, bool on) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) != 0)
    core::throw_errno("kernel-tcp: fcntl O_NONBLOCK");
}

void connect_timeout(int fd, const sockaddr_in& to, unsigned timeout_ms) {
  set_nonblocking(fd, true);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0) {
    if (errno != EINPROGRESS) core::throw_errno("kernel-tcp: connect to the DUT server");
    pollfd p{fd, POLLOUT, 0};
    int r;
    while ((r = ::poll(&p, 1, int(timeout_ms))) < 0 && errno == EINTR) {
    }
    if (r < 0) core::throw_errno("kernel-tcp: poll connect");
    if (r == 0) core::throw_errno(ETIMEDOUT, "kernel-tcp: connect to the DUT server");
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) core::throw_errno("kernel-tcp: SO_ERROR");
    if (err) core::throw_errno(err, "kernel-tcp: connect to the DUT server");
  }
  set_nonblocking(fd, false);
}

core::UniqueFd accept_timeout(int listen_fd, unsigned timeout_ms) {
  pollfd p{listen_fd, POLLIN, 0};
  int r;
  while ((r = ::poll(&p, 1, int(timeout_ms))) < 0 && errno == EINTR) {
  }
  if (r < 0) core::throw_errno("kernel-tcp: poll accept");
  if (r == 0) core::throw_errno(ETIMEDOUT, "kernel-tcp: accept on the DUT server");
  core::UniqueFd fd(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
  if (!fd) core::throw_errno("kernel-tcp: accept on the DUT server");
  return fd;
}

uint16_t local_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof(a);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) core::throw_errno("kernel-tcp: getsockname");
  return ntohs(a.sin_port);
}

struct Connections {
  std::vector<core::UniqueFd> clients;  // TG netns
  std::vector<core::UniqueFd> servers;  // DUT netns, in accept order
  std::set<uint16_t> client_ports;
};

// Binds and listens in the DUT netns before any client connects, then connects `flows`
// clients from the TG netns and accepts them all; every step has a timeout.
Connections open_connections(const core::Topology& topo, const TcpPathConfig& cfg, unsigned flows, bool nodelay) {
  core::UniqueFd listener = tcp_socket_in(topo.dut_netns());
  set_int_opt(listener.get(), SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
  sockaddr_in at = ipv4(topo.dut_ip().c_str(), cfg.port);
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&at), sizeof(at)) != 0)
    core::throw_errno(fmt::format("kernel-tcp: bind {}:{}", topo.dut_ip(), cfg.port));
  if (::listen(listener.get(), int(std::max(flows, 16u))) != 0) core::throw_errno("kernel-tcp: listen");

  Connections c;
  for (unsigned i = 0; i < flows; ++i) {
    core::UniqueFd fd = tcp_socket_in(topo.tg_netns());
    if (nodelay) set_int_opt(fd.get(), IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
    connect_timeout(fd.get(), at, cfg.connect_timeout_ms);
    set_io_timeouts(fd.get());
    c.client_ports.insert(local_port(fd.get()));
    c.clients.push_back(std::move(fd));
    // Accept as we go, so a backlog shorter than `flows` never stalls a connect.
    core::UniqueFd s = accept_timeout(listener.get(), cfg.connect_timeout_ms);
    if (nodelay) set_int_opt(s.get(), IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
    set_io_timeouts(s.get());
    c.servers.push_back(std::move(s));
  }
  return c;
}

// Threads that keep their first exception; join() rethrows it. `abort` tells the others
// to give up early.
class Workers {
 public:
  explicit Workers(std::atomic<bool>& abort) : abort_(abort) {}
  ~Workers() { join_quietly(); }
  template <typename Fn>
  void spawn(Fn fn) {
    errors_.emplace_back();
    threads_.emplace_back([this, fn = std::move(fn), slot = errors_.size() - 1]() mutable {
      try {
        fn();
      } catch (...) {
        errors_[slot] = std::current_exception();
        abort_.store(true);
      }
    });
  }
  void reserve(size_t n) {
    // errors_ must not reallocate while threads write their slots.
    errors_.reserve(n);
    threads_.reserve(n);
  }
  void join() {
    join_quietly();
    for (auto& e : errors_)
      if (e) std::rethrow_exception(e);
  }

 private:
  void join_quietly() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  std::atomic<bool>& abort_;
  std::vector<std::thread> threads_;
  std::vector<std::exception_ptr> errors_;
};

enum class Io { kOk, kEof, kGaveUp };

// Sends all `n` bytes; gives up (kGaveUp) once `give_up` is true at a timeout tick.
template <typename GiveUp>
Io send_all(int fd, const char* p, size_t n, GiveUp give_up) {
  while (n) {
    ssize_t r = ::send(fd, p, n, MSG_NOSIGNAL);
    if (r > 0) {
      p += r;
      n -= size_t(r);
    } else if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (give_up()) return Io::kGaveUp;
    } else if (r < 0 && (errno == EPIPE || errno == ECONNRESET)) {
      return Io::kEof;
    } else {
      core::throw_errno("kernel-tcp: send");
    }
  }
  return Io::kOk;
}

// Receives exactly `n` bytes; kEof when the peer closed first.
template <typename GiveUp>
Io recv_all(int fd, char* p, size_t n, GiveUp give_up) {
  while (n) {
    ssize_t r = ::recv(fd, p, n, 0);
    if (r > 0) {
      p += r;
      n -= size_t(r);
    } else if (r == 0 || (r < 0 && errno == ECONNRESET)) {
      return Io::kEof;
    } else if (errno == EAGAIN || errno == EINTR) {
      if (give_up()) return Io::kGaveUp;
    } else {
      core::throw_errno("kernel-tcp: recv");
    }
  }
  return Io::kOk;
}


struct LinkView {
  nlohmann::json kernel;
  uint64_t tg_tx = 0, tg_tx_dropped = 0, dut_rx = 0, dut_rx_dropped = 0;
  // What the TG handed to its veth: veth counts a packet its peer refused as tx_dropped
  // and not in tx_packets.
  uint64_t offered() const { return tg_tx + tg_tx_dropped; }
  int64_t unaccounted() const {
    return int64_t(offered()) - int64_t(dut_rx) - int64_t(tg_tx_dropped) - int64_t(dut_rx_dropped);
  }
};

LinkView link_view(const core::Topology& topo, const host::CounterSnapshot& dut0, const host::CounterSnapshot& dut1, const host::CounterSnapshot& tg0,
                   const host::CounterSnapshot& tg1) {
  nlohmann::json dut = host::delta_json(dut0, dut1), tg = host::delta_json(tg0, tg1);
  LinkView v;
  v.tg_tx = host::counter_at(tg, {"link", topo.tg_if().c_str(), "tx_packets"});
  v.tg_tx_dropped = host::counter_at(tg, {"link", topo.tg_if().c_str(), "tx_dropped"});
  v.dut_rx = host::counter_at(dut, {"link", topo.dut_if().c_str(), "rx_packets"});
  v.dut_rx_dropped = host::counter_at(dut, {"link", topo.dut_if().c_str(), "rx_dropped"});
  v.kernel = {{"tg_link_tx_packets", v.tg_tx},
              {"tg_link_tx_bytes", host::counter_at(tg, {"link", topo.tg_if().c_str(), "tx_bytes"})},
              {"tg_link_tx_dropped", v.tg_tx_dropped},
              {"dut_link_rx_packets", v.dut_rx},
              {"dut_link_rx_bytes", host::counter_at(dut, {"link", topo.dut_if().c_str(), "rx_bytes"})},
              {"dut_link_rx_dropped", v.dut_rx_dropped},
              {"tg_tcp_out_segs", host::counter_at(tg, {"snmp", "Tcp", "OutSegs"})},
              {"tg_tcp_retrans_segs", host::counter_at(tg, {"snmp", "Tcp", "RetransSegs"})},
              {"tg_tcp_active_opens", host::counter_at(tg, {"snmp", "Tcp", "ActiveOpens"})},
              {"dut_tcp_in_segs", host::counter_at(dut, {"snmp", "Tcp", "InSegs"})},
              {"dut_tcp_in_errs", host::counter_at(dut, {"snmp", "Tcp", "InErrs"})},
              {"dut_tcp_passive_opens", host::counter_at(dut, {"snmp", "Tcp", "PassiveOpens"})},
              {"dut_tcp_rcv_pruned", host::counter_at(dut, {"snmp", "TcpExt", "RcvPruned"})},
              {"dut_tcp_backlog_drop", host::counter_at(dut, {"snmp", "TcpExt", "TCPBacklogDrop"})},
              {"dut_tcp_ofo_queue", host::counter_at(dut, {"snmp", "TcpExt", "TCPOFOQueue"})},
              {"dut_tcp_dsack_old_sent", host::counter_at(dut, {"snmp", "TcpExt", "TCPDSACKOldSent"})},
              // Why the TG retransmitted when nothing was dropped: timeouts, tail loss
              // probes, and DSACKs (the DUT saying the data had already arrived).
              {"tg_tcp_timeouts", host::counter_at(tg, {"snmp", "TcpExt", "TCPTimeouts"})},
              {"tg_tcp_loss_probes", host::counter_at(tg, {"snmp", "TcpExt", "TCPLossProbes"})},
              {"tg_tcp_spurious_rtos", host::counter_at(tg, {"snmp", "TcpExt", "TCPSpuriousRTOs"})},
              {"tg_tcp_dsack_recv", host::counter_at(tg, {"snmp", "TcpExt", "TCPDSACKRecv"})}};
  return v;
}



}  // namespace

TcpMode parse_tcp_mode(std::string_view name) {
  if (name == "stream") return TcpMode::kStream;
  if (name == "rr") return TcpMode::kRr;
  throw core::UsageError(fmt::format("tcp_mode: '{}' is not one of stream, rr", name));
}

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

nlohmann::json TcpPath::describe() const {
  return {{"tcp_mode", cfg_.mode == TcpMode::kStream ? "stream" : "rr"},
          {"message_size", message_size_},
          {"port", cfg_.port}};
}

nlohmann::json TcpPath::run_trial(const core::TrialRequest& req) {
  const unsigned flows = std::max(1u, req.flows);
  if (flows > kMaxFlows)
    throw core::UsageError(fmt::format("flows: kernel-tcp opens one connection per flow, at most {} (asked {})",
                                       kMaxFlows, flows));
  const bool rr = cfg_.mode == TcpMode::kRr;
  const host::SnapshotOptions dut_opts{{topo_.dut_if()}, true, true, false};
  const host::SnapshotOptions tg_opts{{topo_.tg_if()}, true, true, false};
  host::CounterSnapshot dut0 = host::take_snapshot_in(topo_.dut_netns(), dut_opts);
  host::CounterSnapshot tg0 = host::take_snapshot_in(topo_.tg_netns(), tg_opts);

  std::atomic<bool> local_stop{false};
  std::atomic<bool>& stop = req.stop ? *req.stop : local_stop;
  std::atomic<bool> abort{false};

  // Per flow, written by its own threads only.
  std::vector<uint64_t> client_bytes(flows), server_bytes(flows), server_done_ns(flows);
  std::vector<uint64_t> started(flows), completed(flows), mismatched(flows);
  std::vector<core::Histogram> hist(flows);
  std::vector<host::TcpSocketInfo> infos;
  uint64_t start_ns = 0, clients_done_ns = 0, end_ns = 0;
  {
    Connections conns = open_connections(topo_, cfg_, flows, rr);
    if (probes_) probes_->begin_trial();
    const uint64_t duration_ns = uint64_t(req.duration_s * 1e9);
    start_ns = core::mono_ns();
    const uint64_t deadline = start_ns + duration_ns;
    const uint64_t hard_deadline = deadline + kGraceNs;
    // A server or client waiting on its peer gives up after the grace period or on error.
    auto give_up = [&] { return abort.load() || core::mono_ns() > hard_deadline; };

    Workers servers(abort);
    servers.reserve(flows);
    for (unsigned i = 0; i < flows; ++i) {
      int fd = conns.servers[i].get();
      servers.spawn([&, i, fd] {
        if (rr) {
          std::vector<char> buf(message_size_);
          while (recv_all(fd, buf.data(), buf.size(), give_up) == Io::kOk) {
            if (send_all(fd, buf.data(), buf.size(), give_up) != Io::kOk) break;
            server_bytes[i] += buf.size();
          }
        } else {
          std::vector<char> buf(kServerReadSize);
          for (;;) {
            ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
            if (r > 0) {
              server_bytes[i] += uint64_t(r);
            } else if (r == 0 || (r < 0 && errno == ECONNRESET)) {
              break;
            } else if (errno == EAGAIN || errno == EINTR) {
              if (give_up()) break;
            } else {
              core::throw_errno("kernel-tcp: server recv");
            }
          }
        }
        server_done_ns[i] = core::mono_ns();
      });
    }

    Workers clients(abort);
    clients.reserve(flows);
    auto over = [&] { return stop.load() || abort.load() || core::mono_ns() >= deadline; };
    for (unsigned i = 0; i < flows; ++i) {
      int fd = conns.clients[i].get();
      clients.spawn([&, i, fd] {
        std::vector<char> buf(message_size_, char(0x5a));
        if (!rr) {
          while (!over()) {
            ssize_t r = ::send(fd, buf.data(), buf.size(), MSG_NOSIGNAL);
            if (r > 0) client_bytes[i] += uint64_t(r);
            else if (r < 0 && errno != EAGAIN && errno != EINTR) core::throw_errno("kernel-tcp: client send");
          }
          return;
        }
        std::vector<char> resp(message_size_);
        // Paced: this connection's share of the total rate, on a schedule anchored at the
        // start (absolute times, so rounding never drifts); a schedule more than kBehindNs
        // late restarts from now instead of bursting to catch up.
        const uint64_t period_ns = req.offered_pps ? uint64_t(1e9 * flows / double(req.offered_pps)) : 0;
        uint64_t next_ns = start_ns + (period_ns * i) / flows;
        // Finishing the transaction in flight at the deadline: give up only on error,
        // stop, or after the grace period.
        auto rr_give_up = [&] { return stop.load() || give_up(); };
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
            pb_payload tag{PB_PAYLOAD_MAGIC, i, seq, t0};
            std::memcpy(buf.data(), &tag, sizeof(tag));
          }
          ++started[i];
          if (send_all(fd, buf.data(), buf.size(), rr_give_up) != Io::kOk) break;
          if (recv_all(fd, resp.data(), resp.size(), rr_give_up) != Io::kOk) break;
          uint64_t t1 = core::mono_ns();
          hist[i].record(t1 - t0);
          ++completed[i];
          client_bytes[i] += buf.size();
          if (std::memcmp(buf.data(), resp.data(), std::min(buf.size(), sizeof(pb_payload))) != 0) ++mismatched[i];
        }
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
    end_ns = *std::max_element(server_done_ns.begin(), server_done_ns.end());
  }
  nlohmann::json kernel_seen = nlohmann::json::array();
  if (probes_) {
    core::ProbeReading pr = probes_->end_trial(nullptr);
    sections_ = pr.sections;
    kernel_seen = drop_rows(pr.drops);
    for (const auto& [key, n] : pr.drops) kernel_drops_[key] += n;
  }

  // All sockets are closed; the last FIN/ACK exchange crosses the veth asynchronously, so
  // let the link counters settle (bounded) before the closing snapshot.
  host::CounterSnapshot dut1, tg1;
  LinkView view;
  for (int tries = 0; tries < 40; ++tries) {
    dut1 = host::take_snapshot_in(topo_.dut_netns(), dut_opts);
    tg1 = host::take_snapshot_in(topo_.tg_netns(), tg_opts);
    view = link_view(topo_, dut0, dut1, tg0, tg1);
    if (view.unaccounted() == 0) break;
    core::sleep_until_ns(core::mono_ns() + 5'000'000);
  }

  uint64_t bytes_sent = 0, bytes_received = 0, tx_started = 0, tx_completed = 0, bad_tags = 0;
  core::Histogram trial_latency;
  for (unsigned i = 0; i < flows; ++i) {
    bytes_sent += client_bytes[i];
    bytes_received += server_bytes[i];
    tx_started += started[i];
    tx_completed += completed[i];
    bad_tags += mismatched[i];
    trial_latency.merge(hist[i]);
  }
  uint64_t retransmits = 0;
  nlohmann::json connections = nlohmann::json::array();
  for (const auto& s : infos) {
    retransmits += s.total_retrans;
    connections.push_back(to_json(s));
  }

  // stream: the time the servers took to receive it all (start to the last EOF);
  // rr: start to the end of the last transaction.
  double seconds = double((rr ? clients_done_ns : end_ns) - start_ns) / 1e9;
  if (seconds <= 0) seconds = req.duration_s;

  // The packet ledger from link counters. TCP retransmits recover whatever the link or the
  // stack drops, so the application never loses a byte: a drop shows here (and as
  // retransmits), never as missing data.
  uint64_t attributed = view.tg_tx_dropped + view.dut_rx_dropped;
  nlohmann::json rows = nlohmann::json::array();
  if (view.tg_tx_dropped) rows.push_back(drop_row("tg", "VETH_TX_DROPPED", "link tx_dropped", view.tg_tx_dropped));
  if (view.dut_rx_dropped) rows.push_back(drop_row("dut", "LINK_RX_DROPPED", "link rx_dropped", view.dut_rx_dropped));

  uint64_t sent = rr ? tx_started : view.offered();
  uint64_t delivered = rr ? tx_completed : view.dut_rx;

  ++trials_;
  sent_ += view.offered();
  delivered_ += view.dut_rx;
  attributed_ += attributed;
  tg_tx_dropped_ += view.tg_tx_dropped;
  dut_rx_dropped_ += view.dut_rx_dropped;
  bytes_ += bytes_received;
  transactions_ += tx_completed;
  retransmits_ += retransmits;
  seconds_ += seconds;
  latency_.merge(trial_latency);

  nlohmann::json tcp = {{"mode", rr ? "rr" : "stream"},
                        {"message_size", message_size_},
                        {"flows", flows},
                        {"bytes", bytes_received},
                        {"throughput_bps", double(bytes_received) * 8 / seconds},
                        {"transactions", tx_completed},
                        {"tps", rr ? double(tx_completed) / seconds : 0.0},
                        {"retransmits", retransmits},
                        {"connections", connections}};
  if (rr) tcp["tag_mismatches"] = bad_tags;
  nlohmann::json trial = trial_head(req.offered_pps, seconds, sent, delivered);
  trial.update({
          {"bytes_sent", bytes_sent},
          {"bytes_received", bytes_received},
          {"latency", core::to_json(trial_latency)},
          {"ledger", {{"source", "link counters"},
                      {"unit", "packets"},
                      {"sent", view.offered()},
                      {"delivered", view.dut_rx},
                      {"attributed", attributed},
                      {"unaccounted", view.unaccounted()}}},
          {"drops", rows},
          {"kernel_seen_drops", kernel_seen},
          {"kernel", view.kernel},
          {"tcp", tcp}});
  trial.update(sections_);
  return trial;
}

nlohmann::json TcpPath::sections() const {
  nlohmann::json rows = nlohmann::json::array();
  if (tg_tx_dropped_) rows.push_back(drop_row("tg", "VETH_TX_DROPPED", "link tx_dropped", tg_tx_dropped_));
  if (dut_rx_dropped_) rows.push_back(drop_row("dut", "LINK_RX_DROPPED", "link rx_dropped", dut_rx_dropped_));
  int64_t unaccounted = int64_t(sent_) - int64_t(delivered_) - int64_t(attributed_);
  bool rr = cfg_.mode == TcpMode::kRr;
  nlohmann::json status = probes_ ? probes_->status()
                                  : nlohmann::json{{"active", nlohmann::json::array()},
                                                   {"unavailable", nlohmann::json::array()}};
  status["overhead"] = {{"measured", false}};
  nlohmann::json out = {
          {"latency", core::to_json(latency_)},
          {"drops", {{"ledger", {{"sent", sent_}, {"delivered", delivered_}, {"attributed", attributed_},
                                 {"unaccounted", unaccounted}}},
                     {"by_reason", rows},
                     // Seen by kfree_skb but recovered by TCP (retransmits): not ledger losses.
                     {"kernel_seen", drop_rows(kernel_drops_)}}},
          {"probes", status},
          {"tcp", {{"mode", rr ? "rr" : "stream"},
                   {"message_size", message_size_},
                   {"trials", trials_},
                   {"seconds", seconds_},
                   {"bytes", bytes_},
                   {"throughput_bps", seconds_ > 0 ? double(bytes_) * 8 / seconds_ : 0.0},
                   {"transactions", transactions_},
                   {"tps", rr && seconds_ > 0 ? double(transactions_) / seconds_ : 0.0},
                   {"retransmits", retransmits_}}}};
  out.update(sections_);
  return out;
}

}  // namespace pb::paths
