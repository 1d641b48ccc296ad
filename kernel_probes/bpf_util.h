// The libbpf plumbing every BPF user of the project shares (probe families, feature checks,
// xdp/): libbpf's messages through the project logger, and the smallest loadable program.
#pragma once

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include <cstdarg>
#include <string>
#include <string_view>

#include "bench/core/unique_fd.h"

namespace pb::probes {

// Routes libbpf's own messages through the project logger (stderr, debug level: libbpf
// warns about every optional feature it probes), never stdout. Idempotent; call before
// opening any skeleton.
void route_libbpf_logs();

// A printf-style message as one line without its trailing newline (libbpf and libxdp
// print callbacks hand their messages over this way).
std::string format_print(const char* fmt, va_list args);

// The running kernel's BTF (/sys/kernel/btf/vmlinux), loaded once per process; nullptr
// without it (errno from the load kept in *err when given).
const btf* vmlinux_btf(int* err = nullptr);
// Whether the kernel's BTF has the type `name` of `kind` (false without BTF).
bool vmlinux_has(std::string_view name, int kind);

// `r0 = ret; exit`: the smallest program every program type accepts, loaded; throws
// core::FeatureFailure("load: ...") with the kernel's errno when it refuses.
core::UniqueFd load_trivial_program(bpf_prog_type type, int ret, bpf_attach_type attach_type = {},
                                    __u32 attach_btf_id = 0);

}  // namespace pb::probes
