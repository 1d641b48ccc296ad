// `pathbench probe`: runs one diagnostic tool of the tool table (kernel_probes/tools) until
// Ctrl-C or --duration, or lists them. Text on stdout (--json: only JSON lines there),
// logs on stderr.
#pragma once

#include <CLI/CLI.hpp>

#include <atomic>
#include <string>

namespace pb::cli {

inline constexpr const char* kProbeCommandDoc =
    "run a diagnostic tool of the seed (skbdrop, tcplife, ...) or list them with --list";

// The probe command's flags as CLI11 fills them.
struct ProbeArgs {
  std::string tool, duration, interval, netns, pid, comm, lport, rport, hook_flavour;
  bool list = false, schema = false, json = false, log2 = false, help = false;
  CLI::App* app = nullptr;
};

// Adds probe's flags to its subcommand (a row of add_commands), filling `args`.
void add_probe_command(CLI::App& probe, ProbeArgs& args);
// Runs probe as parsed; prints its own errors (one JSON line on stdout with --json) and
// returns the exit code: 0 ok (also when a signal ended the tool), 2 bad input (flag,
// tool name, --netns), 3 runtime failure or a tool that does not work here, 4 missing
// privilege, 130 a second signal while finishing.
int cmd_probe(const ProbeArgs& args, std::atomic<bool>& stop);

}  // namespace pb::cli
