// The composition tables: every path and every generator pathbench knows, with what each
// needs and how to build it. A new path is a Receiver (or Path) file plus one row here.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "bench/core/path.h"
#include "bench/core/probe_session.h"
#include "bench/core/topology.h"
#include "bench/suite/scenario.h"
#include "bench/traffic/generators.h"

namespace pb::cli {

// What a path factory builds from.
struct PathContext {
  const suite::ScenarioSpec& spec;
  const core::Topology& topo;
  const traffic::GeneratorKind& generator;
  const core::ProbeSessionFactory& probes;
};

struct PathRow {
  std::string_view name;               // the suite's `path` value
  std::string_view doc;                // one line for --help and the README
  std::string_view default_generator;  // what `generator: auto` means for it
  std::span<const std::string_view> own_keys;  // suite keys only this path reads
  bool redirect_pair = false;          // the topology needs the DUT's second veth pair
  // The veth queues the topology gets (null: the scenario's `queues`).
  unsigned (*queues)(const suite::ScenarioSpec&) = nullptr;
  // Builds the path on a ready topology; throws core::PathUnavailable when this build or host
  // cannot run it (the scenario is then skipped with the reason).
  std::unique_ptr<core::Path> (*make)(const PathContext&) = nullptr;
};

// The row named `name`; throws core::UsageError naming the known paths.
const PathRow& find_path(std::string_view name);

// What a suite may name: the paths with their own keys, and the generators.
suite::Catalog catalog();

// "name: doc" of every path, one per line, for --help.
std::string path_help();

// Every generator this build has (udp-socket, afpacket, and xdp-live with XDP support).
std::span<const traffic::GeneratorKind* const> generator_table();
// The kind named `name`, nullptr when this build has none of that name.
const traffic::GeneratorKind* generator_named(std::string_view name);
// The kind named `name`; throws core::UsageError naming the known ones.
const traffic::GeneratorKind& find_generator(std::string_view name);

}  // namespace pb::cli
