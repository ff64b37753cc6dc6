// A plan's steps read as differences between the host and what the plan wants.
#include <algorithm>

#include "sriov/plan.hpp"

namespace sriov {

std::vector<Difference> net_drift(const std::vector<Step>& steps, size_t first, size_t count) {
  std::vector<Difference> out;
  size_t end = std::min(steps.size(), first + count);
  for (size_t i = first; i < end; ++i)
    for (auto& d : steps[i].drift()) {
      auto same = std::find_if(out.begin(), out.end(), [&](const Difference& o) {
        return o.subject == d.subject && o.field == d.field;
      });
      if (same == out.end()) out.push_back(std::move(d));
      else same->wanted = std::move(d.wanted);  // "have" stays the host's, before any step
    }
  out.erase(std::remove_if(out.begin(), out.end(),
                           [](const Difference& d) { return d.wanted == d.have; }),
            out.end());
  return out;
}

}  // namespace sriov
