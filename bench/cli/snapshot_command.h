// `pathbench snapshot [--netns NS] [--json]` and `pathbench snapshot --diff A.json B.json`:
// the classical tools' data (ss, ip -s link, nstat, netstat -i, sar -n, ethtool, softnet,
// softirqs, interrupts, queue knobs, sysctls) read from the kernel interfaces they use.
#pragma once

#include <CLI/CLI.hpp>

#include <atomic>

#include "bench/cli/commands.h"

namespace pb::cli {

inline constexpr const char* kSnapshotCommandDoc =
    "the classical tools' data (ss, ip -s link, nstat, sar -n, ethtool, softnet) now, or --diff of two";

// The snapshot command's flags on its subcommand (a row of the command table).
void snapshot_flags(CLI::App& c, Options& o);
// Prints a snapshot (text, or one JSON document with --json) or the diff of two snapshot
// files; returns 0. Throws core::UsageError for a bad --netns or a missing, malformed or
// wrong-kind --diff file (exit 2), std::system_error when a counter source cannot be read.
int cmd_snapshot(const Options& o, std::atomic<bool>& stop);

}  // namespace pb::cli
