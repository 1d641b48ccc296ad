#include "bench/host/sock_diag.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstring>
#include <exception>
#include <functional>
#include <thread>

#include "bench/core/errors.h"
#include "bench/core/netns.h"
#include "bench/core/unique_fd.h"

namespace pb::host {

namespace {

std::string addr_string(int family, const __be32* a) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, a, buf, sizeof(buf));
  return buf;
}

bool matches(const TcpSocketFilter& f, const inet_diag_msg& m) {
  if (f.sport && ntohs(m.id.idiag_sport) != f.sport) return false;
  if (f.dport && ntohs(m.id.idiag_dport) != f.dport) return false;
  return true;
}

// Attributes of one reply, by type (the last of each type wins).
struct Attrs {
  const void* info = nullptr;
  size_t info_len = 0;
  const void* skmem = nullptr;
  size_t skmem_len = 0;
  std::string cong;
};

Attrs attrs_of(const nlmsghdr* nlh) {
  const auto* m = static_cast<const inet_diag_msg*>(NLMSG_DATA(nlh));
  Attrs out;
  int len = int(nlh->nlmsg_len) - int(NLMSG_LENGTH(sizeof(*m)));
  for (auto* a = reinterpret_cast<const rtattr*>(m + 1); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    const void* data = RTA_DATA(a);
    size_t n = RTA_PAYLOAD(a);
    switch (a->rta_type) {
      case INET_DIAG_INFO:
        out.info = data;
        out.info_len = n;
        break;
      case INET_DIAG_SKMEMINFO:
        out.skmem = data;
        out.skmem_len = n;
        break;
      case INET_DIAG_CONG:
        out.cong.assign(static_cast<const char*>(data), strnlen(static_cast<const char*>(data), n));
        break;
      default:
        break;
    }
  }
  return out;
}

TcpSocketInfo parse(const nlmsghdr* nlh) {
  const auto* m = static_cast<const inet_diag_msg*>(NLMSG_DATA(nlh));
  TcpSocketInfo s;
  s.src = addr_string(m->idiag_family, m->id.idiag_src);
  s.dst = addr_string(m->idiag_family, m->id.idiag_dst);
  s.sport = ntohs(m->id.idiag_sport);
  s.dport = ntohs(m->id.idiag_dport);
  s.state = m->idiag_state;
  s.inode = m->idiag_inode;
  s.rqueue = m->idiag_rqueue;
  s.wqueue = m->idiag_wqueue;
  Attrs a = attrs_of(nlh);
  if (a.info) {
    // The kernel's struct tcp_info grows over time: take what both sides know.
    tcp_info ti{};
    std::memcpy(&ti, a.info, std::min(a.info_len, sizeof(ti)));
    s.tcp_info_len = uint32_t(a.info_len);
    s.rtt_us = ti.tcpi_rtt;
    s.rttvar_us = ti.tcpi_rttvar;
    s.min_rtt_us = ti.tcpi_min_rtt;
    s.snd_cwnd = ti.tcpi_snd_cwnd;
    s.snd_ssthresh = ti.tcpi_snd_ssthresh;
    s.snd_mss = ti.tcpi_snd_mss;
    s.rcv_mss = ti.tcpi_rcv_mss;
    s.retrans = ti.tcpi_retrans;
    s.total_retrans = ti.tcpi_total_retrans;
    s.lost = ti.tcpi_lost;
    s.segs_out = ti.tcpi_segs_out;
    s.segs_in = ti.tcpi_segs_in;
    s.data_segs_out = ti.tcpi_data_segs_out;
    s.data_segs_in = ti.tcpi_data_segs_in;
    s.pacing_rate_Bps = ti.tcpi_pacing_rate;
    s.delivery_rate_Bps = ti.tcpi_delivery_rate;
    s.bytes_acked = ti.tcpi_bytes_acked;
    s.bytes_received = ti.tcpi_bytes_received;
    s.bytes_sent = ti.tcpi_bytes_sent;
    s.bytes_retrans = ti.tcpi_bytes_retrans;
    s.busy_time_us = ti.tcpi_busy_time;
    s.rwnd_limited_us = ti.tcpi_rwnd_limited;
    s.sndbuf_limited_us = ti.tcpi_sndbuf_limited;
  }
  if (a.skmem) {
    uint32_t mem[SK_MEMINFO_VARS] = {};
    std::memcpy(mem, a.skmem, std::min(a.skmem_len, sizeof(mem)));
    s.skmem = reports::TcpSkmem{mem[SK_MEMINFO_RMEM_ALLOC], mem[SK_MEMINFO_RCVBUF], mem[SK_MEMINFO_WMEM_ALLOC],
                                mem[SK_MEMINFO_SNDBUF],     mem[SK_MEMINFO_WMEM_QUEUED], mem[SK_MEMINFO_BACKLOG],
                                mem[SK_MEMINFO_DROPS]};
  }
  s.cong = a.cong;
  return s;
}

struct TcpInfoField {
  const char* name;
  size_t offset, size;
};

// struct tcp_info's fields after the bitfield bytes, as the uapi headers here know them
// (6.1); a newer kernel's extra tail is not named.
const std::vector<TcpInfoField>& tcp_info_fields() {
#define PB_TI(f) TcpInfoField{#f, offsetof(tcp_info, tcpi_##f), sizeof(tcp_info::tcpi_##f)}
  static const std::vector<TcpInfoField> fields = {
      PB_TI(state),          PB_TI(ca_state),       PB_TI(retransmits),    PB_TI(probes),
      PB_TI(backoff),        PB_TI(options),        PB_TI(rto),            PB_TI(ato),
      PB_TI(snd_mss),        PB_TI(rcv_mss),        PB_TI(unacked),        PB_TI(sacked),
      PB_TI(lost),           PB_TI(retrans),        PB_TI(fackets),        PB_TI(last_data_sent),
      PB_TI(last_ack_sent),  PB_TI(last_data_recv), PB_TI(last_ack_recv),  PB_TI(pmtu),
      PB_TI(rcv_ssthresh),   PB_TI(rtt),            PB_TI(rttvar),         PB_TI(snd_ssthresh),
      PB_TI(snd_cwnd),       PB_TI(advmss),         PB_TI(reordering),     PB_TI(rcv_rtt),
      PB_TI(rcv_space),      PB_TI(total_retrans),  PB_TI(pacing_rate),    PB_TI(max_pacing_rate),
      PB_TI(bytes_acked),    PB_TI(bytes_received), PB_TI(segs_out),       PB_TI(segs_in),
      PB_TI(notsent_bytes),  PB_TI(min_rtt),        PB_TI(data_segs_in),   PB_TI(data_segs_out),
      PB_TI(delivery_rate),  PB_TI(busy_time),      PB_TI(rwnd_limited),   PB_TI(sndbuf_limited),
      PB_TI(delivered),      PB_TI(delivered_ce),   PB_TI(bytes_sent),     PB_TI(bytes_retrans),
      PB_TI(dsack_dups),     PB_TI(reord_seen),     PB_TI(rcv_ooopack),    PB_TI(snd_wnd),
  };
#undef PB_TI
  return fields;
}

std::vector<std::pair<std::string, uint64_t>> name_tcp_info(const void* data, size_t len) {
  std::vector<std::pair<std::string, uint64_t>> out;
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (const TcpInfoField& f : tcp_info_fields()) {
    if (f.offset + f.size > len) continue;
    uint64_t v = 0;
    if (f.size == 1) v = bytes[f.offset];
    else if (f.size == 4) {
      uint32_t x;
      std::memcpy(&x, bytes + f.offset, 4);
      v = x;
    } else {
      std::memcpy(&v, bytes + f.offset, 8);
    }
    out.emplace_back(f.name, v);
    // The two bitfield bytes follow `options` (offset 5): wscales, then the app-limited
    // and fastopen bits (little-endian bitfield order, as the kernel lays them out).
    if (std::string_view(f.name) == "options" && len >= 8) {
      out.emplace_back("snd_wscale", bytes[6] & 0xf);
      out.emplace_back("rcv_wscale", bytes[6] >> 4);
      out.emplace_back("delivery_rate_app_limited", bytes[7] & 1);
      out.emplace_back("fastopen_client_fail", (bytes[7] >> 1) & 3);
    }
  }
  return out;
}

SockDiagEntry parse_entry(const nlmsghdr* nlh, int protocol) {
  const auto* m = static_cast<const inet_diag_msg*>(NLMSG_DATA(nlh));
  SockDiagEntry e;
  e.family = m->idiag_family;
  e.protocol = protocol;
  e.state = m->idiag_state;
  e.timer = m->idiag_timer;
  e.retrans = m->idiag_retrans;
  e.src = addr_string(m->idiag_family, m->id.idiag_src);
  e.dst = addr_string(m->idiag_family, m->id.idiag_dst);
  e.sport = ntohs(m->id.idiag_sport);
  e.dport = ntohs(m->id.idiag_dport);
  e.ifindex = m->id.idiag_if;
  e.cookie = uint64_t(m->id.idiag_cookie[0]) | (uint64_t(m->id.idiag_cookie[1]) << 32);
  e.expires_ms = m->idiag_expires;
  e.rqueue = m->idiag_rqueue;
  e.wqueue = m->idiag_wqueue;
  e.uid = m->idiag_uid;
  e.inode = m->idiag_inode;
  Attrs a = attrs_of(nlh);
  if (a.skmem) {
    static constexpr const char* kNames[SK_MEMINFO_VARS] = {"rmem_alloc",  "rcvbuf", "wmem_alloc",
                                                            "sndbuf",      "fwd_alloc", "wmem_queued",
                                                            "optmem",      "backlog", "drops"};
    const auto* mem = static_cast<const unsigned char*>(a.skmem);
    for (size_t i = 0; i < SK_MEMINFO_VARS && (i + 1) * 4 <= a.skmem_len; ++i) {
      uint32_t v;
      std::memcpy(&v, mem + i * 4, 4);
      e.skmem.emplace_back(kNames[i], v);
    }
  }
  if (a.info && protocol == IPPROTO_TCP) e.tcp_info = name_tcp_info(a.info, a.info_len);
  e.cong = a.cong;
  return e;
}

// One SOCK_DIAG_BY_FAMILY dump; `each` sees every reply message.
void dump(int family, int protocol, uint32_t states, uint8_t ext, const std::function<void(const nlmsghdr*)>& each) {
  const char* what = protocol == IPPROTO_UDP ? "UDP" : "TCP";
  core::UniqueFd nl(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (!nl) core::throw_errno("sock_diag: open NETLINK_SOCK_DIAG socket");
  // A dump that never answers must not hang the trial.
  timeval tv{2, 0};
  setsockopt(nl.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

  struct {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
  } msg{};
  msg.nlh.nlmsg_len = sizeof(msg);
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.nlh.nlmsg_seq = 1;
  msg.req.sdiag_family = uint8_t(family);
  msg.req.sdiag_protocol = uint8_t(protocol);
  msg.req.idiag_states = states;
  msg.req.idiag_ext = ext;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(nl.get(), &msg, sizeof(msg), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0)
    core::throw_errno("sock_diag: send inet_diag_req_v2");

  std::vector<char> buf(64 * 1024);
  for (;;) {
    ssize_t n = ::recv(nl.get(), buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      core::throw_errno(std::string("sock_diag: receive ") + what + " socket dump");
    }
    if (n == 0) return;
    int len = int(n);
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data()); NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
      if (nlh->nlmsg_type == NLMSG_DONE) return;
      if (nlh->nlmsg_type == NLMSG_ERROR) {
        const auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(nlh));
        core::throw_errno(-err->error, std::string("sock_diag: ") + what + " socket dump");
      }
      if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
      if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) continue;
      each(nlh);
    }
  }
}

constexpr uint8_t kExt =
    (1u << (INET_DIAG_INFO - 1)) | (1u << (INET_DIAG_SKMEMINFO - 1)) | (1u << (INET_DIAG_CONG - 1));

}  // namespace

std::vector<TcpSocketInfo> tcp_sockets(const TcpSocketFilter& filter) {
  std::vector<TcpSocketInfo> out;
  dump(filter.family, IPPROTO_TCP, filter.states, kExt, [&](const nlmsghdr* nlh) {
    if (matches(filter, *static_cast<const inet_diag_msg*>(NLMSG_DATA(nlh)))) out.push_back(parse(nlh));
  });
  return out;
}

std::vector<TcpSocketInfo> tcp_sockets(int netns_fd, const TcpSocketFilter& filter) {
  return core::in_netns_thread(netns_fd, [&] { return tcp_sockets(filter); });
}

std::vector<SockDiagEntry> dump_sockets(int protocol, int family) {
  std::vector<SockDiagEntry> out;
  dump(family, protocol, ~0u, kExt, [&](const nlmsghdr* nlh) { out.push_back(parse_entry(nlh, protocol)); });
  return out;
}

std::string state_name(int /*protocol*/, uint8_t state) {
  static constexpr const char* kNames[] = {"UNKNOWN",  "ESTAB",     "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2",
                                           "TIME-WAIT", "UNCONN",   "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING",
                                           "NEW-SYN-RECV"};
  return state < std::size(kNames) ? kNames[state] : "UNKNOWN";
}

}  // namespace pb::host
