// pathbench: the command line (DESIGN.md "Command line"). Exit codes: 0 ok,
// 1 regression (compare), 2 bad input, 3 runtime failure, 4 missing privilege,
// 130 interrupted (a second signal exits at once).
#include <CLI/CLI.hpp>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>

#include "bench/cli/commands.h"
#include "bench/core/errors.h"
#include "bench/core/log.h"

namespace {

std::atomic<bool> g_stop{false};

// The first signal asks the run to stop in order (finish the report, tear the topology
// down); a second one (not the same request delivered twice: core::on_repeat_signal) exits at
// once, leaving what remains to `pathbench cleanup`.
void on_signal(int) {
  pb::core::note_stop_signal();
  if (g_stop.exchange(true)) pb::core::on_repeat_signal();
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

bool has_subcommand(const CLI::App& app, const std::string& name) {
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (sub->check_name(name)) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pb;
  install_signal_handlers();
  cli::Options opts;
  CLI::App app{"pathbench: packet-path benchmarks and diagnostics for the kernel stack, XDP/AF_XDP and DPDK"};
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 ok; 1 regression (compare); 2 bad input (flag, value, suite or report file);\n"
      "3 runtime failure; 4 missing privilege; 5 unsupported on this kernel (probe); 130 interrupted.");
  app.add_flag("-v,--verbose", opts.verbose, "debug logs on stderr");
  cli::add_commands(app, opts);
  // CLI11 would only say "a subcommand is required" for a mistyped command.
  if (argc > 1 && argv[1][0] != '-' && !has_subcommand(app, argv[1]))
    return cli::report_error(opts, core::kExitUsage, std::string("unknown command '") + argv[1] + "' (see --help)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return cli::report_error(opts, core::kExitUsage, e.what());
  }
  if (opts.verbose) core::set_log_level(core::LogLevel::kDebug);
  return cli::dispatch(app, opts, g_stop);
}
