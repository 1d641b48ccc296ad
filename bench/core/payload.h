/* The payload tag every pathbench generator writes at the start of the L4 payload.
 * Shared by C++ and BPF (plain C, fixed-width fields, no padding holes). */
#ifndef PB_CORE_PAYLOAD_H
#define PB_CORE_PAYLOAD_H

#ifdef __BPF__
#else
#include <linux/types.h>
#endif

#define PB_PAYLOAD_MAGIC 0x50424e43u /* "PBNC" */

struct pb_payload {
  __u32 magic;  /* PB_PAYLOAD_MAGIC */
  __u32 flow;   /* flow index, 0..flows-1 */
  __u64 seq;    /* per-flow sequence number, starts at 0 */
  __u64 tx_ns;  /* CLOCK_MONOTONIC at transmit */
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_payload) == 24, "pb_payload layout is part of the wire format");
#endif

#endif
