// Whole-file reads and single-write(2) writes for procfs, sysfs and small files.
#pragma once

#include <string>

namespace pb::core {

// Reads a whole file; throws std::system_error naming the path.
std::string read_file(const std::string& path);
// Writes `value` to `path` in one write(2) (what sysfs/procfs knobs need); throws
// std::system_error naming the path.
void write_file(const std::string& path, const std::string& value);

}  // namespace pb::core
