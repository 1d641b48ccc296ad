// SPDX-License-Identifier: GPL-2.0
/* nettxlat-dev: nettxlat.bpf.c with per-device histograms and counts. */
#define PB_NETTXLAT_PER_DEV 1
#include "nettxlat.bpf.c"
