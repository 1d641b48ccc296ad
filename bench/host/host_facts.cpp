#include "bench/host/host_facts.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <vector>

#include "bench/core/errors.h"
#include "bench/core/feature_check.h"
#include "bench/core/files.h"

namespace pb::host {

namespace {

// /proc/meminfo "Key:   123 kB" -> 123 (the number as written).
reports::Nullable<uint64_t> meminfo_value(const std::string& meminfo, const std::string& key) {
  std::istringstream in(meminfo);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size() + 1, key + ":") != 0) continue;
    return std::stoull(line.substr(key.size() + 1));
  }
  return {};
}

reports::Hugepages probe_hugepages() {
  std::string meminfo = core::read_file("/proc/meminfo");
  return {meminfo_value(meminfo, "HugePages_Total"), meminfo_value(meminfo, "HugePages_Free"),
          meminfo_value(meminfo, "Hugepagesize")};
}

reports::Cpus probe_cpus() {
  reports::Cpus out{sysconf(_SC_NPROCESSORS_ONLN), {}};
  std::istringstream in(core::read_file("/proc/cpuinfo"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto start = line.find_first_not_of(" \t", colon + 1);
    out.model = start == std::string::npos ? "" : line.substr(start);
    break;
  }
  return out;
}

std::string trimmed_file(const std::string& path) {
  std::string s = core::read_file(path);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

unsigned count_entries(const std::filesystem::path& dir, const std::string& prefix) {
  std::error_code ec;
  unsigned n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind(prefix, 0) == 0) ++n;
  return n;
}

// The interfaces of the caller's netns as sysfs shows them.
std::vector<reports::Nic> probe_nics() {
  std::vector<reports::Nic> out;
  std::vector<std::filesystem::path> links;
  for (const auto& e : std::filesystem::directory_iterator("/sys/class/net")) links.push_back(e.path());
  std::sort(links.begin(), links.end());
  for (const auto& p : links) {
    reports::Nic nic;
    nic.name = p.filename().string();
    std::error_code ec;
    auto driver = std::filesystem::read_symlink(p / "device/driver", ec);
    if (!ec) nic.driver = driver.filename().string();
    try {
      nic.operstate = trimmed_file((p / "operstate").string());
      nic.mtu = std::stoul(trimmed_file((p / "mtu").string()));
    } catch (const std::exception&) {
      nic.operstate.reset();
    }
    nic.rx_queues = count_entries(p / "queues", "rx-");
    nic.tx_queues = count_entries(p / "queues", "tx-");
    out.push_back(std::move(nic));
  }
  return out;
}

}  // namespace

std::string kernel_release() {
  struct utsname u;
  if (uname(&u) != 0) core::throw_errno("uname");
  return u.release;
}

HostFacts probe_host_facts() {
  HostFacts out;
  out.hugepages = core::try_probe<reports::Hugepages>(probe_hugepages);
  out.cpus = core::try_probe<reports::Cpus>(probe_cpus);
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page_size > 0) out.memory_bytes = uint64_t(pages) * uint64_t(page_size);
  out.nics = core::try_probe<std::vector<reports::Nic>>(probe_nics);
  return out;
}

}  // namespace pb::host
