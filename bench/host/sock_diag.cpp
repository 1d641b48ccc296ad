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
        s.pacing_rate = ti.tcpi_pacing_rate;
        s.delivery_rate = ti.tcpi_delivery_rate;
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
        s.has_skmem = true;
        s.rmem_alloc = mem[SK_MEMINFO_RMEM_ALLOC];
        s.rcvbuf = mem[SK_MEMINFO_RCVBUF];
        s.wmem_alloc = mem[SK_MEMINFO_WMEM_ALLOC];
        s.sndbuf = mem[SK_MEMINFO_SNDBUF];
        s.wmem_queued = mem[SK_MEMINFO_WMEM_QUEUED];
        s.backlog = mem[SK_MEMINFO_BACKLOG];
        s.drops = mem[SK_MEMINFO_DROPS];
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

nlohmann::json to_json(const TcpSocketInfo& s) {
  nlohmann::json j = {{"src", s.src},
                      {"sport", s.sport},
                      {"dst", s.dst},
                      {"dport", s.dport},
                      {"state", s.state},
                      {"inode", s.inode},
                      {"rqueue", s.rqueue},
                      {"wqueue", s.wqueue},
                      {"cong", s.cong},
                      {"tcp_info_len", s.tcp_info_len},
                      {"rtt_us", s.rtt_us},
                      {"rttvar_us", s.rttvar_us},
                      {"min_rtt_us", s.min_rtt_us},
                      {"snd_cwnd", s.snd_cwnd},
                      {"snd_ssthresh", s.snd_ssthresh},
                      {"snd_mss", s.snd_mss},
                      {"rcv_mss", s.rcv_mss},
                      {"retrans", s.retrans},
                      {"total_retrans", s.total_retrans},
                      {"lost", s.lost},
                      {"segs_out", s.segs_out},
                      {"segs_in", s.segs_in},
                      {"data_segs_out", s.data_segs_out},
                      {"data_segs_in", s.data_segs_in},
                      {"pacing_rate_Bps", s.pacing_rate},
                      {"delivery_rate_Bps", s.delivery_rate},
                      {"bytes_acked", s.bytes_acked},
                      {"bytes_received", s.bytes_received},
                      {"bytes_sent", s.bytes_sent},
                      {"bytes_retrans", s.bytes_retrans},
                      {"busy_time_us", s.busy_time_us},
                      {"rwnd_limited_us", s.rwnd_limited_us},
                      {"sndbuf_limited_us", s.sndbuf_limited_us}};
  if (s.has_skmem)
    j["skmem"] = {{"rmem_alloc", s.rmem_alloc}, {"rcvbuf", s.rcvbuf},           {"wmem_alloc", s.wmem_alloc},
                  {"sndbuf", s.sndbuf},         {"wmem_queued", s.wmem_queued}, {"backlog", s.backlog},
                  {"drops", s.drops}};
  return j;
}

}  // namespace pb::host
