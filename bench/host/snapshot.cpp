#include "bench/host/snapshot.h"

#include <fmt/format.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <ctime>

#include "bench/core/errors.h"
#include "bench/core/ethtool.h"
#include "bench/core/feature_check.h"
#include "bench/core/netns.h"
#include "bench/core/netns_sysfs.h"
#include "bench/core/unique_fd.h"
#include "bench/host/counters.h"
#include "bench/host/net_knobs.h"
#include "bench/host/sock_diag.h"
#include "bench/host/socket_owners.h"

namespace pb::host {

namespace {

reports::CounterValues values_of(const core::EthtoolValues& v) {
  reports::CounterValues out;
  for (const auto& [k, x] : v) out[k] = int64_t(x);
  return out;
}

std::map<std::string, std::string> strings_of(const core::EthtoolStrings& v) {
  return {v.begin(), v.end()};
}

std::map<std::string, std::string> rss_of(const core::EthtoolRss& r) {
  static constexpr std::pair<uint32_t, const char*> kFuncs[] = {{1, "toeplitz"}, {2, "xor"}, {4, "crc32"}};
  std::string hfunc;
  for (const auto& [bit, name] : kFuncs)
    if (r.hfunc & bit) hfunc += fmt::format("{}{}", hfunc.empty() ? "" : " ", name);
  std::string indir, key;
  for (uint32_t q : r.indir) indir += fmt::format("{}{}", indir.empty() ? "" : " ", q);
  for (size_t i = 0; i < r.key.size(); ++i) {
    char b[4];
    std::snprintf(b, sizeof b, i ? ":%02x" : "%02x", r.key[i]);
    key += b;
  }
  return {{"hfunc", hfunc.empty() ? std::to_string(r.hfunc) : hfunc}, {"indir", indir}, {"key", key}};
}

reports::EthtoolSettings ethtool_settings(const core::EthtoolReader& et, const std::string& ifname) {
  using core::try_probe;
  reports::EthtoolSettings s;
  s.driver = try_probe<std::map<std::string, std::string>>([&] { return strings_of(et.driver_info(ifname)); });
  s.channels = try_probe<reports::CounterValues>([&] { return values_of(et.channels(ifname)); });
  s.rings = try_probe<reports::CounterValues>([&] { return values_of(et.rings(ifname)); });
  s.coalesce = try_probe<reports::CounterValues>([&] { return values_of(et.coalesce(ifname)); });
  s.features = try_probe<std::map<std::string, std::string>>([&] { return strings_of(et.features(ifname)); });
  s.rss = try_probe<std::map<std::string, std::string>>([&] { return rss_of(et.rss(ifname)); });
  s.rx_flow_hash = try_probe<std::map<std::string, std::string>>([&] { return strings_of(et.rx_flow_hash(ifname)); });
  return s;
}

const char* timer_name(uint8_t timer) {
  switch (timer) {
    case 1: return "on";
    case 2: return "keepalive";
    case 3: return "timewait";
    case 4: return "persist";
    default: return nullptr;
  }
}

reports::Socket socket_of(const SockDiagEntry& e) {
  reports::Socket s;
  s.netid = e.protocol == IPPROTO_UDP ? "udp" : "tcp";
  s.state = state_name(e.protocol, e.state);
  s.local = e.src;
  s.peer = e.dst;
  s.lport = e.sport;
  s.pport = e.dport;
  s.recv_q = e.rqueue;
  s.send_q = e.wqueue;
  s.uid = e.uid;
  s.inode = e.inode;
  s.cookie = e.cookie;
  s.ifindex = e.ifindex;
  if (const char* t = timer_name(e.timer)) {
    s.timer = t;
    s.timer_expires_ms = e.expires_ms;
  }
  if (!e.cong.empty()) s.cong = e.cong;
  if (!e.skmem.empty()) {
    auto& m = s.skmem.emplace();
    for (const auto& [k, v] : e.skmem) m[k] = int64_t(v);
  }
  if (!e.tcp_info.empty()) {
    auto& m = s.tcp_info.emplace();
    for (const auto& [k, v] : e.tcp_info) m[k] = int64_t(v);
  }
  return s;
}

std::vector<reports::Socket> sockets_here() {
  std::vector<reports::Socket> out;
  for (int protocol : {IPPROTO_TCP, IPPROTO_UDP})
    for (int family : {AF_INET, AF_INET6}) {
      std::vector<SockDiagEntry> entries;
      try {
        entries = dump_sockets(protocol, family);
      } catch (const std::system_error&) {
        if (family == AF_INET) throw;  // IPv6 may be off: no AF_INET6 sockets then
      }
      for (const auto& e : entries) out.push_back(socket_of(e));
    }
  return out;
}

std::string utc_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  gmtime_r(&ts.tv_sec, &t);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t);
  return fmt::format("{}.{:03}Z", buf, ts.tv_nsec / 1000000);
}

}  // namespace

reports::CounterSnapshot take_full_snapshot(int netns_fd, const std::string& netns_name) {
  core::UniqueFd host_ns(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!host_ns) core::throw_errno("snapshot: open /proc/thread-self/ns/net");
  SnapshotOptions opts;
  opts.interrupts = true;

  struct Inside {
    CounterSnapshot counters;
    std::vector<reports::Socket> sockets;
    std::map<std::string, reports::EthtoolSettings> ethtool;
    KnobValues sysctls;
  };
  Inside in = core::in_netns_thread(netns_fd, [&] {
    Inside r;
    r.counters = take_snapshot(opts);
    r.sockets = sockets_here();
    core::EthtoolReader et;
    for (const auto& [group, counters] : r.counters.groups)
      if (group.starts_with(kLinkGroupPrefix)) {
        std::string ifname = group.substr(kLinkGroupPrefix.size());
        r.ethtool[ifname] = ethtool_settings(et, ifname);
      }
    r.sysctls = net_sysctls(host_ns.get());
    return r;
  });

  reports::CounterSnapshot snap = to_report(in.counters);
  snap.kind = reports::kSnapshotKind;
  snap.taken_at = utc_now();
  snap.netns = netns_name;
  snap.irq_names = in.counters.irq_names;
  snap.sysctls = std::move(in.sysctls);

  std::map<uint64_t, std::vector<SocketOwner>> owners = socket_owners();
  for (auto& s : in.sockets) {
    auto it = owners.find(s.inode);
    if (s.inode && it != owners.end())
      for (const auto& o : it->second) s.users.push_back({o.comm, o.pid, o.fd});
  }
  snap.sockets = std::move(in.sockets);

  auto& links = snap.links.emplace();
  std::optional<core::NetnsSysfs> sysfs;
  try {
    sysfs.emplace(netns_fd >= 0 ? netns_fd : host_ns.get());
  } catch (const std::system_error&) {
    // No private sysfs mount here (no CAP_SYS_ADMIN): the queue knobs stay empty.
  }
  for (auto& [ifname, settings] : in.ethtool) {
    reports::LinkSettings& l = links[ifname];
    l.ethtool = std::move(settings);
    if (auto e = in.counters.ethtool_errors.find(ifname); e != in.counters.ethtool_errors.end())
      l.ethtool.stats_error = e->second;
    if (sysfs) l.queues = queue_knobs(*sysfs, ifname);
  }
  return snap;
}

}  // namespace pb::host
