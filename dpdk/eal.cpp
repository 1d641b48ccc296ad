#include "dpdk/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "bench/core/log.h"

namespace pb::dpdk {

Eal::Eal(std::vector<std::string> args) : args_(std::move(args)), storage_(args_) {
  // DPDK logs to stdout and syslog by default; stdout is for the JSON result. Set before
  // rte_eal_init so that EAL's own start-up messages go to stderr too.
  rte_openlog_stream(stderr);
  for (auto& a : storage_) argv_.push_back(a.data());
  argv_.push_back(nullptr);
  int argc = static_cast<int>(storage_.size());
  if (rte_eal_init(argc, argv_.data()) < 0) {
    int err = rte_errno;
    throw EalError(std::string("rte_eal_init: ") + rte_strerror(err));
  }
  runtime_dir_ = rte_eal_get_runtime_dir();
  primary_ = rte_eal_process_type() == RTE_PROC_PRIMARY;
}

Eal::~Eal() {
  int ret = rte_eal_cleanup();
  if (ret != 0) PB_WARN("rte_eal_cleanup: {}", rte_strerror(-ret));
  if (!primary_ || runtime_dir_.empty()) return;
  // The telemetry socket is unlinked by an atexit handler later on; removing it here
  // first is harmless, and lets the directory go.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(runtime_dir_, ec)) {
    std::error_code rm_ec;
    std::filesystem::remove(entry.path(), rm_ec);
    if (rm_ec) PB_WARN("remove {}: {}", entry.path().string(), rm_ec.message());
  }
  if (!std::filesystem::remove(runtime_dir_, ec) && ec) PB_WARN("remove {}: {}", runtime_dir_, ec.message());
}

}  // namespace pb::dpdk
