#include "bench/cli/env.h"

#include <fmt/format.h>

#include "bench/core/feature_check.h"
#include "bench/host/host_facts.h"
#include "dpdk/dpdk_features.h"
#include "kernel_probes/probe_features.h"
#include "xdp/xdp_features.h"

namespace pb::cli {

namespace {

using nlohmann::json;

std::string yes_no(const json& j) {
  if (!j.is_object()) return "?";
  if (j.value("ok", false)) return "yes";
  std::string why = j.contains("error") && j["error"].is_string() ? j["error"].get<std::string>() : "";
  return why.empty() ? "no" : "no   " + why;
}

std::string str_or(const json& j, const char* key, const std::string& dflt) {
  if (!j.is_object() || !j.contains(key)) return dflt;
  const json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return dflt;
  return v.dump();
}

const json& at_or_null(const json& j, const char* key) {
  static const json kNull = nullptr;
  return j.is_object() && j.contains(key) ? j[key] : kNull;
}

}  // namespace

json probe_environment() {
  json env = host::probe_host_facts();
  env["kernel"] = core::try_section([] { return json{{"release", host::kernel_release()}, {"btf", probes::kernel_btf()}}; });
  env.update(probes::probe_kernel_features());
  env.update(xdp::probe_xdp_features());
  env["dpdk"] = core::try_section(dpdk::probe_dpdk_features);
  return env;
}

std::string render_environment(const json& env) {
  std::string out;
  auto row = [&](const std::string& key, const std::string& value) {
    out += fmt::format("{:<22}{}\n", key, value);
  };
  const json& kernel = at_or_null(env, "kernel");
  row("kernel", fmt::format("{} (BTF: {})", str_or(kernel, "release", "?"),
                            kernel.is_object() && kernel.value("btf", false) ? "yes" : "no"));
  for (const char* fs : {"tracefs", "bpffs"}) {
    const json& m = at_or_null(env, fs);
    row(fs, m.is_object() && m.value("ok", false) ? str_or(m, "path", "?") : yes_no(m));
  }
  const json& attach = at_or_null(env, "attach");
  for (const char* t : {"tracepoint", "raw_tp", "tp_btf", "kprobe", "fentry"})
    row(std::string("attach ") + t, yes_no(at_or_null(attach, t)));
  const json& xdp = at_or_null(env, "xdp");
  row("xdp native", yes_no(at_or_null(xdp, "native")));
  row("xdp generic", yes_no(at_or_null(xdp, "generic")));
  row("xdp live frames", yes_no(at_or_null(xdp, "test_run_live_frames")));
  row("af_xdp", yes_no(at_or_null(env, "af_xdp")));
  const json& dpdk = at_or_null(env, "dpdk");
  std::string pmds;
  if (dpdk.is_object() && dpdk.contains("pmds") && dpdk["pmds"].is_array())
    for (const auto& p : dpdk["pmds"]) pmds += (pmds.empty() ? "" : " ") + p.get<std::string>();
  row("dpdk", dpdk.is_object() && dpdk.value("built", false)
                  ? fmt::format("built with {}", str_or(dpdk, "version", "?"))
                  : "not built in");
  row("dpdk pmds", pmds.empty() ? "none found" : pmds);
  const json& huge = at_or_null(env, "hugepages");
  row("hugepages", fmt::format("{} free of {} ({} kB pages)", str_or(huge, "free", "?"),
                               str_or(huge, "total", "?"), str_or(huge, "size_kb", "?")));
  const json& cpus = at_or_null(env, "cpus");
  row("cpus", fmt::format("{} online, {}", str_or(cpus, "online", "?"), str_or(cpus, "model", "?")));
  const json& mem = at_or_null(env, "memory_bytes");
  row("memory", mem.is_number() ? fmt::format("{:.1f} GiB", mem.get<double>() / (1ull << 30)) : "?");
  const json& nics = at_or_null(env, "nics");
  if (nics.is_array()) {
    for (const auto& n : nics)
      row("nic " + str_or(n, "name", "?"),
          fmt::format("{}, {}, {} rx / {} tx queues", str_or(n, "driver", "virtual"),
                      str_or(n, "operstate", "?"), str_or(n, "rx_queues", "?"), str_or(n, "tx_queues", "?")));
  }
  return out;
}


}  // namespace pb::cli
