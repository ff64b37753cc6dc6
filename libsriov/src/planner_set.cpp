// Planning VF settings (sriovctl set, and profiles later).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "sriov/planner.hpp"

namespace sriov {

namespace {

std::string who_of(const PhysicalFunction& pf, const std::vector<unsigned>& indexes) {
  return indexes.size() == 1 ? fmt::format("VF {} of {}", indexes[0], pf.label())
                             : fmt::format("VFs {} of {}", format_vf_ranges(indexes), pf.label());
}

}  // namespace

Status check_set_request(const PhysicalFunction& pf, const std::vector<unsigned>& indexes,
                         const VfConfig& config) {
  if (indexes.empty()) return fail(Errc::invalid_input, "no VFs selected");
  if (config.empty())
    return fail(Errc::invalid_input,
                "nothing to set: give KEY=VALUE settings (mac-address, mac-from, vlan-id, qos, "
                "vlan-proto, min-tx-rate, max-tx-rate, spoof-check, trust, link-state, "
                "query-rss)");
  std::string who = who_of(pf, indexes);
  if (auto ok = validate(config, who); !ok) return ok;
  if (config.mac && indexes.size() > 1)
    return fail(Errc::invalid_input,
                fmt::format("{}: mac-address= would give {} VFs the same address; use mac-from= to hand "
                            "out consecutive addresses",
                            who, indexes.size()));
  if (pf.netdevs.empty())
    return fail(Errc::unsupported,
                fmt::format("{} has no netdev: VF settings are made through the PF's network "
                            "device (is its network driver bound?)",
                            pf.label()));
  return {};
}

Result<Plan> plan_set(const PhysicalFunction& pf, const std::vector<unsigned>& indexes,
                      const VfConfig& config, const VfDump& current) {
  Plan plan;
  if (auto ok = check_set_request(pf, indexes, config); !ok) return tl::unexpected(ok.error());
  std::string who = who_of(pf, indexes);
  plan.summary = fmt::format("set {}", who);
  SetVfSettings step;
  step.pf = pf.label();
  step.ifname = pf.netdevs.front();
  step.driver = pf.driver.value_or("unknown");
  unsigned first = indexes.front();
  for (unsigned index : indexes) {
    if (index >= current.vfs.size())
      return fail(Errc::not_found,
                  current.vfs.empty()
                      ? fmt::format("VF {} of {}: the PF has no VFs", index, pf.label())
                      : fmt::format("VF {} of {}: the PF has {} VFs (0-{})", index, pf.label(),
                                    current.vfs.size(), current.vfs.size() - 1));
    auto change = diff(current.vfs[index], config, index - first);
    if (!change)
      return fail(Errc::invalid_input,
                  fmt::format("VF {} of {}: {}", index, pf.label(), change.error().message));
    if (change->fields) step.changes.push_back(*change);
  }
  // Two VFs with one admin MAC confuse the switch: say so before anything is sent.
  if (config.mac || config.mac_from) {
    std::map<std::string, unsigned> owner;
    for (const auto& vf : current.vfs)
      if (!vf.settings.mac.is_zero()) owner[vf.settings.mac.str()] = vf.index;
    for (const auto& c : step.changes) owner.erase(c.before.mac.str());
    for (const auto& c : step.changes) {
      auto it = owner.find(c.after.mac.str());
      if (it != owner.end() && it->second != c.index)
        plan.notes.push_back(fmt::format("VF {} would get {}, which VF {} already has", c.index,
                                         c.after.mac.str(), it->second));
    }
    auto mac = config.mac ? *config.mac : *config.mac_from;
    if (!mac.is_locally_administered() && !mac.is_zero())
      plan.notes.push_back(fmt::format("{} is a universally administered (vendor) address; VF "
                                       "MACs are usually locally administered (02:xx:...)",
                                       mac.str()));
  }
  if (step.changes.empty()) {
    plan.notes.push_back(fmt::format("{} already match{}", who, indexes.size() == 1 ? "es" : ""));
    return plan;
  }
  plan.steps.push_back(std::move(step));
  return plan;
}

}  // namespace sriov
