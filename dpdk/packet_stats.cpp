#include "dpdk/packet_stats.h"

#include <dirent.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>
#include <memory>

namespace pb::dpdk {

std::optional<PacketSocketStats> read_packet_socket_stats() {
  std::unique_ptr<DIR, decltype(&closedir)> dir(opendir("/proc/self/fd"), &closedir);
  if (!dir) return std::nullopt;
  PacketSocketStats out;
  const int self = dirfd(dir.get());
  while (dirent* e = readdir(dir.get())) {
    char* end = nullptr;
    long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == self) continue;
    struct stat st {};
    if (fstat(int(fd), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    int domain = 0;
    socklen_t len = sizeof domain;
    if (getsockopt(int(fd), SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 || domain != AF_PACKET) continue;
    // tpacket_stats is the common head of the v1/v2 and v3 layouts (tp_packets, tp_drops).
    tpacket_stats_v3 s{};
    len = sizeof s;
    if (getsockopt(int(fd), SOL_PACKET, PACKET_STATISTICS, &s, &len) != 0) continue;
    ++out.sockets;
    out.packets += s.tp_packets;
    out.drops += s.tp_drops;
  }
  if (out.sockets == 0) return std::nullopt;
  return out;
}

}  // namespace pb::dpdk
