#include "kernel_probes/tools/tool.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>
#include <ctime>

#include "bench/core/histogram_buckets.h"

#include "kernel_probes/tools/gethostlatency.h"
#include "kernel_probes/tools/ieee80211scan.h"
#include "kernel_probes/tools/ipecn.h"
#include "kernel_probes/tools/skbdrop.h"
#include "kernel_probes/tools/so1stbyte.h"
#include "kernel_probes/tools/soaccept.h"
#include "kernel_probes/tools/soconnect.h"
#include "kernel_probes/tools/soconnlat.h"
#include "kernel_probes/tools/tcpaccept.h"
#include "kernel_probes/tools/tcpconnect.h"
#include "kernel_probes/tools/superping.h"
#include "kernel_probes/tools/nettxlat.h"
#include "kernel_probes/tools/nettxlat_dev.h"
#include "kernel_probes/tools/qdisc.h"
#include "kernel_probes/tools/skblife.h"
#include "kernel_probes/tools/tcplife.h"
#include "kernel_probes/tools/tcpnagle.h"
#include "kernel_probes/tools/tcpretrans.h"
#include "kernel_probes/tools/tcpsynbl.h"
#include "kernel_probes/tools/tcpwin.h"
#include "kernel_probes/tools/netsize.h"
#include "kernel_probes/tools/socketio.h"
#include "kernel_probes/tools/socksize.h"
#include "kernel_probes/tools/sormem.h"
#include "kernel_probes/tools/tcptop.h"
#include "kernel_probes/tools/sockstat.h"
#include "kernel_probes/tools/sofamily.h"
#include "kernel_probes/tools/soprotocol.h"
#include "kernel_probes/tools/udpconnect.h"

namespace pb::probes::tools {

std::span<const Tool* const> tool_table() {
#ifdef PB_TOOLS_NONE  // a build without BPF (no clang or bpftool) has no tools
  return {};
#else
  static const Tool* const kTools[] = {
      &sockstat_tool(),
      &sofamily_tool(),
      &soprotocol_tool(),
      &soconnect_tool(),
      &soaccept_tool(),
      &socketio_tool(),
      &socksize_tool(),
      &sormem_tool(),
      &soconnlat_tool(),
      &so1stbyte_tool(),
      &tcpconnect_tool(),
      &tcpaccept_tool(),
      &tcplife_tool(),
      &tcptop_tool(),
      &tcpretrans_tool(),
      &tcpsynbl_tool(),
      &tcpwin_tool(),
      &tcpnagle_tool(),
      &udpconnect_tool(),
      &gethostlatency_tool(),
      &ipecn_tool(),
      &superping_tool(),
      &qdisc_fq_tool(),
      &qdisc_fq_codel_tool(),
      &qdisc_codel_tool(),
      &qdisc_red_tool(),
      &qdisc_tbf_tool(),
      &qdisc_htb_tool(),
      &qdisc_pfifo_fast_tool(),
      &qdisc_cbs_tool(),
      &netsize_tool(),
      &nettxlat_tool(),
      &nettxlat_dev_tool(),
      &skbdrop_tool(),
      &skblife_tool(),
      &ieee80211scan_tool(),
  };
  return kTools;
#endif
}

const Tool* find_tool(std::string_view name) {
  for (const Tool* t : tool_table())
    if (t->name() == name) return t;
  return nullptr;
}

std::string format_address(uint16_t family, const uint8_t* bytes) {
  char buf[INET6_ADDRSTRLEN] = "";
  if (family == AF_INET || family == AF_INET6) inet_ntop(family, bytes, buf, sizeof buf);
  return buf[0] ? buf : "?";
}

std::string clock_time_of(uint64_t mono_ns) {
  timespec mono{}, real{};
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &real);
  const int64_t now_mono = int64_t(mono.tv_sec) * 1000000000 + mono.tv_nsec;
  const int64_t real_ns = int64_t(real.tv_sec) * 1000000000 + real.tv_nsec - (now_mono - int64_t(mono_ns));
  time_t secs = time_t(real_ns / 1000000000);
  tm local{};
  localtime_r(&secs, &local);
  char buf[16];
  strftime(buf, sizeof buf, "%H:%M:%S", &local);
  return buf;
}

core::Histogram histogram_delta(const std::vector<uint64_t>& now, const std::vector<uint64_t>& before, uint32_t index) {
  std::vector<uint64_t> d(PB_HIST_NBUCKETS);
  for (uint32_t b = 0; b < PB_HIST_NBUCKETS; ++b) {
    const size_t i = size_t(index) * PB_HIST_NBUCKETS + b;
    d[b] = now[i] - (before.empty() ? 0 : before[i]);
  }
  core::Histogram h;
  h.add_bucket_counts(d.data(), d.size());
  return h;
}

TcpCounters tcp_counters(const ToolOptions& opts) {
  TcpCounters c;
  if (!opts.read_counters) {
    c.problem = "no reader for the netns counters";
    return c;
  }
  try {
    for (auto& [name, value] : opts.read_counters())
      if (name.starts_with("Tcp:") || name.starts_with("TcpExt:")) c.values.emplace(name, value);
  } catch (const std::exception& e) {
    c.problem = e.what();
  }
  return c;
}

std::string comm_of(const char* comm, size_t size) { return std::string(comm, strnlen(comm, size)); }

std::vector<std::string> option_flags(unsigned options) {
  static constexpr std::pair<ToolOption, const char*> kFlags[] = {
      {kOptNetns, "--netns"}, {kOptPid, "--pid"},     {kOptComm, "--comm"},
      {kOptInterval, "--interval"}, {kOptLport, "--lport"}, {kOptRport, "--rport"},
  };
  std::vector<std::string> out;
  for (const auto& [bit, flag] : kFlags)
    if (options & bit) out.push_back(flag);
  return out;
}

}  // namespace pb::probes::tools
