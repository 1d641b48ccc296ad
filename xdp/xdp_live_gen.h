/* xdp_live_gen: the `xdp-live` traffic generator. User space runs the XDP program with
 * BPF_PROG_RUN + BPF_F_TEST_XDP_LIVE_FRAMES (5.18+) on a frame template built by
 * bench/frame_builder; each run stamps the frame's pb_payload (flow, seq, tx_ns) and UDP
 * source port and returns XDP_TX, which live mode turns into a redirect out of the
 * ingress device (the TG veth) towards its peer (the DUT end).
 *
 * Sequence scheme (per flow, contiguous from 0, unique with several threads):
 *   - the run uses C CPUs cpus[0..C-1]; CPU cpus[i] owns flows { f : f % C == i };
 *   - pb_xlg_cpu (PERCPU_ARRAY, 1 entry) on CPU cpus[i] holds {first_flow = i, stride = C,
 *     cursor}: each frame takes flow = cursor, then cursor += C, wrapping to first_flow;
 *     CPUs outside the list are inactive (frames there are dropped and counted);
 *   - pb_xlg_flow (PERCPU_ARRAY, one entry per flow) holds next_seq on the owner CPU; a
 *     per-CPU array rather than a shared one keeps owners of neighbouring flows off each
 *     other's cache lines. Summed over CPUs, next_seq is the frames stamped for that flow
 *     (only the owner's slot is non-zero), and the last seq is next_seq - 1;
 *   - generator threads are pinned, several per CPU may share that CPU's state: BPF_PROG_RUN
 *     runs the program on the caller's CPU with migration and bottom halves disabled
 *     (xdp_test_run_batch), so two runs on one CPU never interleave inside the program.
 * Why several threads per CPU: every live-frames call ends in a page-pool teardown that
 * sleeps (~24 ms on Linux 6.18 here: an RCU grace period) without using the CPU; a second
 * thread on the CPU stamps frames meanwhile.
 * User space zeroes both maps before each run, so every run restarts at seq 0.
 * Shared between xdp_live_gen.bpf.c and its loader (xdp/live_generator.cpp). */
#ifndef PB_XDP_LIVE_GEN_H
#define PB_XDP_LIVE_GEN_H

#ifndef __BPF__
#include <linux/types.h>
#endif

/* Where the frame template keeps what the program writes (see bench/frame_builder.h). */
#define PB_XLG_SRC_PORT_OFF 34
#define PB_XLG_PAYLOAD_OFF 42
/* UDP source ports are 16 bits and start at the base (10000 by default). */
#define PB_XLG_MAX_FLOWS 65536

/* Per CPU. */
struct pb_xlg_cpu {
	__u32 active;      /* 1: a generator thread runs on this CPU */
	__u32 first_flow;  /* the owning thread's index: its first flow */
	__u32 stride;      /* number of threads */
	__u32 cursor;      /* flow of the next frame */
	__u64 stamped;     /* frames stamped and returned XDP_TX */
	__u64 rejected;    /* frames not sent: inactive CPU or frame shorter than the tag */
};

/* Per flow, per CPU (non-zero on the owner CPU only). */
struct pb_xlg_flow {
	__u64 next_seq;
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_xlg_cpu) == 32, "pb_xlg_cpu layout");
static_assert(sizeof(struct pb_xlg_flow) == 8, "pb_xlg_flow layout");
#endif

#endif
