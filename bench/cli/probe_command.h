// `pathbench probe`: runs one diagnostic tool of the tool table (kernel_probes/tools) until
// Ctrl-C or --duration, or lists them. Text on stdout (--json: only JSON lines there),
// logs on stderr.
#pragma once

#include <CLI/CLI.hpp>

#include <atomic>

namespace pb::cli {

inline constexpr const char* kProbeCommandDoc =
    "run a diagnostic tool of the seed (skbdrop, tcplife, ...) or list them with --list";

// Adds probe's flags to its subcommand (registered by add_commands).
void add_probe_command(CLI::App& probe);
// Runs probe as parsed; prints its own errors (one JSON line on stdout with --json) and
// returns the exit code: 0 ok (also when a signal ended the tool), 2 bad input (flag,
// tool name, --netns), 3 runtime failure or a tool that does not work here, 4 missing
// privilege, 130 a second signal while finishing.
int cmd_probe(std::atomic<bool>& stop);

}  // namespace pb::cli
