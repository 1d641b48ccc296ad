// What a tool's check() asks of the running kernel, answered from its BTF and tracefs
// without loading anything (so `probe --list` needs no privilege). Each "missing_*"
// returns "" when the thing is there, else a reason for the user.
#pragma once

#include <string>
#include <string_view>

namespace pb::probes::tools {

// "" with kernel BTF (/sys/kernel/btf/vmlinux), else why its CO-RE reads cannot work.
std::string missing_btf();
// "" when tracepoint category:event exists (BTF btf_trace_<event>, else tracefs), else why not.
std::string missing_tracepoint(std::string_view category, std::string_view event);
// The arguments of a tracepoint's TP_PROTO from BTF; -1 when unknown.
int tracepoint_arity(std::string_view event);
// "" when struct `type` has member `member` in the kernel's BTF, else why not.
std::string missing_member(std::string_view type, std::string_view member);
// Whether the kernel's BTF has enum `name`.
bool has_enum(std::string_view name);

}  // namespace pb::probes::tools
