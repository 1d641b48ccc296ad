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

// Adds probe's own flags to its subcommand (a row of add_commands), filling `args`; the
// command table adds --json, whose errors are JSON lines too (cli::report_error).
void add_probe_command(CLI::App& probe, ProbeArgs& args);
// Runs probe as parsed (`args.json`: the --json flag); returns 0 (also when a signal ended
// the tool). Throws core::UsageError for bad input (flag, tool name, --netns) and
// std::system_error for a runtime failure, a tool that does not work here or a missing
// privilege (EPERM), as every command does; a second signal while finishing exits 130.
int cmd_probe(const ProbeArgs& args, std::atomic<bool>& stop);

}  // namespace pb::cli
