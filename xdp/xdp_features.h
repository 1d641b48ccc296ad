// What XDP and AF_XDP can do on this host, found by trying on a throwaway veth pair inside a
// throwaway netns: native and generic attach, live-frames BPF_PROG_RUN, AF_XDP sockets.
#pragma once

#include "reports/model/capabilities.h"

namespace pb::xdp {

struct XdpHostFeatures {
  reports::XdpFeatures xdp;
  reports::Feature af_xdp;
};
// Native and generic attach and live frames on a throwaway veth pair, and an AF_XDP socket.
// Creates and removes the netns "pbenv-<pid>".
XdpHostFeatures probe_xdp_features();

}  // namespace pb::xdp
