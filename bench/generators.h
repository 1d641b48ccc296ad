// The traffic generators by name (DESIGN.md "Generator"), all sending the same tagged
// frames from the TG netns of a topology to the DUT.
#pragma once

#include <memory>
#include <string>

#include "bench/topology_veth.h"
#include "bench/traffic.h"

namespace pb::bench {

// Builds the named generator for one trial; throws core::UsageError for an unknown name.
std::unique_ptr<Generator> make_generator(const std::string& name, const VethTopology& topo,
                                          const core::TrialRequest& req);

}  // namespace pb::bench
