#include "dpdk/dpdk_receiver.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>

#include "bench/core/clock.h"
#include "bench/core/errors.h"
#include "bench/core/files.h"
#include "bench/core/log.h"
#include "bench/core/spawn.h"
#include "pb_config.h"

namespace pb::dpdk {

using core::throw_errno;
using namespace std::chrono_literals;

namespace {

constexpr const char* kAppName = "pathbench-dpdk";
constexpr uint64_t kStartTimeoutNs = 20'000'000'000ull;
constexpr uint64_t kStopTimeoutNs = 10'000'000'000ull;

std::string read_all(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, size_t(n));
  }
  return out;
}

std::string tail(const std::string& path, size_t max = 600) {
  std::string s;
  try {
    s = core::read_file(path);
  } catch (const std::exception&) {
    return "";
  }
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.size() > max ? "..." + s.substr(s.size() - max) : s;
}

// The latency histogram from the app's final document: lat_hist_upper_ns/lat_hist_count
// hold every non-empty bucket there (lat_hist_merge 1), and each upper bound maps back to
// its own bucket.
core::Histogram histogram_from(const nlohmann::json& doc) {
  reports::Buckets buckets;
  const auto upper = doc.value("lat_hist_upper_ns", nlohmann::json::array());
  const auto count = doc.value("lat_hist_count", nlohmann::json::array());
  for (size_t i = 0; i < upper.size() && i < count.size(); ++i)
    buckets.emplace_back(upper[i].get<uint64_t>(), count[i].get<uint64_t>());
  return core::histogram_of(buckets);
}

uint64_t num(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<uint64_t>() : 0;
}

// The report's queue interval (as kernel_probes/queues_probe.cpp and the AF_XDP sampler).
constexpr uint64_t kQueueIntervalMs = 100;

// pathbench-dpdk's rte_eth_rx_queue_count samples (qdepth_q<N>, one per queue per
// qdepth_interval_ns, from the app's start) as the report's "dpdk_rx_queue" entry:
// {unit, count, max, p50, p99, histogram, interval_ms, sample_ms, scope, series}, or
// {"absent": why}.
reports::QueueResult dpdk_rx_queue(const nlohmann::json& doc, const std::string& pmd) {
  std::string driver = doc.value("driver", std::string());
  std::string where = fmt::format("{} (--pmd {})", driver.empty() ? "?" : driver, pmd);
  if (!doc.value("qdepth_supported", false)) {
    std::string err = doc.value("qdepth_error", std::string("not reported by pathbench-dpdk"));
    // ethdev answers ENOTSUP when the PMD has no rx_queue_count callback.
    std::string why = err == std::strerror(ENOTSUP) ? "; the PMD does not implement it" : "";
    return reports::Absent{fmt::format("rte_eth_rx_queue_count: {} on {}{}", err, where, why)};
  }
  const uint64_t sample_ns = num(doc, "qdepth_interval_ns");
  const size_t nq = num(doc, "queues");
  if (sample_ns == 0 || nq == 0)
    return reports::Absent{fmt::format(
        "rte_eth_rx_queue_count: pathbench-dpdk reported no queues or sampling interval on {}", where)};
  core::Histogram h;
  std::vector<reports::Nullable<uint64_t>> slots;  // null: no sample in that interval
  for (size_t q = 0; q < nq; ++q) {
    const auto samples = doc.value("qdepth_q" + std::to_string(q), nlohmann::json::array());
    for (size_t i = 0; i < samples.size(); ++i) {
      uint64_t v = samples[i].get<uint64_t>();
      h.record(v);
      // Sample i was taken (i + 1) sample intervals after the worker started.
      size_t slot = size_t((i + 1) * sample_ns / (kQueueIntervalMs * 1'000'000));
      if (slots.size() <= slot) slots.resize(slot + 1);
      slots[slot] = std::max(slots[slot].value_or(0), v);
    }
  }
  if (h.empty())
    return reports::Absent{fmt::format(
        "rte_eth_rx_queue_count: no sample on {} (the run was shorter than one {} ns interval)", where, sample_ns)};
  reports::Queue out = core::queue_of(h, h.max(), "descriptors", kQueueIntervalMs, std::move(slots));
  out.sample_ms = double(sample_ns) / 1e6;
  out.scope = fmt::format("rte_eth_rx_queue_count of each of {} RX queues every {} ns from the app's start (count, "
                             "p50, p99 over every sample); series: max over queues and samples per {} ms",
                             nq, sample_ns, kQueueIntervalMs);
  return out;
}

}  // namespace

std::string find_dpdk_app() {
  if (const char* env = getenv("PATHBENCH_DPDK"); env && *env) return env;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto same_dir = self.parent_path() / kAppName;
    if (std::filesystem::exists(same_dir)) return same_dir;
  }
#ifdef PB_DPDK_APP_BUILD_PATH
  if (std::filesystem::exists(PB_DPDK_APP_BUILD_PATH)) return PB_DPDK_APP_BUILD_PATH;
#endif
  return "";
}

DpdkTelemetry::DpdkTelemetry(const std::string& socket_path) {
  fd_.reset(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd_) throw_errno("telemetry socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) throw core::UsageError("telemetry path too long: " + socket_path);
  socket_path.copy(addr.sun_path, sizeof addr.sun_path - 1);
  if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw_errno("connect to DPDK telemetry " + socket_path);
  std::string buf(4096, '\0');
  ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), 0);
  if (n <= 0) throw_errno("read DPDK telemetry greeting");
  auto greeting = nlohmann::json::parse(buf.substr(0, size_t(n)), nullptr, false);
  if (greeting.is_object() && greeting.contains("max_output_len")) max_len_ = greeting["max_output_len"].get<size_t>();
}

nlohmann::json DpdkTelemetry::query(const std::string& command) {
  if (::send(fd_.get(), command.data(), command.size(), 0) < 0) throw_errno("send telemetry " + command);
  std::string buf(max_len_ + 1, '\0');
  ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), 0);
  if (n <= 0) throw_errno("read telemetry reply to " + command);
  auto reply = nlohmann::json::parse(buf.substr(0, size_t(n)), nullptr, false);
  std::string key = command.substr(0, command.find(','));
  if (!reply.is_object() || !reply.contains(key)) throw std::runtime_error("telemetry " + command + ": bad reply");
  return reply[key];
}

DpdkReceiver::DpdkReceiver(const core::Topology& topo, DpdkConfig cfg) : topo_(topo), cfg_(std::move(cfg)) {
  // Main lcore on CPU 0, one worker per queue on the CPUs after it (as many as there are);
  // on 2 CPUs, one worker on CPU 1.
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  for (long c = 1; c < ncpu && workers_.size() < cfg_.queues; ++c) workers_.push_back(int(c));
  if (cfg_.app.empty()) throw core::PathUnavailable("dpdk: pathbench-dpdk not built (no libdpdk at build time)");
  if (cfg_.pmd == core::DpdkPmd::kPci && cfg_.pci_addr.empty()) throw core::UsageError("pmd pci: needs a PCI device (lab topology)");
}

DpdkReceiver::~DpdkReceiver() {
  if (pid_ > 0) stop_app(SIGKILL);
}

void DpdkReceiver::begin_trial(const core::TrialRequest& req) {
  (void)req;
  prefix_ = fmt::format("{}-t{}", topo_.dut_netns_name(), trial_++);
  std::string vdev;
  if (cfg_.pmd == core::DpdkPmd::kAfXdp)
    vdev = fmt::format("net_af_xdp0,iface={},start_queue=0,queue_count={}", topo_.dut_if(), cfg_.queues);
  else if (cfg_.pmd == core::DpdkPmd::kAfPacket)
    vdev = fmt::format("net_af_packet0,iface={},qpairs={}", topo_.dut_if(), cfg_.queues);
  std::string lcores = workers_.empty() ? "0" : fmt::format("0-{}", workers_.back());
  std::vector<std::string> args = {cfg_.app, "-l", lcores, "--no-huge", "-m", "512", "--file-prefix", prefix_,
                                   "--log-level", "6"};
  if (cfg_.pmd == core::DpdkPmd::kPci) {
    args.insert(args.end(), {"-a", cfg_.pci_addr});
  } else {
    args.insert(args.end(), {"--no-pci", "--vdev", vdev});
  }
  args.insert(args.end(), {"--", "--engine", std::string(core::name(cfg_.engine)), "--queues", std::to_string(cfg_.queues), "--json"});

  stderr_path_ = fmt::format("/tmp/{}.stderr", prefix_);
  core::UniqueFd err(::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!err) throw_errno("create " + stderr_path_);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw_errno("pipe");
  core::UniqueFd out_read(out[0]), out_write(out[1]);
  // Into the DUT netns, stdout to the pipe, stderr to the file.
  pid_ = core::spawn_in_netns(topo_.dut_netns(), args, out_write.get(), err.get());
  out_write.reset();  // the child's copy is its stdout: EOF once it exits
  stdout_ = std::move(out_read);
  PB_DEBUG("dpdk: started {} (pid {})", fmt::join(args, " "), pid_);

  // Ready when the app's telemetry answers /pathbench/stats (the port is started then).
  std::string sock = fmt::format("/var/run/dpdk/{}/dpdk_telemetry.v2", prefix_);
  uint64_t deadline = core::mono_ns() + kStartTimeoutNs;
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::string why = tail(stderr_path_);
      ::unlink(stderr_path_.c_str());
      throw core::PathUnavailable(fmt::format("dpdk ({}) could not start: {}", core::name(cfg_.pmd), why));
    }
    try {
      DpdkTelemetry tel(sock);
      nlohmann::json stats = tel.query("/pathbench/stats");
      if (stats.is_object() && stats.contains("rx_packets")) break;
    } catch (const std::exception&) {
    }
    if (core::mono_ns() > deadline) {
      stop_app(SIGKILL);
      std::string why = tail(stderr_path_);
      ::unlink(stderr_path_.c_str());
      throw core::PathUnavailable(fmt::format("dpdk ({}) not ready after 20 s: {}", core::name(cfg_.pmd), why));
    }
    std::this_thread::sleep_for(50ms);
  }
}

void DpdkReceiver::stop_app(int sig) {
  if (pid_ <= 0) return;
  ::kill(pid_, sig);
  uint64_t deadline = core::mono_ns() + kStopTimeoutNs;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (core::mono_ns() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  pid_ = -1;
}

core::RxResult DpdkReceiver::end_trial(const core::TxResult& tx) {
  (void)tx;
  std::this_thread::sleep_for(200ms);  // frames still in the veth rings reach the PMD
  stop_app(SIGTERM);
  std::string text = read_all(stdout_.get());
  stdout_.reset();
  auto doc = nlohmann::json::parse(text, nullptr, false);
  std::string why = tail(stderr_path_);
  ::unlink(stderr_path_.c_str());
  if (!doc.is_object()) throw std::runtime_error("pathbench-dpdk printed no statistics: " + why);
  core::RxResult rx;
  rx.delivered = num(doc, "tagged");
  rx.malformed = num(doc, "untagged");
  rx.latency = histogram_from(doc);
  for (const auto& q : doc.value("queue_tagged", nlohmann::json::array())) rx.per_queue.push_back(q.get<uint64_t>());
  rx.per_queue_is_rx_queue = true;
  auto drop = [&](const char* reason, const char* key) {
    if (uint64_t n = num(doc, key)) rx.drops.push_back({"dut", reason, std::string("rte_eth_stats ") + key, n});
  };
  drop("DPDK_IMISSED", "eth_imissed");
  drop("DPDK_RX_NOMBUF", "eth_rx_nombuf");
  drop("DPDK_IERRORS", "eth_ierrors");
  // net_af_packet: frames its PACKET ring had no room for (DPDK 22.11 leaves imissed 0).
  if (uint64_t n = num(doc, "packet_tp_drops"))
    rx.drops.push_back({"dut", "AF_PACKET_RING_FULL", "PACKET_STATISTICS tp_drops", n});
  rx.queues["dpdk_rx_queue"] = dpdk_rx_queue(doc, std::string(core::name(cfg_.pmd)));
  // Untagged frames are not the generator's (af_packet also sees the DUT's own outgoing
  // ICMP): counted in "malformed", never in the ledger.
  rx.dpdk = reports::RawJson{doc.dump()};
  if (doc.contains("driver") && doc["driver"].is_string()) driver_ = doc["driver"].get<std::string>();
  return rx;
}

void DpdkReceiver::describe(reports::Topology& into) const {
  into.pmd = std::string(core::name(cfg_.pmd));
  into.dpdk_engine = core::name(cfg_.engine);
  into.dpdk_workers = workers_;
  if (!driver_.empty()) into.dpdk_driver = driver_;
}

}  // namespace pb::dpdk
