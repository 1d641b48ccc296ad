#include "bench/host/state.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/core.h>

#include <fstream>
#include <random>
#include <set>

#include "bench/core/errors.h"
#include "bench/core/log.h"
#include "bench/core/netns.h"
#include "bench/core/sysfs_guard.h"
#include "bench/host/run_files.h"
#include "bench/host/shared_knob.h"

namespace pb::host {

using core::throw_errno;

void write_atomic(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out.flush()) throw_errno("write " + tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw_errno("rename " + tmp);
}

bool pid_alive(long pid) { return pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno == EPERM); }

std::vector<std::string> list_dir(const char* dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir)) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') names.emplace_back(e->d_name);
    ::closedir(d);
  }
  return names;
}

std::string new_run_id() {
  std::random_device rd;
  return fmt::format("{:08x}", uint32_t(rd()));
}

RunState::RunState(std::string run_id) : run_id_(std::move(run_id)) {
  if (::mkdir(kStateDir, 0755) != 0 && errno != EEXIST) throw_errno(std::string("mkdir ") + kStateDir);
  path_ = std::string(kStateDir) + "/" + run_id_ + ".json";
  doc_ = {{"run_id", run_id_}, {"pid", long(::getpid())}, {"undo", nlohmann::json::array()}};
  std::lock_guard lock(mu_);
  save_locked();
}

RunState::~RunState() { ::unlink(path_.c_str()); }

void RunState::record(const nlohmann::json& undo) {
  std::lock_guard lock(mu_);
  doc_["undo"].push_back(undo);
  save_locked();
}

void RunState::forget(const nlohmann::json& undo) {
  std::lock_guard lock(mu_);
  auto& list = doc_["undo"];
  for (auto it = list.begin(); it != list.end(); ++it)
    if (*it == undo) {
      list.erase(it);
      break;
    }
  save_locked();
}

void RunState::save_locked() { write_atomic(path_, doc_.dump(2)); }

StateSysfsGuard::StateSysfsGuard(RunState& state, const std::string& path, const std::string& value)
    : state_(state) {
  std::string old = core::read_file(path);
  while (!old.empty() && (old.back() == '\n' || old.back() == ' ')) old.pop_back();
  undo_ = {{"kind", "sysfs"}, {"path", path}, {"value", old}};
  state_.record(undo_);
  try {
    guard_.emplace(path, value);
  } catch (...) {
    state_.forget(undo_);
    throw;
  }
}

StateSysfsGuard::~StateSysfsGuard() {
  guard_.reset();
  state_.forget(undo_);
}

reports::CleanupResult cleanup_stale_runs() {
  reports::CleanupResult out;
  std::set<std::string> live_runs;
  for (const auto& file : list_dir(kStateDir)) {
    if (file.size() < 6 || file.substr(file.size() - 5) != ".json") continue;
    std::string path = std::string(kStateDir) + "/" + file;
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(core::read_file(path));
    } catch (const std::exception& e) {
      out.errors.push_back(fmt::format("{}: {}", path, e.what()));
      continue;
    }
    std::string run = doc.value("run_id", "");
    if (pid_alive(doc.value("pid", 0L))) {
      live_runs.insert(run);
      continue;
    }
    // Undo in reverse order of the changes.
    auto undo = doc.value("undo", nlohmann::json::array());
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
      try {
        if (it->value("kind", "") == "netns") {
          if (core::delete_named_netns(it->at("name"))) out.removed.push_back("netns " + it->at("name").get<std::string>());
        } else if (it->value("kind", "") == "shared") {
          // Released below, once every dead run is known (release_dead_holders).
        } else if (it->value("kind", "") == "sysfs") {
          core::write_file(it->at("path"), it->at("value"));
          out.removed.push_back("restored " + it->at("path").get<std::string>());
        }
      } catch (const std::exception& e) {
        out.errors.push_back(fmt::format("run {}: {}", run, e.what()));
      }
    }
    ::unlink(path.c_str());
  }
  // Host-wide knobs: the dead runs' holds go; a knob no live run holds gets its value back.
  try {
    for (auto& r : release_dead_holders()) out.removed.push_back(std::move(r));
  } catch (const std::exception& e) {
    out.errors.push_back(e.what());
  }
  // A pb-<run>-* netns without a live owner (its state file lost) goes too.
  for (const auto& ns : list_dir(core::kNetnsDir)) {
    if (ns.rfind("pb-", 0) != 0) continue;
    auto dash = ns.find('-', 3);
    std::string run = ns.substr(3, dash == std::string::npos ? std::string::npos : dash - 3);
    if (live_runs.count(run)) continue;
    try {
      if (core::delete_named_netns(ns)) out.removed.push_back("netns " + ns);
    } catch (const std::exception& e) {
      out.errors.push_back(e.what());
    }
  }
  return out;
}

}  // namespace pb::host
