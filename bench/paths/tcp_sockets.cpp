#include "bench/paths/tcp_sockets.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <fmt/core.h>

#include <algorithm>

#include "bench/core/errors.h"
#include "bench/core/netns.h"
#include "bench/core/sockopt.h"

namespace pb::paths {

namespace {

// A TCP socket that lives in `netns_fd` (a socket keeps the netns it was created in, so
// only the creation needs the switch).
core::UniqueFd tcp_socket_in(int netns_fd) {
  return core::in_netns_thread(netns_fd, [] {
    core::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) core::throw_errno("kernel-tcp: create TCP socket");
    return fd;
  });
}

sockaddr_in ipv4(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

void set_int_opt(int fd, int level, int opt, int value, const char* what) {
  core::set_sockopt(fd, level, opt, value, fmt::format("kernel-tcp: {}", what));
}

// Blocking send/recv that return EAGAIN every kTcpIoTimeoutMs, so no thread blocks forever.
void set_io_timeouts(int fd) {
  const timeval tv{0, kTcpIoTimeoutMs * 1000};
  core::set_sockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, "kernel-tcp: set SO_RCVTIMEO");
  core::set_sockopt(fd, SOL_SOCKET, SO_SNDTIMEO, tv, "kernel-tcp: set SO_SNDTIMEO");
}

void set_nonblocking(int fd, bool on) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) != 0)
    core::throw_errno("kernel-tcp: fcntl O_NONBLOCK");
}

void connect_timeout(int fd, const sockaddr_in& to, unsigned timeout_ms) {
  set_nonblocking(fd, true);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0) {
    if (errno != EINPROGRESS) core::throw_errno("kernel-tcp: connect to the DUT server");
    pollfd p{fd, POLLOUT, 0};
    int r;
    while ((r = ::poll(&p, 1, int(timeout_ms))) < 0 && errno == EINTR) {
    }
    if (r < 0) core::throw_errno("kernel-tcp: poll connect");
    if (r == 0) core::throw_errno(ETIMEDOUT, "kernel-tcp: connect to the DUT server");
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) core::throw_errno("kernel-tcp: SO_ERROR");
    if (err) core::throw_errno(err, "kernel-tcp: connect to the DUT server");
  }
  set_nonblocking(fd, false);
}

core::UniqueFd accept_timeout(int listen_fd, unsigned timeout_ms) {
  pollfd p{listen_fd, POLLIN, 0};
  int r;
  while ((r = ::poll(&p, 1, int(timeout_ms))) < 0 && errno == EINTR) {
  }
  if (r < 0) core::throw_errno("kernel-tcp: poll accept");
  if (r == 0) core::throw_errno(ETIMEDOUT, "kernel-tcp: accept on the DUT server");
  core::UniqueFd fd(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
  if (!fd) core::throw_errno("kernel-tcp: accept on the DUT server");
  return fd;
}

uint16_t local_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof(a);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) core::throw_errno("kernel-tcp: getsockname");
  return ntohs(a.sin_port);
}

// Binds and listens in the DUT netns before any client connects, then connects `flows`
// clients from the TG netns and accepts them all; every step has a timeout.
}  // namespace

TcpConnections open_tcp_connections(const core::Topology& topo, uint16_t port, unsigned flows, bool nodelay,
                                    unsigned timeout_ms) {
  core::UniqueFd listener = tcp_socket_in(topo.dut_netns());
  set_int_opt(listener.get(), SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
  sockaddr_in at = ipv4(topo.dut_ip().c_str(), port);
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&at), sizeof(at)) != 0)
    core::throw_errno(fmt::format("kernel-tcp: bind {}:{}", topo.dut_ip(), port));
  if (::listen(listener.get(), int(std::max(flows, 16u))) != 0) core::throw_errno("kernel-tcp: listen");

  TcpConnections c;
  for (unsigned i = 0; i < flows; ++i) {
    core::UniqueFd fd = tcp_socket_in(topo.tg_netns());
    if (nodelay) set_int_opt(fd.get(), IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
    connect_timeout(fd.get(), at, timeout_ms);
    set_io_timeouts(fd.get());
    c.client_ports.insert(local_port(fd.get()));
    c.clients.push_back(std::move(fd));
    // Accept as we go, so a backlog shorter than `flows` never stalls a connect.
    core::UniqueFd s = accept_timeout(listener.get(), timeout_ms);
    if (nodelay) set_int_opt(s.get(), IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
    set_io_timeouts(s.get());
    c.servers.push_back(std::move(s));
  }
  return c;
}



Io send_all(int fd, const char* p, size_t n, const std::function<bool()>& give_up) {
  while (n) {
    ssize_t r = ::send(fd, p, n, MSG_NOSIGNAL);
    if (r > 0) {
      p += r;
      n -= size_t(r);
    } else if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (give_up()) return Io::kGaveUp;
    } else if (r < 0 && (errno == EPIPE || errno == ECONNRESET)) {
      return Io::kEof;
    } else {
      core::throw_errno("kernel-tcp: send");
    }
  }
  return Io::kOk;
}

Io recv_all(int fd, char* p, size_t n, const std::function<bool()>& give_up) {
  while (n) {
    ssize_t r = ::recv(fd, p, n, 0);
    if (r > 0) {
      p += r;
      n -= size_t(r);
    } else if (r == 0 || (r < 0 && errno == ECONNRESET)) {
      return Io::kEof;
    } else if (errno == EAGAIN || errno == EINTR) {
      if (give_up()) return Io::kGaveUp;
    } else {
      core::throw_errno("kernel-tcp: recv");
    }
  }
  return Io::kOk;
}

}  // namespace pb::paths
