#include "pci_driver.hpp"

#include <fmt/format.h>

namespace sriov::detail {

std::vector<Write> driver_writes(const PciAddress& vf, const std::optional<std::string>& from,
                                 const std::optional<std::string>& override_value,
                                 const std::optional<std::string>& to) {
  std::string dev = pci_dev(vf);
  std::vector<Write> w;
  w.push_back({dev + "/driver_override", to ? *to : kClearOverride});
  if (from) w.push_back({"/sys/bus/pci/drivers/" + *from + "/unbind", vf.str()});
  if (to) w.push_back({"/sys/bus/pci/drivers_probe", vf.str()});
  if (override_value != to)
    w.push_back({dev + "/driver_override", override_value.value_or(kClearOverride)});
  return w;
}

Status move_driver(StepContext& ctx, const PciAddress& vf, const std::optional<std::string>& from,
                   const std::optional<std::string>& override_value,
                   const std::optional<std::string>& to) {
  for (const auto& w : driver_writes(vf, from, override_value, to))
    if (auto ok = ctx.write(w.path, w.value); !ok) return ok;
  std::string dev = pci_dev(vf);
  const Sysfs& sysfs = ctx.sysfs();
  auto bound = [&] { return sysfs.link_name(dev + "/driver") == to; };
  if (!ctx.settle(bound)) {
    auto now = sysfs.link_name(dev + "/driver");
    return fail(Errc::kernel,
                fmt::format("{} should be {} after the writes but is {} (the driver's probe may "
                            "have failed: see dmesg)",
                            vf.str(), to ? "on " + *to : std::string("without a driver"),
                            now ? "on " + *now : std::string("without a driver")),
                dev + "/driver");
  }
  return {};
}

}  // namespace sriov::detail
