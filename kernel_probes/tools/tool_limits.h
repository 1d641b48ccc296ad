/* Sizes the BPF side of every tool (tool.bpf.h) and its loader (tool.h) share. */
#ifndef PB_TOOL_LIMITS_H
#define PB_TOOL_LIMITS_H

#define PB_TOOL_COMM_LEN 16          /* TASK_COMM_LEN */
#define PB_TOOL_MAX_PORTS 8          /* --lport / --rport values */
#define PB_TOOL_RING_BYTES (1 << 20) /* the event ring; a power of two, page aligned */

#endif
