#include "dpdk/dpdk_features.h"

#include <glob.h>

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pb_config.h"

namespace pb::dpdk {

reports::DpdkFeatures probe_dpdk_features() {
  reports::DpdkFeatures out;
#ifdef PB_DPDK_VERSION
  out.built = true;
  out.version = std::string(PB_DPDK_VERSION);
#endif
  // libdpdk.pc names no PMD directory; these globs cover Debian's multiarch layout and a
  // source install under /usr/local.
  static constexpr const char* kPatterns[] = {
      "/usr/lib/*/dpdk/pmds-*/librte_net_*.so",
      "/usr/lib64/dpdk/pmds-*/librte_net_*.so",
      "/usr/local/lib/*/dpdk/pmds-*/librte_net_*.so",
      "/usr/local/lib64/dpdk/pmds-*/librte_net_*.so",
  };
  std::set<std::string> pmds;
  std::set<std::string> dirs;
  for (const char* pattern : kPatterns) {
    glob_t g = {};
    if (glob(pattern, 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        std::filesystem::path p(g.gl_pathv[i]);
        std::string stem = p.filename().string();  // librte_net_af_xdp.so
        constexpr std::string_view kPrefix = "librte_";
        stem = stem.substr(kPrefix.size(), stem.size() - kPrefix.size() - 3);
        pmds.insert(stem);
        dirs.insert(p.parent_path().string());
      }
    }
    globfree(&g);
  }
  out.pmds.assign(pmds.begin(), pmds.end());
  out.pmd_dirs.assign(dirs.begin(), dirs.end());
  return out;
}

}  // namespace pb::dpdk
