#include "sriov/nic_profile.hpp"

#include <fmt/format.h>

namespace sriov {

std::string SourcePos::str() const { return fmt::format("{}:{}:{}", file, line, column); }

std::string PfSelector::str() const {
  if (pf) return *pf;
  std::vector<std::string> parts;
  if (vendor_id) parts.push_back(fmt::format("vendor-id: {:04x}", *vendor_id));
  if (device_id) parts.push_back(fmt::format("device-id: {:04x}", *device_id));
  if (driver) parts.push_back("driver: " + *driver);
  return fmt::format("match {{{}}}", fmt::join(parts, ", "));
}

Error profile_error(const std::vector<std::string>& problems) {
  return Error{Errc::invalid_input,
               fmt::format("the profile has {} error{}:\n{}", problems.size(),
                           problems.size() == 1 ? "" : "s", fmt::join(problems, "\n")),
               {}, 0};
}

}  // namespace sriov
