#include "bench/host/shared_knob.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <string>
#include <vector>

#include "bench/core/errors.h"
#include "bench/core/files.h"
#include "bench/core/log.h"
#include "bench/core/unique_fd.h"
#include "bench/host/run_files.h"

namespace pb::host {

namespace {

constexpr const char* kSuffix = ".knob";

// "/sys/kernel/rcu_expedited" -> "/run/pathbench/sys_kernel_rcu_expedited.knob"
std::string ledger_path(const std::string& knob) {
  std::string name;
  for (char c : knob.substr(knob.find_first_not_of('/')))
    name += (c == '/' ? '_' : c);
  return std::string(kStateDir) + "/" + name + kSuffix;
}

std::string read_value(const std::string& path) {
  std::string v = core::read_file(path);
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
  return v;
}

// The ledger directory, locked for the scope (every process takes the same flock).
class LedgerLock {
 public:
  LedgerLock() {
    if (::mkdir(kStateDir, 0755) != 0 && errno != EEXIST) core::throw_errno(std::string("mkdir ") + kStateDir);
    fd_ = core::UniqueFd(::open(kStateDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd_) core::throw_errno(std::string("open ") + kStateDir);
    while (::flock(fd_.get(), LOCK_EX) != 0)
      if (errno != EINTR) core::throw_errno(std::string("flock ") + kStateDir);
  }

 private:
  core::UniqueFd fd_;
};

nlohmann::json load(const std::string& ledger) {
  try {
    return nlohmann::json::parse(core::read_file(ledger));
  } catch (const std::exception&) {
    return nullptr;  // absent (or torn: rewritten atomically, so only absent in practice)
  }
}

// Drops holders whose process is gone, and `run` when given.
void prune(nlohmann::json& doc, const std::string& run = "") {
  auto& holders = doc["holders"];
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& h : holders)
    if (h.value("run", "") != run && pid_alive(h.value("pid", 0L))) kept.push_back(h);
  holders = kept;
}

// Writes the host's value back and removes the ledger once nobody holds the knob.
// Returns whether it restored.
bool restore_if_free(const std::string& ledger, const nlohmann::json& doc) {
  if (!doc["holders"].empty()) {
    write_atomic(ledger, doc.dump(2));
    return false;
  }
  core::write_file(doc.at("path").get<std::string>(), doc.at("original").get<std::string>());
  ::unlink(ledger.c_str());
  return true;
}

void leave(const std::string& knob, const std::string& run) {
  LedgerLock lock;
  const std::string ledger = ledger_path(knob);
  nlohmann::json doc = load(ledger);
  if (doc.is_null()) return;
  prune(doc, run);
  restore_if_free(ledger, doc);
}

}  // namespace

SharedKnob::SharedKnob(RunState& state, std::string path, const std::string& value)
    : state_(state), path_(std::move(path)) {
  const nlohmann::json undo = {{"kind", "shared"}, {"path", path_}};
  state_.record(undo);  // before the change: a crash from here on is cleanup's to undo
  try {
    LedgerLock lock;
    const std::string ledger = ledger_path(path_);
    nlohmann::json doc = load(ledger);
    if (!doc.is_null()) prune(doc);
    if (doc.is_null()) {
      doc = {{"path", path_}, {"original", read_value(path_)}, {"value", value},
             {"holders", nlohmann::json::array()}};
    } else if (!doc["holders"].empty() && doc.value("value", "") != value) {
      const auto& h = doc["holders"][0];
      throw std::runtime_error(fmt::format(
          "{} is held at {} by the live run {} (pid {}); this run needs {}: run the two one after the other",
          path_, doc.value("value", ""), h.value("run", ""), h.value("pid", 0L), value));
    }
    // No live holder but a ledger: a dead run left the knob set; its original stays.
    doc["value"] = value;
    doc["holders"].push_back({{"run", state_.run_id()}, {"pid", long(::getpid())}});
    write_atomic(ledger, doc.dump(2));
    if (read_value(path_) != value) core::write_file(path_, value);
  } catch (...) {
    state_.forget(undo);
    throw;
  }
}

SharedKnob::~SharedKnob() {
  try {
    leave(path_, state_.run_id());
  } catch (const std::exception& e) {
    PB_WARN("restore {}: {} (`pathbench cleanup` retries)", path_, e.what());
    return;  // the undo entry stays for cleanup
  }
  state_.forget({{"kind", "shared"}, {"path", path_}});
}

std::vector<std::string> release_dead_holders() {
  std::vector<std::string> restored;
  LedgerLock lock;
  for (const auto& file : list_dir(kStateDir)) {
    if (file.size() <= 5 || file.substr(file.size() - 5) != kSuffix) continue;
    const std::string ledger = std::string(kStateDir) + "/" + file;
    nlohmann::json doc = load(ledger);
    if (doc.is_null()) continue;
    prune(doc);
    if (restore_if_free(ledger, doc))
      restored.push_back(fmt::format("restored {} to {}", doc.value("path", ""), doc.value("original", "")));
  }
  return restored;
}

}  // namespace pb::host
