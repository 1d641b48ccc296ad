// SkelPtr<S>: the one owner of a bpftool-generated skeleton S (S::destroy on destruction).
// A header may hold a SkelPtr of a skeleton it only forward-declares; the deleter is then
// compiled where the owner is destroyed, so the owner declares its destructor in its header
// and defines it in the .cpp that includes S's .skel.h (nothing else includes it).
#pragma once

#include <memory>

namespace pb::probes {

// The skeleton's S::destroy, which bpftool generates for C++ (it calls S__destroy).
template <class S>
struct SkelDestroy {
  void operator()(S* s) const { S::destroy(s); }
};

template <class S>
using SkelPtr = std::unique_ptr<S, SkelDestroy<S>>;

}  // namespace pb::probes
