// The file helpers the state file and the shared-knob ledgers share (state.cpp).
#pragma once

#include <string>
#include <vector>

namespace pb::host {

// Writes `text` to `path` through a temporary file and rename(): readers see the old or
// the new content, never a torn one. Throws std::system_error.
void write_atomic(const std::string& path, const std::string& text);
// Whether process `pid` exists (EPERM counts: it exists).
bool pid_alive(long pid);
// The entries of `dir` not starting with '.', empty when it cannot be read.
std::vector<std::string> list_dir(const char* dir);

}  // namespace pb::host
