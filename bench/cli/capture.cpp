#include "bench/cli/capture.h"

#include "pb_config.h"  // before the PB_HAVE_PCAP tests below

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "bench/core/log.h"
#include "bench/core/netns.h"

#if PB_HAVE_PCAP
#include <pcap/pcap.h>
#endif

namespace pb::cli {

bool capture_supported() { return PB_HAVE_PCAP; }

const char* capture_where(std::string_view path) {
  for (std::string_view stack : {"kernel-udp", "kernel-tcp", "xdp-pass"})
    if (path == stack) return reports::kCaptureDutIngress;
  return reports::kCaptureTgEgress;
}

std::string capture_path(const std::string& report_path, const std::string& scenario) {
  std::string base = report_path;
  size_t slash = base.rfind('/');
  size_t dot = base.rfind('.');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) base.resize(dot);
  std::string name = scenario;
  for (char& c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) c = '_';
  return base + "." + name + ".pcap";
}

#if PB_HAVE_PCAP

struct ScenarioCapture::State {
  pcap_t* handle = nullptr;
  pcap_dumper_t* dumper = nullptr;
  std::mutex mu;          // handle and dumper: closed under it
  bool closed = false;
  std::atomic<uint64_t> packets{0};
  uint64_t dropped = 0;
  std::string error;
  std::thread thread;

  // Under mu: the counters, then both closed (the kernel stops copying frames to us).
  void close_locked() {
    if (closed) return;
    pcap_stat st{};
    if (pcap_stats(handle, &st) == 0) dropped = st.ps_drop;
    pcap_dump_close(dumper);
    pcap_close(handle);
    closed = true;
  }
};

namespace {

extern "C" void dump_one(u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
  auto* s = reinterpret_cast<ScenarioCapture::State*>(user);
  pcap_dump(reinterpret_cast<u_char*>(s->dumper), h, bytes);
  s->packets.fetch_add(1, std::memory_order_relaxed);
}

// pcap_create + activate on the calling thread (inside the interface's netns: the packet
// socket binds to the ifindex of the netns it was made in).
pcap_t* open_live(const CapturePlan& p) {
  char err[PCAP_ERRBUF_SIZE] = "";
  pcap_t* h = pcap_create(p.interface.c_str(), err);
  if (!h) throw std::runtime_error(fmt::format("pcap_create {}: {}", p.interface, err));
  pcap_set_snaplen(h, 262144);   // whole frames, GRO super-frames too
  pcap_set_promisc(h, 0);
  pcap_set_immediate_mode(h, 1);  // each packet as it comes: N packets end the capture at once
  pcap_set_buffer_size(h, 4 << 20);
  int rc = pcap_activate(h);
  if (rc < 0) {
    std::string why = rc == PCAP_ERROR ? pcap_geterr(h) : pcap_statustostr(rc);
    pcap_close(h);
    throw std::runtime_error(fmt::format("pcap_activate {}: {}", p.interface, why));
  }
  if (pcap_setdirection(h, p.where == std::string_view(reports::kCaptureDutIngress) ? PCAP_D_IN : PCAP_D_OUT) != 0) {
    std::string why = pcap_geterr(h);
    pcap_close(h);
    throw std::runtime_error(fmt::format("pcap_setdirection {}: {}", p.interface, why));
  }
  return h;
}

}  // namespace

ScenarioCapture::ScenarioCapture(CapturePlan plan) : plan_(std::move(plan)), state_(std::make_unique<State>()) {
  State& s = *state_;
  s.handle = core::in_netns_thread(plan_.netns_fd, [&] { return open_live(plan_); });
  s.dumper = pcap_dump_open(s.handle, plan_.path.c_str());
  if (!s.dumper) {
    std::string why = pcap_geterr(s.handle);
    pcap_close(s.handle);
    throw std::runtime_error(fmt::format("pcap_dump_open {}: {}", plan_.path, why));
  }
  const int count = int(plan_.packets);
  s.thread = std::thread([&s, count] {
    int rc = pcap_loop(s.handle, count, dump_one, reinterpret_cast<u_char*>(&s));
    std::lock_guard lock(s.mu);
    if (rc == PCAP_ERROR) s.error = pcap_geterr(s.handle);
    s.close_locked();
  });
  PB_DEBUG("capture: the first {} packets at {} {} (netns {}) -> {}", plan_.packets, plan_.where, plan_.interface,
           plan_.netns_name, plan_.path);
}

ScenarioCapture::~ScenarioCapture() {
  if (finished_ || !state_) return;
  {
    std::lock_guard lock(state_->mu);
    if (!state_->closed) pcap_breakloop(state_->handle);
  }
  if (state_->thread.joinable()) state_->thread.join();
  ::unlink(plan_.path.c_str());
}

reports::Capture ScenarioCapture::finish() {
  State& s = *state_;
  {
    std::lock_guard lock(s.mu);
    if (!s.closed) pcap_breakloop(s.handle);
  }
  if (s.thread.joinable()) s.thread.join();
  finished_ = true;
  reports::Capture c;
  size_t slash = plan_.path.rfind('/');
  c.file = slash == std::string::npos ? plan_.path : plan_.path.substr(slash + 1);
  c.requested = plan_.packets;
  c.packets = s.packets.load();
  c.where = plan_.where;
  c.interface = plan_.interface;
  c.netns = plan_.netns_name;
  c.dropped = s.dropped;
  if (!s.error.empty()) c.error = s.error;
  else if (c.packets < c.requested && plan_.where == std::string_view(reports::kCaptureTgEgress) &&
           plan_.generator == "xdp-live")
    c.error = "xdp-live frames leave the TG by ndo_xdp_xmit, which passes no packet tap; capture with --generator "
              "udp-socket";
  else if (c.packets < c.requested && plan_.where == std::string_view(reports::kCaptureTgEgress) &&
           plan_.generator == "afpacket")
    c.error = "afpacket frames bypass the qdisc layer (PACKET_QDISC_BYPASS) and its packet taps; capture with "
              "--generator udp-socket";
  else if (c.packets < c.requested)
    c.error = fmt::format("the scenario ended after {} of {} packets", c.packets, c.requested);
  return c;
}

#else  // no libpcap: the CLI refuses --capture before a scenario starts

struct ScenarioCapture::State {};

ScenarioCapture::ScenarioCapture(CapturePlan plan) : plan_(std::move(plan)) {
  throw std::runtime_error("--capture: this build has no libpcap (install libpcap-dev and rebuild)");
}
ScenarioCapture::~ScenarioCapture() = default;
reports::Capture ScenarioCapture::finish() { return {}; }

#endif

}  // namespace pb::cli
