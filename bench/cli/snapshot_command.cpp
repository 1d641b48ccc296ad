#include "bench/cli/snapshot_command.h"

#include <fmt/format.h>

#include <iostream>

#include "bench/core/errors.h"
#include "bench/core/files.h"
#include "bench/core/netns.h"
#include "bench/host/snapshot.h"
#include "reports/json.h"
#include "reports/snapshot.h"

namespace pb::cli {

using core::UsageError;

namespace {

reports::CounterSnapshot load_snapshot(const std::string& path) {
  std::string text;
  try {
    text = core::read_file(path);
  } catch (const std::system_error& e) {
    throw UsageError(fmt::format("--diff: snapshot {}: cannot read: {}", path, e.code().message()));
  }
  return reports::snapshot_from_json(text, "--diff: snapshot " + path);
}

}  // namespace

void snapshot_flags(CLI::App& c, Options& o) {
  c.add_option("--netns", o.netns, "read inside this named netns (under /run/netns) or netns path");
  c.add_option("--diff", o.snapshot_diff,
               "A.json B.json: what changed from snapshot A to B (saved with --json), as nstat and sar -n show it")
      ->expected(2);
  c.add_flag("--json", o.json, "one JSON document on stdout");
}

int cmd_snapshot(const Options& o, std::atomic<bool>&) {
  if (!o.snapshot_diff.empty()) {
    if (!o.netns.empty()) throw UsageError("--netns: not with --diff (the snapshots say where they were taken)");
    if (o.snapshot_diff.size() != 2) throw UsageError("--diff: expected two snapshot files, A.json B.json");
    reports::CounterSnapshot a = load_snapshot(o.snapshot_diff[0]);
    reports::CounterSnapshot b = load_snapshot(o.snapshot_diff[1]);
    reports::SnapshotDiff d = reports::diff_snapshots(a, b, o.snapshot_diff[0], o.snapshot_diff[1]);
    if (o.json) std::cout << reports::to_json_text(d) << std::endl;
    else std::cout << reports::render_diff_text(d) << std::flush;
    return core::kExitOk;
  }
  core::UniqueFd fd;
  if (!o.netns.empty()) {
    try {
      fd = core::open_netns(o.netns);
    } catch (const std::system_error& e) {
      throw UsageError(fmt::format("--netns: {}", e.what()));
    }
  }
  reports::CounterSnapshot snap = host::take_full_snapshot(fd ? fd.get() : -1, o.netns);
  if (o.json) std::cout << reports::to_json_text(snap) << std::endl;
  else std::cout << reports::render_snapshot_text(snap) << std::flush;
  return core::kExitOk;
}

}  // namespace pb::cli
