// What XDP and AF_XDP can do on this host, found by trying on a throwaway veth pair inside a
// throwaway netns: native and generic attach, live-frames BPF_PROG_RUN, AF_XDP sockets.
#pragma once

#include <nlohmann/json.hpp>

namespace pb::xdp {

// {"xdp": {"native", "generic", "test_run_live_frames": {ok, errno, error}},
//  "af_xdp": {ok, errno, error}}. Creates and removes the netns "pbenv-<pid>".
nlohmann::json probe_xdp_features();

}  // namespace pb::xdp
