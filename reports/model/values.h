// Value wrappers of the report model: what a field holds when it may be empty.
//   std::optional<T>  the key is left out of the report when empty;
//   Nullable<T>       the key is always there, JSON null when empty;
//   RawJson           JSON the report carries verbatim (the suite as the user gave it).
// The model is plain data: it includes nothing of the project, and every layer speaks it.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace pb::reports {

template <typename T>
class Nullable : public std::optional<T> {
 public:
  using std::optional<T>::optional;
  Nullable() = default;
  Nullable(const std::optional<T>& o) : std::optional<T>(o) {}  // NOLINT: an optional is one
  Nullable(std::optional<T>&& o) : std::optional<T>(std::move(o)) {}  // NOLINT
  bool operator==(const Nullable&) const = default;
};

// A JSON value kept as its compact text (what `nlohmann::json::dump()` gives).
struct RawJson {
  std::string text = "{}";
  bool operator==(const RawJson&) const = default;
};

// Why a measurement has no value here ("qdisc noqueue on the TG link: no enqueue/dequeue"):
// written {"absent": why}, never as zeros.
struct Absent {
  std::string why;
  bool operator==(const Absent&) const = default;
};

}  // namespace pb::reports
