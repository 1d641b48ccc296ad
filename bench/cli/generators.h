// The traffic generators by name (DESIGN.md "Generator"), all sending the same tagged
// frames from a TG interface to the DUT.
#pragma once

#include <memory>
#include <string>

#include "bench/traffic.h"

namespace pb::cli {

// Builds the named generator for one trial; throws core::UsageError for an unknown name
// or one this build lacks.
std::unique_ptr<bench::Generator> make_generator(const std::string& name, const bench::TrafficEndpoints& ep,
                                                 const core::TrialRequest& req);

}  // namespace pb::cli
