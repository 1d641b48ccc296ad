/* nettxlat-dev: nettxlat per device (the layouts are nettxlat.h's; nettxlat_dev.bpf.c is
 * nettxlat.bpf.c with the per-device maps). */
#ifndef PB_TOOLS_NETTXLAT_DEV_H
#define PB_TOOLS_NETTXLAT_DEV_H

#include "nettxlat.h"

#ifdef __cplusplus
namespace pb::probes::tools {
struct Tool;
// The nettxlat-dev row of the tool table.
const Tool& nettxlat_dev_tool();
}  // namespace pb::probes::tools
#endif

#endif
