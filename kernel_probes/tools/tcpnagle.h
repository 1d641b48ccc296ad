/* tcpnagle (approximation): the Nagle state (tcp_sock.nonagle: TCP_NAGLE_OFF 1,
 * TCP_NAGLE_CORK 2, TCP_NAGLE_PUSH 4) counted per sendmsg at tcp:tcp_sendmsg_locked, not
 * per tcp_write_xmit call as the book's kprobe (that function has no tracepoint).
 * Shared between tcpnagle.bpf.c and tcpnagle.cpp. */
#ifndef PB_TOOLS_TCPNAGLE_H
#define PB_TOOLS_TCPNAGLE_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#define PB_TCPNAGLE_FLAGS 16 /* nonagle is a 4-bit field: one counter per value */

#ifdef __cplusplus
namespace pb::probes::tools {
struct Tool;
// The tcpnagle row of the tool table.
const Tool& tcpnagle_tool();
}  // namespace pb::probes::tools
#endif

#endif
