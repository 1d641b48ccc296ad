#include "bench/cli/env.h"

#include "bench/core/feature_check.h"
#include "bench/host/host_facts.h"
#include "dpdk/dpdk_features.h"
#include "kernel_probes/probe_features.h"
#include "xdp/xdp_features.h"

namespace pb::cli {

reports::Capabilities probe_environment() {
  reports::Capabilities c;
  c.kernel = core::try_probe<reports::KernelFacts>([] {
    return reports::KernelFacts{host::kernel_release(), probes::kernel_btf()};
  });
  probes::KernelFeatures k = probes::probe_kernel_features();
  c.tracefs = k.tracefs;
  c.bpffs = k.bpffs;
  c.attach = k.attach;
  xdp::XdpHostFeatures x = xdp::probe_xdp_features();
  c.xdp = x.xdp;
  c.af_xdp = x.af_xdp;
  c.dpdk = dpdk::probe_dpdk_features();
  host::HostFacts h = host::probe_host_facts();
  c.hugepages = h.hugepages;
  c.cpus = h.cpus;
  c.memory_bytes = h.memory_bytes;
  c.nics = h.nics;
  return c;
}

}  // namespace pb::cli
