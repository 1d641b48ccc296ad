#include "reports/svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace pb::reports::svg {
namespace {

constexpr double kLeft = 72, kRight = 24, kTop = 34, kBottom = 52;

struct Scale {
  double lo = 0, hi = 1;
  bool log = false;
  double px0 = 0, px1 = 1;  // lo maps to px0, hi to px1
  double map(double v) const {
    double t = log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) : (v - lo) / (hi - lo);
    return px0 + t * (px1 - px0);
  }
};

std::string num(double v) { return fmt::format("{:.1f}", v); }

std::string default_format(double v) { return fmt::format("{:.4g}", v); }

std::string label_of(const Axis& a) { return a.unit.empty() ? a.label : fmt::format("{} ({})", a.label, a.unit); }

double nice_step(double span, int target) {
  double raw = span / target;
  if (!(raw > 0) || !std::isfinite(raw)) return 1;
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double norm = raw / mag;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

// The scale's range from the data: decades on a log axis, nice multiples on a linear one
// (from 0 when `from_zero`, as bars and counts want).
Scale make_scale(const Axis& a, double lo, double hi, bool from_zero, double px0, double px1) {
  Scale s;
  s.log = a.log;
  s.px0 = px0;
  s.px1 = px1;
  if (a.log) {
    if (!(lo > 0)) lo = hi > 0 ? hi / 10 : 1;
    if (!(hi > 0)) hi = lo * 10;
    s.lo = a.min && *a.min > 0 ? *a.min : std::pow(10.0, std::floor(std::log10(lo)));
    s.hi = a.max && *a.max > 0 ? *a.max : std::pow(10.0, std::ceil(std::log10(hi)));
    if (s.hi <= s.lo) s.hi = s.lo * 10;
    return s;
  }
  if (from_zero) lo = std::min(lo, 0.0);
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (hi <= lo) hi = lo + (lo == 0 ? 1 : std::fabs(lo) * 0.1);
  double step = nice_step(hi - lo, 5);
  s.lo = a.min ? *a.min : std::floor(lo / step) * step;
  s.hi = a.max ? *a.max : std::ceil(hi / step) * step;
  if (s.hi <= s.lo) s.hi = s.lo + step;
  return s;
}

std::vector<double> ticks(const Scale& s) {
  std::vector<double> out;
  if (s.log) {
    int d0 = int(std::floor(std::log10(s.lo) + 1e-9)), d1 = int(std::ceil(std::log10(s.hi) - 1e-9));
    bool minor = d1 - d0 <= 2;
    for (int d = d0; d <= d1; ++d)
      for (double m : minor ? std::vector<double>{1, 2, 5} : std::vector<double>{1}) {
        double v = m * std::pow(10.0, d);
        if (v >= s.lo * (1 - 1e-9) && v <= s.hi * (1 + 1e-9)) out.push_back(v);
      }
    return out;
  }
  double step = nice_step(s.hi - s.lo, 5);
  for (double v = std::ceil(s.lo / step - 1e-9) * step; v <= s.hi + step * 1e-9; v += step)
    out.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
  return out;
}

// The <svg> element's opening with its title.
std::string open_svg(int w, int h, const std::string& title) {
  return fmt::format(
      "<svg class=\"plot\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" role=\"img\" "
      "font-family=\"sans-serif\" font-size=\"11\"><title>{2}</title>\n"
      "<rect x=\"0\" y=\"0\" width=\"{0}\" height=\"{1}\" fill=\"#ffffff\"/>\n",
      w, h, escape(title));
}

std::string text(double x, double y, const std::string& s, const char* anchor = "middle", const std::string& extra = "") {
  return fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"{}\"{}>{}</text>\n", num(x), num(y), anchor,
                     extra.empty() ? "" : " " + extra, escape(s));
}

// Ticks, grid lines and labels of the x axis (bottom) or y axis (left) of the plot area.
std::string x_axis(const Scale& s, const Axis& a, double y0, double y1) {
  Format f = a.format ? a.format : Format(default_format);
  std::string out;
  for (double v : ticks(s)) {
    double x = s.map(v);
    out += fmt::format("<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#e4e4e4\"/>\n", num(x), num(y1), num(y0));
    out += text(x, y0 + 14, f(v));
  }
  out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>\n", num(s.px0), num(y0), num(s.px1), num(y0));
  out += text((s.px0 + s.px1) / 2, y0 + 34, label_of(a), "middle", "class=\"axis-label\" font-size=\"12\"");
  return out;
}

std::string y_axis(const Scale& s, const Axis& a, double x0, double x1) {
  Format f = a.format ? a.format : Format(default_format);
  std::string out;
  for (double v : ticks(s)) {
    double y = s.map(v);
    out += fmt::format("<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#e4e4e4\"/>\n", num(x0), num(y), num(x1));
    out += text(x0 - 5, y + 4, f(v), "end");
  }
  out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/>\n", num(x0), num(s.px0), num(s.px1));
  double cy = (s.px0 + s.px1) / 2;
  out += text(14, cy, label_of(a), "middle",
              fmt::format("class=\"axis-label\" font-size=\"12\" transform=\"rotate(-90 14 {})\"", num(cy)));
  return out;
}

struct LegendItem {
  std::string name, colour;
};
// One row of swatches above the plot area.
std::string legend(const std::vector<LegendItem>& items, double x0) {
  std::string out = "<g class=\"legend\">\n";
  double x = x0;
  for (const LegendItem& it : items) {
    if (it.name.empty()) continue;
    out += fmt::format("<rect x=\"{}\" y=\"10\" width=\"12\" height=\"12\" fill=\"{}\"/>\n", num(x), escape(it.colour));
    out += text(x + 16, 20, it.name, "start");
    x += 30 + 7.0 * double(it.name.size());
  }
  return out + "</g>\n";
}

}  // namespace

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        // XML 1.0 cannot carry control characters other than tab, newline and CR.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') continue;
        out += c;
    }
  }
  return out;
}

std::string colour(size_t index) {
  static const char* const kPalette[] = {"#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7",
                                         "#56b4e9", "#f0e442", "#000000", "#999999"};
  return kPalette[index % std::size(kPalette)];
}

std::string line_chart(const LineChart& c) {
  double x0 = kLeft, x1 = c.width - kRight, y0 = c.height - kBottom, y1 = kTop;
  bool any = false;
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (const Series& s : c.series)
    for (const Point& p : s.points) {
      if (!p.y || (c.x.log && p.x <= 0) || (c.y.log && *p.y <= 0)) continue;
      any = true;
      xlo = std::min(xlo, p.x), xhi = std::max(xhi, p.x);
      ylo = std::min(ylo, *p.y), yhi = std::max(yhi, *p.y);
    }
  for (const Rule& r : c.rules) {
    if (r.vertical) xlo = std::min(xlo, r.value), xhi = std::max(xhi, r.value);
    else ylo = std::min(ylo, r.value), yhi = std::max(yhi, r.value);
  }
  if (!any && c.rules.empty()) xlo = 0, xhi = 1, ylo = 0, yhi = 1;
  Scale xs = make_scale(c.x, xlo, xhi, false, x0, x1);
  Scale ys = make_scale(c.y, ylo, yhi, true, y0, y1);

  std::string out = open_svg(c.width, c.height, c.title);
  out += x_axis(xs, c.x, y0, y1);
  out += y_axis(ys, c.y, x0, x1);
  std::vector<LegendItem> items;
  for (size_t i = 0; i < c.series.size(); ++i) {
    const Series& s = c.series[i];
    std::string col = s.colour.empty() ? colour(i) : s.colour;
    items.push_back({s.name, col});
    auto usable = [&](const Point& p) { return p.y && !(c.x.log && p.x <= 0) && !(c.y.log && *p.y <= 0); };
    if (s.line) {
      std::string d;
      bool pen = false;
      for (const Point& p : s.points) {
        if (!usable(p)) {
          pen = false;
          continue;
        }
        d += fmt::format("{}{} {} ", pen ? "L" : "M", num(xs.map(p.x)), num(ys.map(*p.y)));
        pen = true;
      }
      if (!d.empty())
        out += fmt::format("<path class=\"series\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"><title>{}</title></path>\n", d,
                           escape(col), escape(s.name));
    }
    if (s.markers)
      for (const Point& p : s.points) {
        if (!usable(p)) continue;
        out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{}\" stroke=\"#333\" stroke-width=\"0.5\"><title>{}</title></circle>\n",
                           num(xs.map(p.x)), num(ys.map(*p.y)), escape(p.colour.empty() ? col : p.colour), escape(p.tip));
      }
  }
  for (size_t i = 0; i < c.rules.size(); ++i) {
    const Rule& r = c.rules[i];
    double stagger = 12.0 * double(i % 3);  // neighbouring rules' labels must not overlap
    if (r.vertical) {
      double x = xs.map(r.value);
      out += fmt::format("<line class=\"rule\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\" stroke-dasharray=\"5 3\"/>\n",
                         num(x), num(y0), num(y1), escape(r.colour));
      out += text(x + 3, y1 + 10 + stagger, r.label, "start", fmt::format("fill=\"{}\"", escape(r.colour)));
    } else {
      double y = ys.map(r.value);
      out += fmt::format("<line class=\"rule\" x1=\"{1}\" y1=\"{0}\" x2=\"{2}\" y2=\"{0}\" stroke=\"{3}\" stroke-dasharray=\"5 3\"/>\n",
                         num(y), num(x0), num(x1), escape(r.colour));
      out += text(x1 - 3 - 8 * stagger, y - 3, r.label, "end", fmt::format("fill=\"{}\"", escape(r.colour)));
    }
  }
  if (!any) out += text((x0 + x1) / 2, (y0 + y1) / 2, "no data");
  out += legend(items, x0);
  return out + "</svg>\n";
}

std::string bar_chart(const BarChart& c) {
  size_t n = c.categories.size();
  size_t longest = 0;
  for (const auto& cat : c.categories) longest = std::max(longest, cat.size());
  // Category labels wider than their band are turned 60 degrees; the plot gives them room.
  double band_guess = n ? (c.width - kLeft - kRight) / double(n) : 0;
  bool rotate = n > 0 && 6.5 * double(longest) > band_guess;
  double bottom = rotate ? std::min(200.0, 30 + 5.3 * double(longest)) : kBottom;
  int height = rotate ? c.height + int(bottom - kBottom) : c.height;
  double x0 = kLeft, x1 = c.width - kRight, y0 = height - bottom, y1 = kTop;
  double hi = 0, lo = c.y.log ? INFINITY : 0;
  for (size_t k = 0; k < n; ++k) {
    double sum = 0;
    for (const BarSeries& s : c.series) {
      if (k >= s.values.size() || !s.values[k]) continue;
      double v = *s.values[k];
      sum += v;
      hi = std::max(hi, c.stacked ? sum : v);
      if (!c.y.log || v > 0) lo = std::min(lo, v);
    }
  }
  Scale ys = make_scale(c.y, lo, hi, true, y0, y1);
  Format f = c.y.format ? c.y.format : Format(default_format);

  std::string out = open_svg(c.width, height, c.title);
  out += y_axis(ys, c.y, x0, x1);
  out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>\n", num(x0), num(y0), num(x1), num(y0));
  double band = n ? (x1 - x0) / double(n) : (x1 - x0);
  size_t groups = c.stacked ? 1 : std::max<size_t>(1, c.series.size());
  double bw = band * (c.stacked ? 0.5 : 0.8) / double(groups);
  for (size_t k = 0; k < n; ++k) {
    double left = x0 + band * double(k) + (band - bw * double(groups)) / 2;
    double base = 0;
    for (size_t i = 0; i < c.series.size(); ++i) {
      const BarSeries& s = c.series[i];
      if (k >= s.values.size() || !s.values[k]) continue;
      double v = *s.values[k];
      if (c.y.log && !(v > 0)) continue;  // no bar for it on a log axis
      double from = c.stacked ? base : c.y.log ? ys.lo : 0, to = c.stacked ? from + v : v;
      if (c.stacked) base = to;
      double bx = c.stacked ? left : left + bw * double(i);
      double ya = ys.map(std::max(from, to)), yb = ys.map(std::min(from, to));
      std::string col = k < s.colours.size() && !s.colours[k].empty() ? s.colours[k] : s.colour.empty() ? colour(i) : s.colour;
      std::string label = k < s.labels.size() ? s.labels[k] : f(v);
      out += fmt::format("<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}: {}</title></rect>\n",
                         num(bx), num(ya), num(std::max(bw - 1, 1.0)), num(std::max(yb - ya, 0.5)), escape(col),
                         escape(s.name.empty() ? c.categories[k] : s.name + ", " + c.categories[k]), escape(label));
      if (c.value_labels && !c.stacked) out += text(bx + bw / 2, ya - 3, label, "middle", "font-size=\"10\"");
    }
    double cx = x0 + band * (double(k) + 0.5);
    if (rotate)
      out += text(cx, y0 + 12, c.categories[k], "end", fmt::format("transform=\"rotate(-60 {} {})\"", num(cx), num(y0 + 12)));
    else
      out += text(cx, y0 + 14, c.categories[k]);
  }
  if (!c.x_label.empty()) out += text((x0 + x1) / 2, height - 8.0, c.x_label, "middle", "class=\"axis-label\" font-size=\"12\"");
  if (n == 0) out += text((x0 + x1) / 2, (y0 + y1) / 2, "no data");
  std::vector<LegendItem> items;
  for (size_t i = 0; i < c.series.size(); ++i) items.push_back({c.series[i].name, c.series[i].colour.empty() ? colour(i) : c.series[i].colour});
  out += legend(items, x0);
  return out + "</svg>\n";
}

std::string heat_map(const HeatMap& m) {
  double x0 = kLeft, x1 = m.width - kRight, y0 = m.height - kBottom, y1 = kTop;
  size_t nc = m.columns.size(), nr = m.rows.size();
  Format f = m.format ? m.format : Format(default_format);
  double hi = 0;
  for (const auto& row : m.values)
    for (const auto& v : row)
      if (v) hi = std::max(hi, *v);
  std::string out = open_svg(m.width, m.height, m.title);
  double cw = nc ? (x1 - x0) / double(nc) : 0, ch = nr ? (y0 - y1) / double(nr) : 0;
  for (size_t r = 0; r < nr; ++r) {
    for (size_t c = 0; c < nc; ++c) {
      std::optional<double> v;
      if (r < m.values.size() && c < m.values[r].size()) v = m.values[r][c];
      double t = v && hi > 0 ? *v / hi : 0;
      // White to the palette's blue (0, 114, 178).
      int red = int(255 - t * 255), green = int(255 - t * (255 - 114)), blue = int(255 - t * (255 - 178));
      double x = x0 + cw * double(c), y = y1 + ch * double(r);
      out += fmt::format("<rect class=\"cell\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#ffffff\"><title>{}, {}: {}</title></rect>\n",
                         num(x), num(y), num(cw), num(ch), v ? fmt::format("rgb({},{},{})", red, green, blue) : "#f4f4f4",
                         escape(m.rows[r]), escape(m.columns[c]), escape(v ? f(*v) : "none"));
      out += text(x + cw / 2, y + ch / 2 + 4, v ? f(*v) : "-", "middle", t > 0.55 ? "fill=\"#ffffff\"" : "");
    }
    out += text(x0 - 5, y1 + ch * (double(r) + 0.5) + 4, m.rows[r], "end");
  }
  for (size_t c = 0; c < nc; ++c) out += text(x0 + cw * (double(c) + 0.5), y0 + 14, m.columns[c]);
  out += text((x0 + x1) / 2, y0 + 34, m.x_label, "middle", "class=\"axis-label\" font-size=\"12\"");
  double cy = (y0 + y1) / 2;
  out += text(14, cy, m.y_label, "middle", fmt::format("class=\"axis-label\" font-size=\"12\" transform=\"rotate(-90 14 {})\"", num(cy)));
  out += text(x0, 20, fmt::format("colour: 0 to {}{}", f(hi), m.unit.empty() ? "" : " " + m.unit), "start", "class=\"legend\"");
  if (nc == 0 || nr == 0) out += text((x0 + x1) / 2, cy, "no data");
  return out + "</svg>\n";
}

}  // namespace pb::reports::svg
