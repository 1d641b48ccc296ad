// BpfLink: the one owner of a libbpf bpf_link (detaches on destruction).
#pragma once

#include <bpf/libbpf.h>

#include <memory>

namespace pb::probes {

struct BpfLinkDeleter {
  void operator()(bpf_link* l) const { bpf_link__destroy(l); }
};
using BpfLink = std::unique_ptr<bpf_link, BpfLinkDeleter>;

}  // namespace pb::probes
