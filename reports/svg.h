// Small plotting primitives for the HTML report: inline <svg> elements (no xmlns: inline SVG
// in HTML needs none, and the report names no URL) with axes, labels and units, linear or
// log-x scales, lines with markers, reference rules, grouped or stacked bars, heat-map cells
// and a legend. Every text is escaped.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pb::reports::svg {

// Text and attribute values escaped for XML and HTML (& < > " '), without the control
// characters XML 1.0 cannot carry (all below 0x20 but tab, newline, CR).
std::string escape(std::string_view text);

// A fixed palette (colour-blind friendly); index modulo its size.
std::string colour(size_t index);

// How a tick's value reads ("12.3 µs"); default: up to 4 significant digits.
using Format = std::function<std::string(double)>;

struct Axis {
  std::string label;  // "latency", "offered load"
  std::string unit;   // "µs", "pps", "packets": the label reads "latency (µs)"
  bool log = false;   // base-10 log scale (values <= 0 are left out)
  std::optional<double> min, max;  // default: from the data (linear y starts at 0)
  Format format;
};

struct Point {
  double x = 0;
  std::optional<double> y;  // none: a gap in the line
  std::string tip;          // a <title> tooltip on the marker
  std::string colour;       // marker colour, when not the series'
};

struct Series {
  std::string name;
  std::string colour;
  std::vector<Point> points;
  bool line = true;
  bool markers = false;
};

// A horizontal (y = value) or vertical (x = value) reference line with a label.
struct Rule {
  double value = 0;
  std::string label;
  std::string colour = "#555";
  bool vertical = false;
};

struct LineChart {
  std::string title;  // the <svg>'s accessible title (the visible one is the page's h3)
  Axis x, y;
  std::vector<Series> series;
  std::vector<Rule> rules;
  int width = 600, height = 300;
};
std::string line_chart(const LineChart& chart);

struct BarSeries {
  std::string name, colour;
  std::vector<std::optional<double>> values;  // one per category; none: no bar
  std::vector<std::string> colours;  // per bar, when not the series' colour ("" keeps it)
  std::vector<std::string> labels;   // per bar, printed above it in place of its value
};

// Vertical bars per category: side by side (grouped) or stacked; grouped bars may stand on
// a log y axis (y.log: from its lowest decade; values <= 0 get no bar).
struct BarChart {
  std::string title;
  std::string x_label;
  Axis y;
  std::vector<std::string> categories;
  std::vector<BarSeries> series;
  bool stacked = false;
  bool value_labels = false;  // print each bar's label, or value (y.format), above it
  int width = 600, height = 300;
};
std::string bar_chart(const BarChart& chart);

// A grid of cells coloured by value (white to the scale's colour), each labelled with its
// value; rows top to bottom, columns left to right.
struct HeatMap {
  std::string title;
  std::string x_label, y_label;
  std::vector<std::string> columns, rows;
  std::vector<std::vector<std::optional<double>>> values;  // [row][column]
  std::string unit;  // of the values, for the scale's label
  Format format;
  int width = 600, height = 300;
};
std::string heat_map(const HeatMap& map);

}  // namespace pb::reports::svg
