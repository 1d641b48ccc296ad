#include "kernel_probes/tools/tool.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>

#include "kernel_probes/tools/nettxlat.h"
#include "kernel_probes/tools/nettxlat_dev.h"
#include "kernel_probes/tools/qdisc.h"
#include "kernel_probes/tools/skbdrop.h"
#include "kernel_probes/tools/skblife.h"
#include "kernel_probes/tools/tcplife.h"

namespace pb::probes::tools {

std::span<const Tool* const> tool_table() {
#ifdef PB_TOOLS_NONE  // a build without BPF (no clang or bpftool) has no tools
  return {};
#else
  static const Tool* const kTools[] = {
      &qdisc_fq_tool(),
      &qdisc_fq_codel_tool(),
      &qdisc_codel_tool(),
      &qdisc_red_tool(),
      &qdisc_tbf_tool(),
      &qdisc_htb_tool(),
      &qdisc_pfifo_fast_tool(),
      &qdisc_cbs_tool(),
      &nettxlat_tool(),
      &nettxlat_dev_tool(),
      &skbdrop_tool(),
      &skblife_tool(),
      &tcplife_tool(),
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
