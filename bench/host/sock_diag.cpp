#include "bench/host/sock_diag.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <sys/socket.h>

#include <cstring>
#include <exception>
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
  int len = int(nlh->nlmsg_len) - int(NLMSG_LENGTH(sizeof(*m)));
  for (auto* a = reinterpret_cast<const rtattr*>(m + 1); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    const void* data = RTA_DATA(a);
    size_t n = RTA_PAYLOAD(a);
    switch (a->rta_type) {
      case INET_DIAG_INFO: {
        // The kernel's struct tcp_info grows over time: take what both sides know.
        tcp_info ti{};
        std::memcpy(&ti, data, std::min(n, sizeof(ti)));
        s.tcp_info_len = uint32_t(n);
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
        break;
      }
      case INET_DIAG_SKMEMINFO: {
        uint32_t mem[SK_MEMINFO_VARS] = {};
        std::memcpy(mem, data, std::min(n, sizeof(mem)));
        s.skmem = reports::TcpSkmem{mem[SK_MEMINFO_RMEM_ALLOC], mem[SK_MEMINFO_RCVBUF], mem[SK_MEMINFO_WMEM_ALLOC],
                                    mem[SK_MEMINFO_SNDBUF],     mem[SK_MEMINFO_WMEM_QUEUED], mem[SK_MEMINFO_BACKLOG],
                                    mem[SK_MEMINFO_DROPS]};
        break;
      }
      case INET_DIAG_CONG:
        s.cong.assign(static_cast<const char*>(data), strnlen(static_cast<const char*>(data), n));
        break;
      default:
        break;
    }
  }
  return s;
}

}  // namespace

std::vector<TcpSocketInfo> tcp_sockets(const TcpSocketFilter& filter) {
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
  msg.req.sdiag_family = uint8_t(filter.family);
  msg.req.sdiag_protocol = IPPROTO_TCP;
  msg.req.idiag_states = filter.states;
  msg.req.idiag_ext = (1u << (INET_DIAG_INFO - 1)) | (1u << (INET_DIAG_SKMEMINFO - 1)) | (1u << (INET_DIAG_CONG - 1));
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(nl.get(), &msg, sizeof(msg), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0)
    core::throw_errno("sock_diag: send inet_diag_req_v2");

  std::vector<TcpSocketInfo> out;
  std::vector<char> buf(64 * 1024);
  for (;;) {
    ssize_t n = ::recv(nl.get(), buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      core::throw_errno("sock_diag: receive TCP socket dump");
    }
    if (n == 0) return out;
    int len = int(n);
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data()); NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
      if (nlh->nlmsg_type == NLMSG_DONE) return out;
      if (nlh->nlmsg_type == NLMSG_ERROR) {
        const auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(nlh));
        core::throw_errno(-err->error, "sock_diag: TCP socket dump");
      }
      if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
      if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) continue;
      if (!matches(filter, *static_cast<const inet_diag_msg*>(NLMSG_DATA(nlh)))) continue;
      out.push_back(parse(nlh));
    }
  }
}

std::vector<TcpSocketInfo> tcp_sockets(int netns_fd, const TcpSocketFilter& filter) {
  return core::in_netns_thread(netns_fd, [&] { return tcp_sockets(filter); });
}

}  // namespace pb::host
