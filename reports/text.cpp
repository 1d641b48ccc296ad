#include "reports/text.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <string_view>
#include <vector>

namespace pb::reports {
namespace {

struct Unit {
  double scale;
  const char* prefix;
  int decimals;
};

// Picks the largest unit not above `v`, moving one unit up when rounding would print
// 1000 or more ("999.96 kpps" must read "1.00 Mpps", not "1000.0 kpps").
std::string scaled(double v, const Unit* units, size_t n, std::string_view suffix) {
  if (!std::isfinite(v)) return "n/a";
  const char* sign = v < 0 ? "-" : "";
  double a = std::fabs(v);
  size_t i = 0;  // units are in ascending order of scale
  while (i + 1 < n && a >= units[i + 1].scale) ++i;
  double shown = a / units[i].scale;
  double p = std::pow(10.0, units[i].decimals);
  if (i + 1 < n && std::round(shown * p) / p >= 1000.0) {
    ++i;
    shown = a / units[i].scale;
  }
  return fmt::format("{}{:.{}f} {}{}", sign, shown, units[i].decimals, units[i].prefix, suffix);
}

}  // namespace

std::string context_line(const Context& c) {
  std::string line = fmt::format("{} {} ({}), started {}, {:.1f} s, kernel {}, {} CPUs", c.tool.name, c.tool.version,
                                 c.tool.git, c.started_at, c.duration_s, c.kernel.release, c.host.cpus);
  if (!c.host.cpu_model.empty()) line += " (" + c.host.cpu_model + ")";
  return line;
}

namespace {

// "yes", or "no" and why.
std::string yes_no(const Feature& f) {
  if (f.ok) return "yes";
  return f.error && !f.error->empty() ? "no   " + *f.error : "no";
}

template <typename T, typename Fn>
std::string probed(const Probed<T>& p, Fn fn) {
  if (const auto* f = std::get_if<Feature>(&p)) return yes_no(*f);
  return fn(std::get<T>(p));
}

std::string or_q(const Nullable<std::string>& s) { return s ? *s : "?"; }
std::string or_q(const Nullable<uint64_t>& v) { return v ? std::to_string(*v) : "?"; }

}  // namespace

std::string human_rate(double per_s, std::string_view unit) {
  static constexpr Unit kUnits[] = {{1.0, "", 0}, {1e3, "k", 1}, {1e6, "M", 2}, {1e9, "G", 2}};
  return scaled(per_s, kUnits, std::size(kUnits), unit);
}

std::string human_pps(double pps) { return human_rate(pps, "pps"); }

std::string human_ns(double ns) {
  static constexpr Unit kUnits[] = {{1.0, "n", 0}, {1e3, "µ", 1}, {1e6, "m", 2}, {1e9, "", 2}};
  return scaled(ns, kUnits, std::size(kUnits), "s");
}

size_t display_width(std::string_view s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;
  return w;
}

std::string grouped(int64_t v) {
  std::string digits = fmt::format("{}", v < 0 ? -static_cast<uint64_t>(v) : static_cast<uint64_t>(v));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string count_cell(uint64_t v) {
  if (v > static_cast<uint64_t>(INT64_MAX)) return fmt::format("{}", v);
  return grouped(static_cast<int64_t>(v));
}

std::string loss_cell(double ratio) { return fmt::format("{:.3f}%", ratio * 100.0); }

std::string metric_value_text(std::string_view unit, double v) {
  if (unit == "pps") return human_pps(v);
  // Below 100 ns (BPF cost per packet) human_ns's whole nanoseconds would hide the figure.
  if (unit == "ns") return std::isfinite(v) && std::fabs(v) < 100 && v != std::round(v) ? fmt::format("{:.3g} ns", v) : human_ns(v);
  if (unit == "ratio") return loss_cell(v);
  return fmt::format("{:.4g}", v);
}

std::vector<DropRow> drops_by_reason(const Drops& drops) {
  std::vector<DropRow> out;
  for (const DropRow& r : drops.by_reason) {
    auto it = std::find_if(out.begin(), out.end(), [&](const DropRow& o) { return o.reason == r.reason; });
    if (it == out.end()) {
      out.push_back(r);
    } else {
      it->count += r.count;
      if (it->where != r.where) it->where = "(several)";
      if (it->side != r.side) it->side = "(both)";
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const DropRow& a, const DropRow& b) { return a.count > b.count; });
  return out;
}

std::string top_drop_text(const Scenario& s) {
  if (!s.drops) return "-";
  std::vector<DropRow> rows = drops_by_reason(*s.drops);
  if (rows.empty() || rows.front().count == 0) return "none";
  if (s.drops->ledger.sent == 0) return rows.front().reason;
  return fmt::format("{} ({})", rows.front().reason, loss_cell(double(rows.front().count) / double(s.drops->ledger.sent)));
}

std::string text_table(const std::vector<std::string>& header, const std::vector<TextRow>& rows,
                       size_t left_columns) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = display_width(header[i]);
  for (const TextRow& r : rows) {
    if (r.cells.size() > width.size()) width.resize(r.cells.size());
    for (size_t i = 0; i < r.cells.size(); ++i) width[i] = std::max(width[i], display_width(r.cells[i]));
  }

  auto append_row = [&](std::string& out, const std::vector<std::string>& cells, const std::string& trailing) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      std::string pad(width[i] - display_width(cells[i]), ' ');
      if (i > 0) line += "  ";
      line += i < left_columns ? cells[i] + pad : pad + cells[i];
    }
    if (!trailing.empty()) line += "  " + trailing;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };

  std::string out;
  append_row(out, header, {});
  for (const TextRow& r : rows) append_row(out, r.cells, r.trailing);
  return out;
}

namespace {
// The --capture and --tools lines of one scenario, under the table:
// "NAME capture: 50 packets at dut-ingress pb-dut0 -> FILE", "NAME tools: tcplife 4 events".
std::string diagnostics_lines(const Scenario& s) {
  std::string out;
  if (const Capture* c = s.capture ? &*s.capture : nullptr) {
    out += fmt::format("{} capture: {} packets at {} {}", s.name, c->packets, c->where, c->interface);
    if (c->file) out += " -> " + *c->file;
    if (c->dropped) out += fmt::format(" ({} dropped by the capture)", c->dropped);
    if (c->error) out += " (" + *c->error + ")";
    out += '\n';
  }
  if (s.tools && !s.tools->empty()) {
    std::vector<std::string> parts;
    for (const auto& [name, t] : *s.tools) {
      std::string part = fmt::format("{} {} events", name, t.events_seen);
      if (t.events_cut) part += fmt::format(" ({} not kept)", t.events_cut);
      if (t.lost) part += fmt::format(", {} lost", t.lost);
      if (t.status != kToolOk) part = fmt::format("{} {}: {}", name, t.status, t.reason.value_or("?"));
      parts.push_back(std::move(part));
    }
    out += fmt::format("{} tools: {}\n", s.name, fmt::join(parts, "; "));
  }
  return out;
}
}  // namespace

std::string render_summary(const Report& report) {
  std::vector<std::string> header = {
      "scenario", "path", "status", "sent", "delivered", "loss", "rx rate", "p50", "p99", "unaccounted"};
  constexpr size_t kTextColumns = 3;  // name, path, status: left-aligned; the rest right-aligned
  // NDR and PDR columns when a scenario was searched.
  bool searched = false;
  for (const Scenario& s : report.scenarios) searched = searched || (s.throughput && s.throughput->search);
  if (searched) header.insert(header.end(), {"NDR", "PDR"});
  auto rate_or_dash = [](const Nullable<double>& v) { return v ? human_pps(*v) : std::string("-"); };

  std::vector<TextRow> rows;
  for (const Scenario& s : report.scenarios) {
    TextRow row;
    row.cells = {s.name, s.path, s.status};
    if (s.status != kStatusOk) {
      row.trailing = s.reason ? *s.reason : "-";
      rows.push_back(std::move(row));
      continue;
    }
    const Throughput* tp = s.throughput ? &*s.throughput : nullptr;
    row.cells.push_back(tp ? count_cell(tp->sent) : "-");
    row.cells.push_back(tp ? count_cell(tp->delivered) : "-");
    row.cells.push_back(tp ? loss_cell(tp->loss_ratio) : "-");
    row.cells.push_back(tp ? human_pps(tp->rx_pps) : "-");
    row.cells.push_back(s.latency ? human_ns(double(s.latency->p50)) : "-");
    row.cells.push_back(s.latency ? human_ns(double(s.latency->p99)) : "-");
    row.cells.push_back(s.drops ? grouped(s.drops->ledger.unaccounted) : "-");
    if (searched) {
      row.cells.push_back(tp ? rate_or_dash(tp->ndr_pps) : "-");
      row.cells.push_back(tp ? rate_or_dash(tp->pdr_pps) : "-");
    }
    rows.push_back(std::move(row));
  }

  std::string out = context_line(report.context) + "\n";
  out += text_table(header, rows, kTextColumns);
  if (rows.empty()) out += "(no scenarios)\n";
  for (const Scenario& s : report.scenarios) out += diagnostics_lines(s);
  return out;
}

std::string render_capabilities(const Capabilities& c) {
  std::string out;
  auto row = [&](const std::string& key, const std::string& value) { out += fmt::format("{:<22}{}\n", key, value); };
  row("kernel", probed(c.kernel, [](const KernelFacts& k) {
        return fmt::format("{} (BTF: {})", k.release, k.btf ? "yes" : "no");
      }));
  for (const auto& [name, m] : {std::pair{"tracefs", &c.tracefs}, std::pair{"bpffs", &c.bpffs}})
    row(name, m->ok && m->path ? *m->path : yes_no(Feature{m->ok, m->errno_name, m->error}));
  const std::pair<const char*, const Feature*> attach[] = {{"tracepoint", &c.attach.tracepoint},
                                                          {"raw_tp", &c.attach.raw_tp},
                                                          {"tp_btf", &c.attach.tp_btf},
                                                          {"kprobe", &c.attach.kprobe},
                                                          {"fentry", &c.attach.fentry}};
  for (const auto& [name, f] : attach) row(std::string("attach ") + name, yes_no(*f));
  row("xdp native", yes_no(c.xdp.native));
  row("xdp generic", yes_no(c.xdp.generic));
  row("xdp live frames", yes_no(c.xdp.test_run_live_frames));
  row("af_xdp", yes_no(c.af_xdp));
  row("dpdk", c.dpdk.built ? fmt::format("built with {}", or_q(c.dpdk.version)) : "not built in");
  row("dpdk pmds", c.dpdk.pmds.empty() ? "none found" : fmt::format("{}", fmt::join(c.dpdk.pmds, " ")));
  row("hugepages", probed(c.hugepages, [](const Hugepages& h) {
        return fmt::format("{} free of {} ({} kB pages)", or_q(h.free), or_q(h.total), or_q(h.size_kb));
      }));
  row("cpus", probed(c.cpus, [](const Cpus& p) { return fmt::format("{} online, {}", p.online, or_q(p.model)); }));
  row("memory", c.memory_bytes ? fmt::format("{:.1f} GiB", double(*c.memory_bytes) / double(1ull << 30)) : "?");
  if (const auto* nics = std::get_if<std::vector<Nic>>(&c.nics)) {
    for (const Nic& n : *nics)
      row("nic " + n.name, fmt::format("{}, {}, {} rx / {} tx queues", n.driver ? *n.driver : "virtual",
                                       or_q(n.operstate), n.rx_queues, n.tx_queues));
  } else {
    row("nics", yes_no(std::get<Feature>(c.nics)));
  }
  return out;
}

}  // namespace pb::reports
