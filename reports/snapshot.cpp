#include "reports/snapshot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "bench/core/errors.h"

namespace pb::reports {

namespace {

int64_t get(const CounterValues& v, const char* name) {
  auto it = v.find(name);
  return it == v.end() ? 0 : it->second;
}

// "cpu10" after "cpu9"; other names as they sort.
std::vector<std::string> rows_in_order(const CounterTable& t) {
  std::vector<std::string> rows;
  for (const auto& [k, v] : t) rows.push_back(k);
  auto num = [](const std::string& s) {
    size_t i = s.find_first_of("0123456789");
    return i == std::string::npos ? -1L : std::strtol(s.c_str() + i, nullptr, 10);
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const std::string& a, const std::string& b) {
    long na = num(a), nb = num(b);
    if (na >= 0 && nb >= 0 && a.substr(0, a.find_first_of("0123456789")) == b.substr(0, b.find_first_of("0123456789")))
      return na < nb;
    return a < b;
  });
  return rows;
}

void section(std::string& out, const std::string& title) { out += fmt::format("\n== {} ==\n", title); }

std::string probed_error(const Feature& f) { return f.error ? *f.error : "unavailable"; }

// The /proc/net/dev combinations netstat -i and sar -n EDEV show, from rtnl_link_stats64.
int64_t rx_drop(const CounterValues& l) { return get(l, "rx_dropped") + get(l, "rx_missed_errors"); }
int64_t rx_frame(const CounterValues& l) {
  return get(l, "rx_length_errors") + get(l, "rx_over_errors") + get(l, "rx_crc_errors") + get(l, "rx_frame_errors");
}
int64_t tx_carrier(const CounterValues& l) {
  return get(l, "tx_carrier_errors") + get(l, "tx_aborted_errors") + get(l, "tx_window_errors") +
         get(l, "tx_heartbeat_errors");
}

// ---- ss ----

std::string ss_addr(const std::string& a, uint16_t port) {
  std::string host = a.find(':') != std::string::npos ? "[" + a + "]" : a;
  return fmt::format("{}:{}", host, port ? std::to_string(port) : "*");
}

std::string ss_users(const Socket& s) {
  if (s.users.empty()) return "";
  std::string out = "users:(";
  for (size_t i = 0; i < s.users.size(); ++i)
    out += fmt::format("{}(\"{}\",pid={},fd={})", i ? "," : "", s.users[i].comm, s.users[i].pid, s.users[i].fd);
  return out + ")";
}

std::string ss_details(const Socket& s) {
  std::string out;
  if (s.skmem) {
    const CounterValues& m = *s.skmem;
    out += fmt::format(" skmem:(r{},rb{},t{},tb{},f{},w{},o{},bl{},d{})", get(m, "rmem_alloc"), get(m, "rcvbuf"),
                       get(m, "wmem_alloc"), get(m, "sndbuf"), get(m, "fwd_alloc"), get(m, "wmem_queued"),
                       get(m, "optmem"), get(m, "backlog"), get(m, "drops"));
  }
  if (s.cong) out += " " + *s.cong;
  if (s.tcp_info) {
    const CounterValues& t = *s.tcp_info;
    auto ms = [](int64_t us) { return fmt::format("{:g}", double(us) / 1000.0); };
    if (t.count("snd_wscale")) out += fmt::format(" wscale:{},{}", get(t, "snd_wscale"), get(t, "rcv_wscale"));
    // As ss: a field only when it says something (a listener's tcp_info is mostly zeros).
    if (get(t, "rto")) out += fmt::format(" rto:{}", ms(get(t, "rto")));
    if (get(t, "rtt")) out += fmt::format(" rtt:{}/{}", ms(get(t, "rtt")), ms(get(t, "rttvar")));
    if (get(t, "ato")) out += fmt::format(" ato:{}", ms(get(t, "ato")));
    for (const auto& [label, k] : {std::pair{"mss", "snd_mss"}, {"pmtu", "pmtu"}, {"rcvmss", "rcv_mss"},
                                   {"advmss", "advmss"}, {"cwnd", "snd_cwnd"}})
      if (get(t, k)) out += fmt::format(" {}:{}", label, get(t, k));
    if (get(t, "snd_ssthresh") && get(t, "snd_ssthresh") < 0xffff) out += fmt::format(" ssthresh:{}", get(t, "snd_ssthresh"));
    for (const char* k : {"bytes_sent", "bytes_retrans", "bytes_acked", "bytes_received", "segs_out", "segs_in",
                          "data_segs_out", "data_segs_in"})
      if (get(t, k)) out += fmt::format(" {}:{}", k, get(t, k));
    if (get(t, "rtt") > 0) {
      double bps = double(get(t, "snd_cwnd")) * double(get(t, "snd_mss")) * 8.0 * 1e6 / double(get(t, "rtt"));
      out += fmt::format(" send {:.3g}bps", bps);
    }
    for (const auto& [label, k] : {std::pair{"lastsnd", "last_data_sent"}, {"lastrcv", "last_data_recv"},
                                   {"lastack", "last_ack_recv"}})
      if (get(t, k)) out += fmt::format(" {}:{}", label, get(t, k));
    // ~0 is "no limit".
    if (get(t, "pacing_rate") > 0) out += fmt::format(" pacing_rate {:.3g}bps", double(get(t, "pacing_rate")) * 8);
    if (get(t, "delivery_rate") > 0) out += fmt::format(" delivery_rate {:.3g}bps", double(get(t, "delivery_rate")) * 8);
    if (s.state != "LISTEN")
      if (get(t, "retrans") || get(t, "total_retrans"))
      out += fmt::format(" retrans:{}/{}", get(t, "retrans"), get(t, "total_retrans"));
    for (const char* k : {"lost", "unacked", "sacked"})
        if (get(t, k)) out += fmt::format(" {}:{}", k, get(t, k));
    for (const auto& [label, k] : {std::pair{"rcv_space", "rcv_space"}, {"rcv_ssthresh", "rcv_ssthresh"},
                                   {"minrtt", "min_rtt"}, {"snd_wnd", "snd_wnd"}})
      if (get(t, k)) out += fmt::format(" {}:{}", label, std::string_view(k) == "min_rtt" ? ms(get(t, k)) : std::to_string(get(t, k)));
  }
  return out;
}

void render_ss(std::string& out, const std::vector<Socket>& sockets) {
  section(out, "ss -tuaiepm");
  out += fmt::format("{:<6}{:<11}{:>7} {:>7} {:<40} {:<40} {}\n", "Netid", "State", "Recv-Q", "Send-Q",
                     "Local Address:Port", "Peer Address:Port", "Process");
  for (const Socket& s : sockets) {
    out += fmt::format("{:<6}{:<11}{:>7} {:>7} {:<40} {:<40} {}", s.netid, s.state, s.recv_q, s.send_q,
                       ss_addr(s.local, s.lport), ss_addr(s.peer, s.pport), ss_users(s));
    if (s.timer) out += fmt::format(" timer:({},{}ms)", *s.timer, s.timer_expires_ms.value_or(0));
    out += fmt::format(" uid:{} ino:{} sk:{:x}", s.uid, s.inode, s.cookie);
    if (s.ifindex) out += fmt::format(" dev:{}", s.ifindex);
    out += "\n\t" + ss_details(s) + "\n";
  }
}

// ---- links ----

void render_ip_link(std::string& out, const CounterTable& links) {
  section(out, "ip -s -s link");
  for (const auto& [ifname, l] : links) {
    out += fmt::format("{}:\n", ifname);
    out += fmt::format("    RX: {:>14} {:>10} {:>8} {:>8} {:>8} {:>8}\n", "bytes", "packets", "errors", "dropped",
                       "missed", "mcast");
    out += fmt::format("        {:>14} {:>10} {:>8} {:>8} {:>8} {:>8}\n", get(l, "rx_bytes"), get(l, "rx_packets"),
                       get(l, "rx_errors"), get(l, "rx_dropped"), get(l, "rx_missed_errors"), get(l, "multicast"));
    out += fmt::format("    RX errors: {:>8} {:>8} {:>8} {:>8} {:>10}\n", "length", "crc", "frame", "fifo",
                       "overrun");
    out += fmt::format("               {:>8} {:>8} {:>8} {:>8} {:>10}\n", get(l, "rx_length_errors"),
                       get(l, "rx_crc_errors"), get(l, "rx_frame_errors"), get(l, "rx_fifo_errors"),
                       get(l, "rx_over_errors"));
    out += fmt::format("    TX: {:>14} {:>10} {:>8} {:>8} {:>8} {:>8}\n", "bytes", "packets", "errors", "dropped",
                       "carrier", "collsns");
    out += fmt::format("        {:>14} {:>10} {:>8} {:>8} {:>8} {:>8}\n", get(l, "tx_bytes"), get(l, "tx_packets"),
                       get(l, "tx_errors"), get(l, "tx_dropped"), get(l, "tx_carrier_errors"), get(l, "collisions"));
    out += fmt::format("    TX errors: {:>8} {:>8} {:>8} {:>8} {:>10}\n", "aborted", "fifo", "window", "heartbt",
                       "nohandler");
    out += fmt::format("               {:>8} {:>8} {:>8} {:>8} {:>10}\n", get(l, "tx_aborted_errors"),
                       get(l, "tx_fifo_errors"), get(l, "tx_window_errors"), get(l, "tx_heartbeat_errors"),
                       get(l, "rx_nohandler"));
  }
}

void render_netstat_i(std::string& out, const CounterTable& links) {
  section(out, "netstat -i");
  out += fmt::format("{:<16}{:>10} {:>6} {:>6} {:>6} {:>10} {:>6} {:>6} {:>6}\n", "Iface", "RX-OK", "RX-ERR",
                     "RX-DRP", "RX-OVR", "TX-OK", "TX-ERR", "TX-DRP", "TX-OVR");
  for (const auto& [ifname, l] : links)
    out += fmt::format("{:<16}{:>10} {:>6} {:>6} {:>6} {:>10} {:>6} {:>6} {:>6}\n", ifname, get(l, "rx_packets"),
                       get(l, "rx_errors"), rx_drop(l), get(l, "rx_fifo_errors"), get(l, "tx_packets"),
                       get(l, "tx_errors"), get(l, "tx_dropped"), get(l, "tx_fifo_errors"));
}

void render_nstat(std::string& out, const CounterTable& snmp) {
  section(out, "nstat -az");
  out += fmt::format("{:<40}{:>20}\n", "#kernel", "");
  for (const auto& [group, counters] : snmp)
    for (const auto& [name, v] : counters) out += fmt::format("{:<40}{:>20}\n", group + name, v);
}

void render_values(std::string& out, const CounterValues& v) {
  for (const auto& [k, x] : v) out += fmt::format("    {}: {}\n", k, x);
}

template <typename T>
void render_probed(std::string& out, const std::string& title, const Probed<T>& p) {
  section(out, title);
  if (const Feature* f = std::get_if<Feature>(&p)) {
    out += fmt::format("    not supported: {}\n", probed_error(*f));
    return;
  }
  for (const auto& [k, x] : std::get<0>(p)) out += fmt::format("    {}: {}\n", k, x);
}

void render_links(std::string& out, const CounterSnapshot& s) {
  for (const auto& [ifname, link] : *s.links) {
    section(out, "ethtool -S " + ifname);
    const CounterValues* stats = nullptr;
    if (s.groups.ethtool)
      if (auto it = s.groups.ethtool->find(ifname); it != s.groups.ethtool->end()) stats = &it->second;
    if (stats) {
      out += "NIC statistics:\n";
      render_values(out, *stats);
    } else {
      out += fmt::format("    {}\n", link.ethtool.stats_error.value_or("no statistics"));
    }
    const EthtoolSettings& e = link.ethtool;
    render_probed(out, "ethtool -i " + ifname, e.driver);
    render_probed(out, "ethtool -l " + ifname, e.channels);
    render_probed(out, "ethtool -g " + ifname, e.rings);
    render_probed(out, "ethtool -c " + ifname, e.coalesce);
    render_probed(out, "ethtool -k " + ifname, e.features);
    render_probed(out, "ethtool -x " + ifname, e.rss);
    render_probed(out, "ethtool -n " + ifname + " rx-flow-hash", e.rx_flow_hash);
    section(out, "queues " + ifname + " (/sys/class/net/" + ifname + "/queues)");
    for (const auto& [q, knobs] : link.queues) {
      out += fmt::format("    {}:", q);
      for (const auto& [k, v] : knobs) {
        if (const std::string* str = std::get_if<std::string>(&v)) out += fmt::format(" {}={}", k, *str);
        else out += fmt::format(" {}=({})", k, std::get<Feature>(v).errno_name ? *std::get<Feature>(v).errno_name : "unreadable");
      }
      out += "\n";
    }
  }
}

// ---- per CPU ----

constexpr const char* kSoftnetColumns[] = {"processed",    "dropped",    "time_squeeze", "received_rps",
                                           "flow_limit_count", "backlog_len", "input_qlen", "process_qlen"};

void render_softnet(std::string& out, const CounterTable& cpus) {
  section(out, "softnet (/proc/net/softnet_stat; columns 4-9 are always 0)");
  out += fmt::format("{:<6}", "CPU");
  for (const char* c : kSoftnetColumns) out += fmt::format(" {:>16}", c);
  out += "\n";
  for (const std::string& cpu : rows_in_order(cpus)) {
    out += fmt::format("{:<6}", cpu);
    for (const char* c : kSoftnetColumns) out += fmt::format(" {:>16}", get(cpus.at(cpu), c));
    out += "\n";
  }
}

void render_per_cpu(std::string& out, const std::string& title, const CounterTable& rows,
                    const std::map<std::string, std::string>* names, bool skip_zero) {
  section(out, title);
  // Every CPU any row has, in numeric order.
  CounterTable columns;
  for (const auto& [row, v] : rows)
    for (const auto& [cpu, x] : v) columns[cpu];
  std::vector<std::string> cpus = rows_in_order(columns);
  out += fmt::format("{:>10}", "");
  for (const auto& c : cpus) out += fmt::format(" {:>12}", c);
  out += "\n";
  for (const std::string& row : rows_in_order(rows)) {
    const CounterValues& v = rows.at(row);
    bool any = false;
    for (const auto& [c, x] : v) any = any || x != 0;
    if (skip_zero && !any) continue;
    out += fmt::format("{:>10}", row + ":");
    for (const auto& c : cpus) out += fmt::format(" {:>12}", v.count(c) ? std::to_string(v.at(c)) : "");
    if (names)
      if (auto n = names->find(row); n != names->end()) out += "  " + n->second;
    out += "\n";
  }
}

// ---- sar ----

struct SarColumn {
  const char* name;
  const char* counter;
};

// Rates of snmp counters as sar -n names them (sysstat activity.c / rd_stats.c).
struct SarSnmpSection {
  const char* section;
  const char* group;
  std::vector<SarColumn> columns;
};

const std::vector<SarSnmpSection>& sar_snmp_sections() {
  static const std::vector<SarSnmpSection> s = {
      {"IP", "Ip",
       {{"irec/s", "InReceives"}, {"fwddgm/s", "ForwDatagrams"}, {"idel/s", "InDelivers"}, {"orq/s", "OutRequests"},
        {"asmrq/s", "ReasmReqds"}, {"asmok/s", "ReasmOKs"}, {"fragok/s", "FragOKs"}, {"fragcrt/s", "FragCreates"}}},
      {"EIP", "Ip",
       {{"ihdrerr/s", "InHdrErrors"}, {"iadrerr/s", "InAddrErrors"}, {"iukwnpr/s", "InUnknownProtos"},
        {"idisc/s", "InDiscards"}, {"odisc/s", "OutDiscards"}, {"onort/s", "OutNoRoutes"}, {"asmf/s", "ReasmFails"},
        {"fragf/s", "FragFails"}}},
      {"ICMP", "Icmp",
       {{"imsg/s", "InMsgs"}, {"omsg/s", "OutMsgs"}, {"iech/s", "InEchos"}, {"iechr/s", "InEchoReps"},
        {"oech/s", "OutEchos"}, {"oechr/s", "OutEchoReps"}, {"itm/s", "InTimestamps"}, {"itmr/s", "InTimestampReps"},
        {"otm/s", "OutTimestamps"}, {"otmr/s", "OutTimestampReps"}, {"iadrmk/s", "InAddrMasks"},
        {"iadrmkr/s", "InAddrMaskReps"}, {"oadrmk/s", "OutAddrMasks"}, {"oadrmkr/s", "OutAddrMaskReps"}}},
      {"TCP", "Tcp",
       {{"active/s", "ActiveOpens"}, {"passive/s", "PassiveOpens"}, {"iseg/s", "InSegs"}, {"oseg/s", "OutSegs"}}},
      {"ETCP", "Tcp",
       {{"atmptf/s", "AttemptFails"}, {"estres/s", "EstabResets"}, {"retrans/s", "RetransSegs"},
        {"isegerr/s", "InErrs"}, {"orsts/s", "OutRsts"}}},
      {"UDP", "Udp",
       {{"idgm/s", "InDatagrams"}, {"odgm/s", "OutDatagrams"}, {"noport/s", "NoPorts"}, {"idgmerr/s", "InErrors"}}},
  };
  return s;
}

// sar -n SOCK / SOCK6: gauges from sockstat.
const std::vector<std::pair<const char*, std::vector<std::pair<const char*, std::pair<const char*, const char*>>>>>&
sar_sock_sections() {
  static const std::vector<std::pair<const char*, std::vector<std::pair<const char*, std::pair<const char*, const char*>>>>>
      s = {{"SOCK",
            {{"totsck", {"sockets", "used"}},
             {"tcpsck", {"TCP", "inuse"}},
             {"udpsck", {"UDP", "inuse"}},
             {"rawsck", {"RAW", "inuse"}},
             {"ip-frag", {"FRAG", "inuse"}},
             {"tcp-tw", {"TCP", "tw"}}}},
           {"SOCK6",
            {{"tcp6sck", {"TCP6", "inuse"}},
             {"udp6sck", {"UDP6", "inuse"}},
             {"raw6sck", {"RAW6", "inuse"}},
             {"ip6-frag", {"FRAG6", "inuse"}}}}};
  return s;
}

void add_sock_tables(SarTable& sar, const CounterGroups& g) {
  if (!g.sockstat) return;
  for (const auto& [section, cols] : sar_sock_sections())
    for (const auto& [col, src] : cols) {
      auto it = g.sockstat->find(src.first);
      sar[section]["all"][col] = it == g.sockstat->end() ? 0 : double(get(it->second, src.second));
    }
}

SarTable sar_tables(const CounterGroups& d, const CounterGroups& b, double s) {
  SarTable sar;
  auto rate = [&](int64_t v) { return s > 0 ? double(v) / s : 0.0; };
  for (const auto& [ifname, l] : d.link) {
    auto& dev = sar["DEV"][ifname];
    dev["rxpck/s"] = rate(get(l, "rx_packets"));
    dev["txpck/s"] = rate(get(l, "tx_packets"));
    dev["rxkB/s"] = rate(get(l, "rx_bytes")) / 1024;
    dev["txkB/s"] = rate(get(l, "tx_bytes")) / 1024;
    dev["rxcmp/s"] = rate(get(l, "rx_compressed"));
    dev["txcmp/s"] = rate(get(l, "tx_compressed"));
    dev["rxmcst/s"] = rate(get(l, "multicast"));
    auto& edev = sar["EDEV"][ifname];
    edev["rxerr/s"] = rate(get(l, "rx_errors"));
    edev["txerr/s"] = rate(get(l, "tx_errors"));
    edev["coll/s"] = rate(get(l, "collisions"));
    edev["rxdrop/s"] = rate(rx_drop(l));
    edev["txdrop/s"] = rate(get(l, "tx_dropped"));
    edev["txcarr/s"] = rate(tx_carrier(l));
    edev["rxfram/s"] = rate(rx_frame(l));
    edev["rxfifo/s"] = rate(get(l, "rx_fifo_errors"));
    edev["txfifo/s"] = rate(get(l, "tx_fifo_errors"));
  }
  for (const auto& sec : sar_snmp_sections()) {
    auto g = d.snmp.find(sec.group);
    if (g == d.snmp.end()) continue;
    for (const auto& c : sec.columns) sar[sec.section]["all"][c.name] = rate(get(g->second, c.counter));
  }
  add_sock_tables(sar, b);
  if (d.softnet_cpu) {
    CounterValues all;
    for (const auto& [cpu, v] : *d.softnet_cpu)
      for (const auto& [k, x] : v) all[k] += x;
    auto row = [&](const std::string& name, const CounterValues& v, const CounterValues& gauge) {
      auto& r = sar["SOFT"][name];
      r["total/s"] = rate(get(v, "processed"));
      r["dropd/s"] = rate(get(v, "dropped"));
      r["squeezd/s"] = rate(get(v, "time_squeeze"));
      r["rx_rps/s"] = rate(get(v, "received_rps"));
      r["flw_lim/s"] = rate(get(v, "flow_limit_count"));
      r["blg_len"] = double(get(gauge, "backlog_len"));
    };
    CounterValues all_b;
    if (b.softnet_cpu)
      for (const auto& [cpu, v] : *b.softnet_cpu) all_b["backlog_len"] += get(v, "backlog_len");
    row("all", all, all_b);
    for (const auto& [cpu, v] : *d.softnet_cpu) {
      CounterValues gauge;
      if (b.softnet_cpu && b.softnet_cpu->count(cpu)) gauge = b.softnet_cpu->at(cpu);
      row(cpu, v, gauge);
    }
  }
  return sar;
}

void render_sar(std::string& out, const SarTable& sar, bool only_sock) {
  static constexpr const char* kOrder[] = {"DEV", "EDEV", "IP", "EIP", "ICMP", "TCP", "ETCP", "UDP", "SOCK", "SOCK6", "SOFT"};
  for (const char* name : kOrder) {
    auto sec = sar.find(name);
    if (sec == sar.end() || (only_sock && std::string_view(name).substr(0, 4) != "SOCK")) continue;
    section(out, fmt::format("sar -n {}", name));
    // The columns in sar's order: the first row's, as inserted (the table is a map, so use the
    // section definitions where they exist).
    std::vector<std::string> cols;
    bool dev = std::string_view(name) == "DEV" || std::string_view(name) == "EDEV";
    for (const auto& s : sar_snmp_sections())
      if (name == std::string_view(s.section))
        for (const auto& c : s.columns) cols.push_back(c.name);
    for (const auto& [s, c] : sar_sock_sections())
      if (name == std::string_view(s))
        for (const auto& [col, src] : c) cols.push_back(col);
    if (std::string_view(name) == "DEV") cols = {"rxpck/s", "txpck/s", "rxkB/s", "txkB/s", "rxcmp/s", "txcmp/s", "rxmcst/s"};
    if (std::string_view(name) == "EDEV")
      cols = {"rxerr/s", "txerr/s", "coll/s", "rxdrop/s", "txdrop/s", "txcarr/s", "rxfram/s", "rxfifo/s", "txfifo/s"};
    if (std::string_view(name) == "SOFT") cols = {"total/s", "dropd/s", "squeezd/s", "rx_rps/s", "flw_lim/s", "blg_len"};
    std::string first = dev ? "IFACE" : std::string_view(name) == "SOFT" ? "CPU" : "";
    out += fmt::format("{:<16}", first);
    for (const auto& c : cols) out += fmt::format(" {:>10}", c);
    out += "\n";
    std::vector<std::string> rows;
    for (const auto& [r, v] : sec->second) rows.push_back(r);
    std::stable_sort(rows.begin(), rows.end(), [](const std::string& a, const std::string& b) {
      if (a == "all" || b == "all") return a == "all" && b != "all";
      if (a.starts_with("cpu") && b.starts_with("cpu"))
        return std::strtol(a.c_str() + 3, nullptr, 10) < std::strtol(b.c_str() + 3, nullptr, 10);
      return a < b;
    });
    for (const auto& r : rows) {
      out += fmt::format("{:<16}", r);
      const auto& v = sec->second.at(r);
      for (const auto& c : cols) {
        auto it = v.find(c);
        double x = it == v.end() ? 0 : it->second;
        out += c.ends_with("/s") ? fmt::format(" {:>10.2f}", x) : fmt::format(" {:>10.0f}", x);
      }
      out += "\n";
    }
  }
}

void add_changes(ChangeTable& out, const std::string& group, const std::string& row, const CounterValues& b,
                 const CounterValues* a, double s) {
  for (const auto& [name, v] : b) {
    int64_t old = 0;
    if (a)
      if (auto it = a->find(name); it != a->end()) old = it->second;
    int64_t d = int64_t(uint64_t(v) - uint64_t(old));
    if (d == 0) continue;
    out[group][row][name] = {d, s > 0 ? double(d) / s : 0.0};
  }
}

void add_table_changes(ChangeTable& out, const std::string& group, const CounterTable* b, const CounterTable* a,
                       double s) {
  if (!b) return;
  for (const auto& [row, values] : *b) {
    const CounterValues* old = nullptr;
    if (a)
      if (auto it = a->find(row); it != a->end()) old = &it->second;
    add_changes(out, group, row, values, old, s);
  }
}

const CounterTable* opt(const std::optional<CounterTable>& t) { return t ? &*t : nullptr; }

}  // namespace

std::string render_snapshot_text(const CounterSnapshot& s) {
  std::string out = fmt::format("pathbench snapshot{}{}", s.netns && !s.netns->empty() ? " of netns " + *s.netns : "",
                                s.taken_at ? " at " + *s.taken_at : "");
  out += "\n";
  if (s.sockets) render_ss(out, *s.sockets);
  render_ip_link(out, s.groups.link);
  render_netstat_i(out, s.groups.link);
  render_nstat(out, s.groups.snmp);
  if (s.links) render_links(out, s);
  if (s.groups.softnet_cpu) render_softnet(out, *s.groups.softnet_cpu);
  if (s.groups.softirqs) render_per_cpu(out, "softirqs (/proc/softirqs)", *s.groups.softirqs, nullptr, false);
  if (s.groups.interrupts)
    render_per_cpu(out, "interrupts (/proc/interrupts, rows with a count)", *s.groups.interrupts,
                   s.irq_names ? &*s.irq_names : nullptr, true);
  SarTable sock;
  add_sock_tables(sock, s.groups);
  render_sar(out, sock, true);
  if (s.groups.sockstat) {
    section(out, "sockstat (/proc/net/sockstat, sockstat6)");
    for (const auto& [g, v] : *s.groups.sockstat) {
      out += fmt::format("{}:", g);
      for (const auto& [k, x] : v) out += fmt::format(" {} {}", k, x);
      out += "\n";
    }
  }
  if (s.sysctls) {
    section(out, "sysctl");
    for (const auto& [k, v] : *s.sysctls) {
      if (const std::string* str = std::get_if<std::string>(&v)) out += fmt::format("{} = {}\n", k, *str);
      else out += fmt::format("{}: {}\n", k, probed_error(std::get<Feature>(v)));
    }
  }
  return out;
}

SnapshotDiff diff_snapshots(const CounterSnapshot& a, const CounterSnapshot& b, const std::string& from,
                            const std::string& to) {
  if (b.taken_ns <= a.taken_ns)
    throw core::UsageError(fmt::format("--diff: {} was not taken after {} (taken_ns {} <= {})", to, from, b.taken_ns,
                                       a.taken_ns));
  SnapshotDiff d;
  d.kind = kSnapshotDiffKind;
  d.from = from;
  d.to = to;
  d.netns = b.netns;
  d.interval_s = double(b.taken_ns - a.taken_ns) / 1e9;
  double s = d.interval_s;
  add_table_changes(d.changed, "link", &b.groups.link, &a.groups.link, s);
  add_table_changes(d.changed, "snmp", &b.groups.snmp, &a.groups.snmp, s);
  add_changes(d.changed, "softnet", "all", b.groups.softnet, &a.groups.softnet, s);
  add_table_changes(d.changed, "ethtool", opt(b.groups.ethtool), opt(a.groups.ethtool), s);
  add_table_changes(d.changed, "softnet_cpu", opt(b.groups.softnet_cpu), opt(a.groups.softnet_cpu), s);
  add_table_changes(d.changed, "softirqs", opt(b.groups.softirqs), opt(a.groups.softirqs), s);
  add_table_changes(d.changed, "sockstat", opt(b.groups.sockstat), opt(a.groups.sockstat), s);
  add_table_changes(d.changed, "interrupts", opt(b.groups.interrupts), opt(a.groups.interrupts), s);

  // The sar tables from the full deltas (zeros included: sar prints every column).
  CounterGroups delta;
  auto sub = [](const CounterTable& bt, const CounterTable& at) {
    CounterTable out;
    for (const auto& [row, v] : bt)
      for (const auto& [k, x] : v) {
        int64_t old = 0;
        if (auto r = at.find(row); r != at.end())
          if (auto c = r->second.find(k); c != r->second.end()) old = c->second;
        out[row][k] = int64_t(uint64_t(x) - uint64_t(old));
      }
    return out;
  };
  delta.link = sub(b.groups.link, a.groups.link);
  delta.snmp = sub(b.groups.snmp, a.groups.snmp);
  if (b.groups.softnet_cpu) delta.softnet_cpu = sub(*b.groups.softnet_cpu, a.groups.softnet_cpu.value_or(CounterTable{}));
  d.sar = sar_tables(delta, b.groups, s);
  return d;
}

std::string render_diff_text(const SnapshotDiff& d) {
  std::string out = fmt::format("pathbench snapshot --diff {} {}: {:.3f} s{}\n", d.from, d.to, d.interval_s,
                                d.netns && !d.netns->empty() ? " (netns " + *d.netns + ")" : "");
  render_sar(out, d.sar, false);
  static const std::pair<const char*, const char*> kTitles[] = {
      {"link", "ip -s link"},         {"snmp", "nstat"},          {"ethtool", "ethtool -S"},
      {"softnet", "softnet (sum)"},    {"softnet_cpu", "softnet per CPU"}, {"softirqs", "softirqs"},
      {"sockstat", "sockstat (gauges)"}, {"interrupts", "interrupts"}};
  for (const auto& [group, title] : kTitles) {
    auto g = d.changed.find(group);
    if (g == d.changed.end()) continue;
    section(out, fmt::format("{} (changed: delta, rate/s)", title));
    for (const auto& [row, counters] : g->second)
      for (const auto& [name, c] : counters) {
        // nstat's names: group and counter run together (UdpInDatagrams); others row/counter.
        std::string label = group == std::string_view("snmp") ? row + name
                            : group == std::string_view("softnet") ? name
                                                                    : row + " " + name;
        out += fmt::format("{:<44}{:>16}{:>16.1f}\n", label, c.delta, c.rate);
      }
  }
  return out;
}

}  // namespace pb::reports
