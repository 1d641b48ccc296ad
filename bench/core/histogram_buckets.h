/* The log-linear latency bucket scheme, shared by BPF programs and C++ (plain C).
 *
 * v < 256 maps to bucket v exactly. For larger v, shift = msb(v) - 7 so that
 * v >> shift lies in [128, 256), and the bucket is 128 * shift + (v >> shift):
 * 128 buckets per power of two, relative width below 1/128. Shifts above
 * PB_HIST_MAX_SHIFT (values >= 2^41 ns, ~36 minutes) clamp into the last bucket.
 * Everything here is loop-free so the BPF verifier accepts it without unrolling. */
#ifndef PB_CORE_HISTOGRAM_BUCKETS_H
#define PB_CORE_HISTOGRAM_BUCKETS_H

#if defined(__BPF__) || defined(__bpf__)
/* __u32/__u64 come from vmlinux.h (or the program's own typedefs). */
#else
#include <linux/types.h>
#endif

#define PB_HIST_LINEAR_MAX 256u /* values below this have a bucket of their own */
#define PB_HIST_SUB_BUCKETS 128u /* buckets per power of two above PB_HIST_LINEAR_MAX */
#define PB_HIST_MAX_SHIFT 33u
#define PB_HIST_NBUCKETS (PB_HIST_SUB_BUCKETS * PB_HIST_MAX_SHIFT + PB_HIST_LINEAR_MAX) /* 4480 */

/* A private spelling of always_inline: defining __always_inline here would clash
 * with glibc's <sys/cdefs.h> or bpf_helpers.h included after this header. */
#define PB_HIST_INLINE static inline __attribute__((always_inline))

/* Index of the highest set bit of v (v != 0), by binary search as bcc's log2l does. */
PB_HIST_INLINE __u32 pb_hist_msb(__u64 v) {
  __u32 r, s;
  r = (__u32)(v > 0xFFFFFFFFULL) << 5;
  v >>= r;
  s = (__u32)(v > 0xFFFFULL) << 4;
  v >>= s;
  r |= s;
  s = (__u32)(v > 0xFFULL) << 3;
  v >>= s;
  r |= s;
  s = (__u32)(v > 0xFULL) << 2;
  v >>= s;
  r |= s;
  s = (__u32)(v > 0x3ULL) << 1;
  v >>= s;
  r |= s;
  r |= (__u32)(v >> 1);
  return r;
}

/* The bucket index of value v, in [0, PB_HIST_NBUCKETS). */
PB_HIST_INLINE __u32 pb_hist_bucket(__u64 v) {
  __u32 shift;
  if (v < PB_HIST_LINEAR_MAX) return (__u32)v;
  shift = pb_hist_msb(v) - 7;
  if (shift > PB_HIST_MAX_SHIFT) return PB_HIST_NBUCKETS - 1;
  return PB_HIST_SUB_BUCKETS * shift + (__u32)(v >> shift);
}

/* The smallest value that maps to bucket idx; idx beyond the range means the last bucket. */
PB_HIST_INLINE __u64 pb_hist_bucket_lower(__u32 idx) {
  __u32 shift;
  if (idx < PB_HIST_LINEAR_MAX) return idx;
  if (idx >= PB_HIST_NBUCKETS) idx = PB_HIST_NBUCKETS - 1;
  shift = idx / PB_HIST_SUB_BUCKETS - 1;
  return (__u64)(idx - PB_HIST_SUB_BUCKETS * shift) << shift;
}

/* The largest value that maps to bucket idx (inclusive); the last bucket also takes
 * every clamped value, so its upper bound is the largest __u64. */
PB_HIST_INLINE __u64 pb_hist_bucket_upper(__u32 idx) {
  __u32 shift;
  if (idx < PB_HIST_LINEAR_MAX) return idx;
  if (idx >= PB_HIST_NBUCKETS - 1) return ~(__u64)0;
  shift = idx / PB_HIST_SUB_BUCKETS - 1;
  return ((__u64)(idx - PB_HIST_SUB_BUCKETS * shift + 1) << shift) - 1;
}

#endif
