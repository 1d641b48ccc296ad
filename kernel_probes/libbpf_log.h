// Routes libbpf's own messages through the project logger (stderr), never stdout.
#pragma once

namespace pb::probes {

// Idempotent; call before opening any skeleton.
void route_libbpf_logs();

}  // namespace pb::probes
