#include "bench/host/counters.h"

#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "bench/core/clock.h"
#include "bench/core/ethtool.h"
#include "bench/core/errors.h"
#include "bench/core/files.h"
#include "bench/core/log.h"
#include "bench/core/netns.h"
#include "bench/core/unique_fd.h"

namespace pb::host {

namespace {

// /proc/thread-self, not /proc/self: /proc/self/net follows the main thread's netns,
// and snapshots are taken on threads that setns() elsewhere.
constexpr const char* kSnmpPath = "/proc/thread-self/net/snmp";
constexpr const char* kNetstatPath = "/proc/thread-self/net/netstat";
constexpr const char* kSnmp6Path = "/proc/thread-self/net/snmp6";
constexpr const char* kSockstatPath = "/proc/thread-self/net/sockstat";
constexpr const char* kSockstat6Path = "/proc/thread-self/net/sockstat6";
// One file for the whole host: softnet_data is per CPU, not per netns; so are softirqs and
// interrupts.
constexpr const char* kSoftnetPath = "/proc/net/softnet_stat";
constexpr const char* kSoftirqsPath = "/proc/softirqs";
constexpr const char* kInterruptsPath = "/proc/interrupts";

constexpr size_t kDumpBufferSize = 64 * 1024;
constexpr int kDumpAttempts = 3;

[[noreturn]] void parse_error(std::string_view what, std::string_view line) {
  throw std::runtime_error(std::string("counters: ") + std::string(what) + ": '" + std::string(line) + "'");
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

// Decimal, possibly negative (stored two's complement).
bool parse_decimal(std::string_view s, uint64_t& out) {
  if (!s.empty() && s[0] == '-') {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return false;
    out = uint64_t(v);
    return true;
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_hex(std::string_view s, uint64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return ec == std::errc() && p == s.data() + s.size();
}


void merge_into(CounterGroups& dst, CounterGroups&& src) {
  for (auto& [group, counters] : src) dst[group].merge(counters);
}

struct LinkField {
  const char* name;
  size_t offset;
};

// rx_otherhost_dropped came with 5.19 uapi headers; take it only if ours have it.
template <typename Stats>
void add_newer_link_fields(std::vector<LinkField>& fields) {
  if constexpr (requires(Stats s) { s.rx_otherhost_dropped; })
    fields.push_back({"rx_otherhost_dropped", offsetof(Stats, rx_otherhost_dropped)});
}

const std::vector<LinkField>& link_fields() {
  static const std::vector<LinkField> fields = [] {
#define PB_LINK_FIELD(f) LinkField{#f, offsetof(rtnl_link_stats64, f)}
    std::vector<LinkField> v = {
        PB_LINK_FIELD(rx_packets),          PB_LINK_FIELD(tx_packets),
        PB_LINK_FIELD(rx_bytes),            PB_LINK_FIELD(tx_bytes),
        PB_LINK_FIELD(rx_errors),           PB_LINK_FIELD(tx_errors),
        PB_LINK_FIELD(rx_dropped),          PB_LINK_FIELD(tx_dropped),
        PB_LINK_FIELD(multicast),           PB_LINK_FIELD(collisions),
        PB_LINK_FIELD(rx_length_errors),    PB_LINK_FIELD(rx_over_errors),
        PB_LINK_FIELD(rx_crc_errors),       PB_LINK_FIELD(rx_frame_errors),
        PB_LINK_FIELD(rx_fifo_errors),      PB_LINK_FIELD(rx_missed_errors),
        PB_LINK_FIELD(tx_aborted_errors),   PB_LINK_FIELD(tx_carrier_errors),
        PB_LINK_FIELD(tx_fifo_errors),      PB_LINK_FIELD(tx_heartbeat_errors),
        PB_LINK_FIELD(tx_window_errors),    PB_LINK_FIELD(rx_compressed),
        PB_LINK_FIELD(tx_compressed),       PB_LINK_FIELD(rx_nohandler),
    };
#undef PB_LINK_FIELD
    add_newer_link_fields<rtnl_link_stats64>(v);
    return v;
  }();
  return fields;
}

struct MnlSocketCloser {
  void operator()(mnl_socket* s) const { mnl_socket_close(s); }
};
using MnlSocketPtr = std::unique_ptr<mnl_socket, MnlSocketCloser>;

struct LinkDumpCtx {
  const std::set<std::string>* wanted;  // empty: all
  CounterGroups* out;
};

int link_attr_cb(const nlattr* attr, void* data) {
  auto** tb = static_cast<const nlattr**>(data);
  uint16_t type = mnl_attr_get_type(attr);
  if (type <= IFLA_MAX) tb[type] = attr;
  return MNL_CB_OK;
}

int link_msg_cb(const nlmsghdr* nlh, void* data) {
  auto* ctx = static_cast<LinkDumpCtx*>(data);
  if (nlh->nlmsg_type != RTM_NEWLINK) return MNL_CB_OK;
  const nlattr* tb[IFLA_MAX + 1] = {};
  if (mnl_attr_parse(nlh, sizeof(ifinfomsg), link_attr_cb, tb) < 0) return MNL_CB_ERROR;
  if (!tb[IFLA_IFNAME] || !tb[IFLA_STATS64]) return MNL_CB_OK;
  std::string name(static_cast<const char*>(mnl_attr_get_payload(tb[IFLA_IFNAME])),
                   strnlen(static_cast<const char*>(mnl_attr_get_payload(tb[IFLA_IFNAME])),
                           mnl_attr_get_payload_len(tb[IFLA_IFNAME])));
  if (!ctx->wanted->empty() && !ctx->wanted->count(name)) return MNL_CB_OK;
  (*ctx->out)[std::string(kLinkGroupPrefix) + name] =
      parse_link_stats64(mnl_attr_get_payload(tb[IFLA_STATS64]), mnl_attr_get_payload_len(tb[IFLA_STATS64]));
  return MNL_CB_OK;
}

// One RTM_GETLINK dump; false when the kernel flagged it inconsistent (NLM_F_DUMP_INTR:
// links changed during the dump), so the caller may retry.
bool dump_links_once(const std::set<std::string>& wanted, CounterGroups& out) {
  MnlSocketPtr nl(mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC));
  if (!nl) core::throw_errno("counters: open rtnetlink socket");
  if (mnl_socket_bind(nl.get(), 0, MNL_SOCKET_AUTOPID) < 0) core::throw_errno("counters: bind rtnetlink socket");
  uint32_t portid = mnl_socket_get_portid(nl.get());

  std::vector<char> buf(kDumpBufferSize);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_GETLINK;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = 1;
  auto* ifm = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifm->ifi_family = AF_UNSPEC;
  if (mnl_socket_sendto(nl.get(), nlh, nlh->nlmsg_len) < 0) core::throw_errno("counters: send RTM_GETLINK dump");

  LinkDumpCtx ctx{&wanted, &out};
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl.get(), buf.data(), buf.size());
    if (n < 0) core::throw_errno("counters: receive RTM_GETLINK dump");
    int rc = mnl_cb_run(buf.data(), size_t(n), 1, portid, link_msg_cb, &ctx);
    if (rc < 0) {
      if (errno == EINTR) return false;  // libmnl's report of NLM_F_DUMP_INTR
      core::throw_errno("counters: RTM_GETLINK dump");
    }
    if (rc == MNL_CB_STOP) return true;
  }
}

CounterGroups read_links(const std::vector<std::string>& ifnames) {
  std::set<std::string> wanted(ifnames.begin(), ifnames.end());
  CounterGroups links;
  for (int attempt = 1;; ++attempt) {
    links.clear();
    if (dump_links_once(wanted, links)) break;
    if (attempt == kDumpAttempts) {
      PB_WARN("counters: link dump interrupted {} times by link changes; keeping the last one", attempt);
      break;
    }
  }
  for (const auto& name : wanted)
    if (!links.count(std::string(kLinkGroupPrefix) + name))
      PB_WARN("counters: no link named {} in this netns; its counters are left out", name);
  return links;
}

// The report's group for a snapshot group name ("link:pb-dut0", "softnet", "Udp").
reports::CounterValues& group_for(reports::CounterGroups& g, const std::string& group) {
  auto row = [&](std::optional<reports::CounterTable>& table, std::string_view prefix) -> reports::CounterValues& {
    return (table ? *table : table.emplace())[group.substr(prefix.size())];
  };
  if (group.starts_with(kLinkGroupPrefix)) return g.link[group.substr(kLinkGroupPrefix.size())];
  if (group == kSoftnetGroup) return g.softnet;
  if (group.starts_with(kEthtoolGroupPrefix)) return row(g.ethtool, kEthtoolGroupPrefix);
  if (group.starts_with(kSoftnetCpuGroupPrefix)) return row(g.softnet_cpu, kSoftnetCpuGroupPrefix);
  if (group.starts_with(kSoftirqsGroupPrefix)) return row(g.softirqs, kSoftirqsGroupPrefix);
  if (group.starts_with(kSockstatGroupPrefix)) return row(g.sockstat, kSockstatGroupPrefix);
  if (group.starts_with(kInterruptsGroupPrefix)) return row(g.interrupts, kInterruptsGroupPrefix);
  return g.snmp[group];
}

CounterGroups prefixed(std::string_view prefix, CounterGroups&& groups) {
  CounterGroups out;
  for (auto& [name, counters] : groups) out[std::string(prefix) + name] = std::move(counters);
  return out;
}

// `ethtool -S` of every link read; a link without driver stats (lo: EOPNOTSUPP) is noted.
void read_ethtool_stats(CounterSnapshot& snap) {
  core::EthtoolReader reader;
  std::vector<std::string> ifnames;
  for (const auto& [group, counters] : snap.groups)
    if (group.starts_with(kLinkGroupPrefix)) ifnames.push_back(group.substr(kLinkGroupPrefix.size()));
  for (const auto& ifname : ifnames) {
    try {
      core::EthtoolValues stats = reader.stats(ifname);
      if (stats.empty()) {
        snap.ethtool_errors[ifname] = "the driver has no statistics";
        continue;
      }
      CounterGroup& g = snap.groups[std::string(kEthtoolGroupPrefix) + ifname];
      // A driver may repeat a name; the later value is kept under "name#2" so none is lost.
      for (const auto& [name, v] : stats) {
        std::string key = name;
        for (int k = 2; g.count(key); ++k) key = name + "#" + std::to_string(k);
        g[key] = v;
      }
    } catch (const std::system_error& e) {
      snap.ethtool_errors[ifname] = e.code().value() == EOPNOTSUPP ? "no statistics (Operation not supported)" : e.what();
    }
  }
}

}  // namespace

CounterGroups parse_snmp(std::string_view text) {
  CounterGroups groups;
  std::vector<std::string_view> lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); i += 2) {
    std::string_view header = lines[i];
    size_t colon = header.find(':');
    if (colon == std::string_view::npos || colon == 0) parse_error("snmp line without 'Group:'", header);
    std::string_view prefix = header.substr(0, colon + 1);
    if (i + 1 >= lines.size() || !lines[i + 1].starts_with(prefix))
      parse_error("snmp header without its value line", header);
    std::string_view values = lines[i + 1];
    std::vector<std::string_view> names = split_words(header.substr(colon + 1));
    std::vector<std::string_view> nums = split_words(values.substr(colon + 1));
    if (names.size() != nums.size()) parse_error("snmp names and values differ in count", values);
    CounterGroup& group = groups[std::string(header.substr(0, colon))];
    for (size_t k = 0; k < names.size(); ++k) {
      uint64_t v = 0;
      if (!parse_decimal(nums[k], v)) parse_error("bad snmp value", values);
      group[std::string(names[k])] = v;
    }
  }
  return groups;
}

CounterGroups parse_snmp6(std::string_view text) {
  CounterGroups groups;
  for (std::string_view line : split_lines(text)) {
    std::vector<std::string_view> words = split_words(line);
    if (words.size() != 2) parse_error("snmp6 line is not 'name value'", line);
    size_t six = words[0].find('6');
    if (six == std::string_view::npos || six + 1 >= words[0].size()) parse_error("snmp6 name without group", line);
    uint64_t v = 0;
    if (!parse_decimal(words[1], v)) parse_error("bad snmp6 value", line);
    groups[std::string(words[0].substr(0, six + 1))][std::string(words[0].substr(six + 1))] = v;
  }
  return groups;
}

CounterGroup parse_softnet(std::string_view text) {
  // Columns (1-based): 1 processed, 2 dropped, 3 time_squeeze, 4-9 zero (once fastroute
  // and cpu_collision), 10 received_rps, 11 flow_limit_count, 12 backlog length, 13 CPU,
  // 14-15 input/process qlen, 16-17 time and budget squeeze (then 3 is their sum).
  // Columns 12, 14 and 15 are instantaneous queue lengths, not counters: left out.
  CounterGroup sums = {{"processed", 0}, {"dropped", 0}, {"time_squeeze", 0}, {"received_rps", 0}, {"flow_limit_count", 0}};
  for (std::string_view line : split_lines(text)) {
    std::vector<std::string_view> cols = split_words(line);
    if (cols.size() < 11) parse_error("softnet_stat line with fewer than 11 columns", line);
    std::vector<uint64_t> v(cols.size());
    for (size_t k = 0; k < cols.size(); ++k)
      if (!parse_hex(cols[k], v[k])) parse_error("bad softnet_stat value", line);
    sums["processed"] += v[0];
    sums["dropped"] += v[1];
    sums["time_squeeze"] += v[2];
    sums["received_rps"] += v[9];
    sums["flow_limit_count"] += v[10];
    if (cols.size() >= 17) {
      sums["squeeze_time"] += v[15];
      sums["squeeze_budget"] += v[16];
    }
  }
  return sums;
}

CounterGroups parse_softnet_cpus(std::string_view text) {
  static constexpr const char* kNames[] = {
      "processed",    "dropped",          "time_squeeze", "col4",      "col5",       "col6",
      "col7",         "col8",             "col9",         "received_rps", "flow_limit_count",
      "backlog_len",  nullptr /* cpu */,  "input_qlen",   "process_qlen", "squeeze_time", "squeeze_budget"};
  CounterGroups out;
  size_t line_no = 0;
  for (std::string_view line : split_lines(text)) {
    std::vector<std::string_view> cols = split_words(line);
    if (cols.size() < 11) parse_error("softnet_stat line with fewer than 11 columns", line);
    std::vector<uint64_t> v(cols.size());
    for (size_t k = 0; k < cols.size(); ++k)
      if (!parse_hex(cols[k], v[k])) parse_error("bad softnet_stat value", line);
    // Offline CPUs have no line: the CPU is column 13 where the kernel prints it.
    uint64_t cpu = cols.size() >= 13 ? v[12] : line_no;
    CounterGroup& g = out["cpu" + std::to_string(cpu)];
    for (size_t k = 0; k < cols.size(); ++k) {
      if (k == 12) continue;
      g[k < std::size(kNames) ? kNames[k] : "col" + std::to_string(k + 1)] = v[k];
    }
    ++line_no;
  }
  return out;
}

CounterGroups parse_softirqs(std::string_view text, const std::vector<std::string>& rows) {
  CounterGroups out;
  std::vector<std::string_view> lines = split_lines(text);
  if (lines.empty()) return out;
  std::vector<std::string_view> cpus = split_words(lines[0]);
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string_view> words = split_words(lines[i]);
    if (words.empty() || !words[0].ends_with(':')) parse_error("softirqs line without 'NAME:'", lines[i]);
    std::string name(words[0].substr(0, words[0].size() - 1));
    if (!rows.empty() && std::find(rows.begin(), rows.end(), name) == rows.end()) continue;
    if (words.size() - 1 > cpus.size()) parse_error("softirqs line with more values than CPUs", lines[i]);
    CounterGroup& g = out[name];
    for (size_t k = 1; k < words.size(); ++k) {
      uint64_t v = 0;
      if (!parse_decimal(words[k], v)) parse_error("bad softirqs value", lines[i]);
      std::string cpu(cpus[k - 1]);
      for (auto& c : cpu) c = char(std::tolower(static_cast<unsigned char>(c)));
      g[cpu] = v;
    }
  }
  return out;
}

CounterGroups parse_interrupts(std::string_view text, std::map<std::string, std::string>* names) {
  CounterGroups out;
  std::vector<std::string_view> lines = split_lines(text);
  if (lines.empty()) return out;
  std::vector<std::string_view> cpus = split_words(lines[0]);
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string_view> words = split_words(lines[i]);
    if (words.empty() || !words[0].ends_with(':')) parse_error("interrupts line without 'IRQ:'", lines[i]);
    std::string irq(words[0].substr(0, words[0].size() - 1));
    CounterGroup& g = out[irq];
    size_t k = 1;
    for (; k < words.size() && k - 1 < cpus.size(); ++k) {
      uint64_t v = 0;
      if (!parse_decimal(words[k], v)) break;  // the description begins
      std::string cpu(cpus[k - 1]);
      for (auto& c : cpu) c = char(std::tolower(static_cast<unsigned char>(c)));
      g[cpu] = v;
    }
    if (names) {
      std::string desc;
      for (; k < words.size(); ++k) desc += (desc.empty() ? "" : " ") + std::string(words[k]);
      (*names)[irq] = desc;
    }
  }
  return out;
}

CounterGroups parse_sockstat(std::string_view text) {
  CounterGroups out;
  for (std::string_view line : split_lines(text)) {
    std::vector<std::string_view> words = split_words(line);
    if (words.empty() || !words[0].ends_with(':') || words.size() % 2 != 1)
      parse_error("sockstat line is not 'Group: name value ...'", line);
    CounterGroup& g = out[std::string(words[0].substr(0, words[0].size() - 1))];
    for (size_t k = 1; k + 1 < words.size(); k += 2) {
      uint64_t v = 0;
      if (!parse_decimal(words[k + 1], v)) parse_error("bad sockstat value", line);
      g[std::string(words[k])] = v;
    }
  }
  return out;
}

CounterGroup parse_link_stats64(const void* payload, size_t len) {
  CounterGroup out;
  const auto* bytes = static_cast<const unsigned char*>(payload);
  for (const LinkField& f : link_fields()) {
    if (f.offset + sizeof(uint64_t) > len) continue;
    uint64_t v;
    std::memcpy(&v, bytes + f.offset, sizeof v);
    out[f.name] = v;
  }
  return out;
}

CounterSnapshot take_snapshot(const SnapshotOptions& options) {
  CounterSnapshot snap;
  snap.taken_ns = core::mono_ns();
  if (options.links) merge_into(snap.groups, read_links(options.ifnames));
  if (options.snmp) {
    merge_into(snap.groups, parse_snmp(core::read_file(kSnmpPath)));
    merge_into(snap.groups, parse_snmp(core::read_file(kNetstatPath)));
    // snmp6 is missing when IPv6 is disabled; that is not an error.
    if (::access(kSnmp6Path, R_OK) == 0) merge_into(snap.groups, parse_snmp6(core::read_file(kSnmp6Path)));
  }
  if (options.links && options.ethtool) read_ethtool_stats(snap);
  if (options.sockstat) {
    merge_into(snap.groups, prefixed(kSockstatGroupPrefix, parse_sockstat(core::read_file(kSockstatPath))));
    if (::access(kSockstat6Path, R_OK) == 0)
      merge_into(snap.groups, prefixed(kSockstatGroupPrefix, parse_sockstat(core::read_file(kSockstat6Path))));
  }
  if (options.softnet) {
    std::string softnet = core::read_file(kSoftnetPath);
    snap.groups[std::string(kSoftnetGroup)] = parse_softnet(softnet);
    merge_into(snap.groups, prefixed(kSoftnetCpuGroupPrefix, parse_softnet_cpus(softnet)));
    merge_into(snap.groups, prefixed(kSoftirqsGroupPrefix, parse_softirqs(core::read_file(kSoftirqsPath))));
  }
  if (options.interrupts)
    merge_into(snap.groups,
               prefixed(kInterruptsGroupPrefix, parse_interrupts(core::read_file(kInterruptsPath), &snap.irq_names)));
  return snap;
}

CounterSnapshot take_snapshot_in(int netns_fd, const SnapshotOptions& options) {
  return core::in_netns_thread(netns_fd, [&] { return take_snapshot(options); });
}

std::map<std::string, uint64_t> snmp_counters_of(const std::string& netns) {
  SnapshotOptions only_snmp{.ifnames = {}, .links = false, .snmp = true, .softnet = false, .ethtool = false, .sockstat = false};
  CounterSnapshot snap;
  if (netns.empty()) {
    snap = take_snapshot(only_snmp);
  } else {
    core::UniqueFd fd = core::open_netns(netns);
    snap = take_snapshot_in(fd.get(), only_snmp);
  }
  std::map<std::string, uint64_t> out;
  for (const auto& [group, counters] : snap.groups)
    for (const auto& [name, value] : counters) out.emplace(group + ":" + name, value);
  return out;
}

reports::CounterSnapshot to_report(const CounterSnapshot& snapshot) {
  reports::CounterSnapshot out;
  out.taken_ns = snapshot.taken_ns;
  for (const auto& [group, counters] : snapshot.groups) {
    reports::CounterValues& values = group_for(out.groups, group);
    // Two's complement keeps what the kernel printed negative (Tcp MaxConn -1) negative.
    for (const auto& [name, v] : counters) values[name] = int64_t(v);
  }
  return out;
}

reports::CounterDelta delta(const CounterSnapshot& before, const CounterSnapshot& after) {
  reports::CounterDelta d;
  d.interval_s = double(int64_t(after.taken_ns - before.taken_ns)) / 1e9;
  for (const auto& [group, counters] : after.groups) {
    auto old_group = before.groups.find(group);
    reports::CounterValues& values = group_for(d.groups, group);
    for (const auto& [name, v] : counters) {
      uint64_t old = 0;
      if (old_group != before.groups.end()) {
        auto it = old_group->second.find(name);
        if (it != old_group->second.end()) old = it->second;
      }
      // Modular difference read as signed: right for counters and for gauges that fell.
      values[name] = int64_t(v - old);
    }
  }
  return d;
}

NetnsCounterWatch::NetnsCounterWatch(int tg_netns, SnapshotOptions tg, int dut_netns, SnapshotOptions dut)
    : tg_netns_(tg_netns), dut_netns_(dut_netns), tg_opts_(std::move(tg)), dut_opts_(std::move(dut)) {
  tg0_ = take_snapshot_in(tg_netns_, tg_opts_);
  dut0_ = take_snapshot_in(dut_netns_, dut_opts_);
}

reports::ScenarioCounters NetnsCounterWatch::delta() const {
  CounterSnapshot tg1 = take_snapshot_in(tg_netns_, tg_opts_);
  CounterSnapshot dut1 = take_snapshot_in(dut_netns_, dut_opts_);
  return {host::delta(dut0_, dut1), host::delta(tg0_, tg1)};
}

}  // namespace pb::host
