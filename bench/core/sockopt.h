// setsockopt that throws: the one way the project sets a socket option it needs.
#pragma once

#include <sys/socket.h>

#include <string>

#include "bench/core/errors.h"

namespace pb::core {

// Sets option `name` at `level` to `value`; throws std::system_error "`what`: <errno text>".
template <typename T>
void set_sockopt(int fd, int level, int name, const T& value, const std::string& what) {
  if (setsockopt(fd, level, name, &value, sizeof(value)) != 0) throw_errno(what);
}

}  // namespace pb::core
