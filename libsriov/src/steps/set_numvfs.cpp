// The sriov_numvfs step kind: creates or destroys a PF's VFs.
#include "sriov/steps/set_numvfs.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <filesystem>

#include "pci_driver.hpp"
#include "sriov/device.hpp"
#include "sriov/holders.hpp"
#include "sriov/inventory.hpp"
#include "sriov/json_text.hpp"
#include "sriov/step_codec.hpp"

namespace sriov {
namespace {

std::string attribute(const SetNumVfs& s) { return s.pf_path + "/sriov_numvfs"; }

bool is_pci(const SetNumVfs& s, const Sysfs& sysfs) {
  return sysfs.exists(s.pf_path + "/sriov_totalvfs");
}

// Turns the kernel's errno for a sriov_numvfs write into the rule it stands for.
Error explain_numvfs(Error e, const SetNumVfs& step, unsigned value) {
  switch (e.sys_errno) {
    case EBUSY:
      e.message += fmt::format(" (the kernel changes a VF count only through 0; {} has VFs, or "
                               "the PF is busy)",
                               step.pf);
      break;
    case ERANGE:
      e.message += fmt::format(" ({} VFs is more than sriov_totalvfs of {})", value, step.pf);
      break;
    case ENOENT:
    case ENOSYS:
      e.code = Errc::unsupported;
      e.message += " (no PF driver with SR-IOV support is bound: bind the PF's driver first)";
      break;
    case ENOMEM:
      e.message += fmt::format(" (the PF driver could not set up {} VFs; netdevsim answers this "
                               "above its max_vfs)",
                               value);
      break;
    case EPERM:
    case EINVAL:
      e.message += " (the PF driver refused: VFs may be assigned, or the count is invalid for "
                   "this device; dmesg has the driver's reason)";
      break;
    default: break;
  }
  return e;
}

// Disabling VFs that a process holds through VFIO blocks until it lets go. A fresh scan, not
// the run's cached one: this is the one write a late holder turns into a hang.
Status refuse_if_vfs_held(const SetNumVfs& s, const Sysfs& sysfs) {
  if (!is_pci(s, sysfs)) return {};
  PhysicalFunction pf;
  pf.device_path = s.pf_path;
  pf.num_vfs = 1;
  auto vfs = read_vfs(sysfs, pf);
  std::vector<std::string> files;
  if (vfs)
    for (auto& vf : *vfs) files.insert(files.end(), vf.vfio.files.begin(), vf.vfio.files.end());
  auto holders = VfioHolders::scan_if_any(sysfs, files).of(files);
  if (holders.empty()) return {};
  std::string path = attribute(s);
  return tl::unexpected(held_refusal("write 0 to " + path, holders.front(), path));
}

// A NIC's VF driver (iavf, mlx5_core, ixgbevf) registers the VF netdev after probe, sometimes
// from a work queue: wait for it so callers can configure the VF right away.
void wait_for_netdevs(const SetNumVfs& s, unsigned count, StepContext& ctx) {
  const Sysfs& sysfs = ctx.sysfs();
  auto ready = [&] {
    for (unsigned i = 0; i < count; ++i) {
      auto dev = sysfs.resolve(fmt::format("{}/virtfn{}", s.pf_path, i));
      if (!dev) return false;
      auto driver = sysfs.link_name(*dev + "/driver");
      if (driver && *driver != "vfio-pci" && *driver != "pci-stub" &&
          sysfs.list(*dev + "/net").empty())
        return false;
    }
    return true;
  };
  if (!ctx.settle(ready))
    ctx.warn(fmt::format("some VFs of {} are bound to a driver but have no netdev after {} ms",
                         s.pf, ctx.settle_timeout().count()));
}

Status write_numvfs(const SetNumVfs& s, unsigned value, StepContext& ctx) {
  const Sysfs& sysfs = ctx.sysfs();
  std::string path = attribute(s);
  if (auto ok = ctx.write(path, std::to_string(value)); !ok)
    return tl::unexpected(explain_numvfs(ok.error(), s, value));
  auto back = sysfs.read_int(path);
  if (!back) return tl::unexpected(back.error());
  if (*back != value)
    return fail(Errc::kernel,
                fmt::format("wrote {} to {} but the driver enabled {} VFs", value, path, *back),
                path);
  if (!is_pci(s, sysfs)) return {};
  auto links_match = [&] {
    unsigned n = 0;
    for (const auto& name : sysfs.list(s.pf_path))
      if (name.rfind("virtfn", 0) == 0) ++n;
    return n == value;
  };
  if (!ctx.settle(links_match)) {
    if (!sysfs.live())
      return fail(Errc::kernel,
                  fmt::format("{} reads {} but there are not {} virtfn links under {}: a tree "
                              "under --sysfs-root does not react to writes as the kernel does",
                              path, value, value, s.pf_path),
                  path);
    return fail(Errc::timeout,
                fmt::format("{} reads {} but the kernel did not list {} virtfn links under {} "
                            "within {} ms",
                            path, value, value, s.pf_path, ctx.settle_timeout().count()),
                path);
  }
  if (value > 0 && s.wait_netdevs) wait_for_netdevs(s, value, ctx);
  return {};
}

void remember_vf_drivers(SetNumVfs& s, const Sysfs& sysfs) {
  s.prior.clear();
  // Only PCI PFs have VF devices with drivers (netdevsim's VFs are entries in its netdev).
  if (!is_pci(s, sysfs)) return;
  for (unsigned i = 0; i < s.from; ++i) {
    auto dev = sysfs.resolve(fmt::format("{}/virtfn{}", s.pf_path, i));
    SetNumVfs::PriorVf p;
    if (dev) {
      p.driver = sysfs.link_name(*dev + "/driver");
      auto ov = sysfs.read_opt(*dev + "/driver_override");
      if (ov && !ov->empty() && *ov != "(null)") p.driver_override = ov;
    }
    s.prior.push_back(p);
  }
}

// After VFs were recreated by an undo: the same drivers as before they were destroyed. VF
// settings made over rtnetlink are not part of this (the kernel reset them with the VFs).
Status restore_vf_drivers(const SetNumVfs& s, StepContext& ctx) {
  const Sysfs& sysfs = ctx.sysfs();
  for (unsigned i = 0; i < s.prior.size(); ++i) {
    auto dev = sysfs.resolve(fmt::format("{}/virtfn{}", s.pf_path, i));
    if (!dev) return tl::unexpected(dev.error());
    auto address = PciAddress::parse(std::filesystem::path(*dev).filename().string());
    if (!address) return tl::unexpected(address.error());
    auto now = sysfs.link_name(*dev + "/driver");
    const auto& p = s.prior[i];
    if (now == p.driver) continue;
    if (auto ok = detail::move_driver(ctx, *address, now, p.driver_override, p.driver); !ok)
      return ok;
  }
  return {};
}

}  // namespace

std::string StepKind<SetNumVfs>::action(const SetNumVfs&) { return "set-numvfs"; }
std::string StepKind<SetNumVfs>::target(const SetNumVfs& s) { return s.pf; }
std::string StepKind<SetNumVfs>::group(const SetNumVfs& s) { return s.pf; }

std::string StepKind<SetNumVfs>::describe(const SetNumVfs& s) {
  return fmt::format("set VF count of {}: {} -> {}", s.pf, s.from, s.to);
}

std::string StepKind<SetNumVfs>::disruption(const SetNumVfs& s) {
  if (s.from == 0) return {};
  std::string text = fmt::format("destroys {} VF{}", s.from, s.from == 1 ? "" : "s");
  if (s.vfio_bound) text += fmt::format(" ({} bound to {})", s.vfio_bound, s.vfio_driver);
  return text;
}

std::vector<Write> StepKind<SetNumVfs>::writes(const SetNumVfs& s) {
  return {{attribute(s), std::to_string(s.to)}};
}

// A count changed through 0 is two steps (N -> 0, 0 -> M); status merges them (N, wanted M).
std::vector<Difference> StepKind<SetNumVfs>::drift(const SetNumVfs& s) {
  return {{s.pf, "num-vfs", std::to_string(s.to), std::to_string(s.from)}};
}

Status StepKind<SetNumVfs>::check(const SetNumVfs& s, StepContext& ctx) {
  if (s.to != 0 || s.from == 0) return {};
  return refuse_if_vfs_held(s, ctx.sysfs());
}

Status StepKind<SetNumVfs>::apply(SetNumVfs& s, StepContext& ctx) {
  const Sysfs& sysfs = ctx.sysfs();
  std::string path = attribute(s);
  auto now = sysfs.read_int(path);
  if (!now) return tl::unexpected(now.error());
  if (*now == s.to) return {};
  if (*now != s.from)
    return fail(Errc::refused,
                fmt::format("{} changed since the plan was made: it reads {}, the plan expected {}; "
                            "run the command again",
                            path, *now, s.from),
                path);
  if (s.to == 0) remember_vf_drivers(s, sysfs);
  auto written = write_numvfs(s, s.to, ctx);
  if (written) return written;
  // The count may have changed before the step failed (a read-back mismatch, VFs that never
  // appeared): put the PF back to where the step found it so the step leaves nothing behind.
  auto after = sysfs.read_int(path);
  if (!after || *after == s.from) return written;
  Error e = written.error();
  Status back = {};
  if (*after != 0) back = ctx.write(path, "0");
  if (back && s.from != 0) back = ctx.write(path, std::to_string(s.from));
  e.message += back ? fmt::format("; {} was set back to {}", path, s.from)
                    : fmt::format("; setting {} back to {} failed too: {}", path, s.from,
                                  back.error().message);
  if (!back) e.code = Errc::rollback_incomplete;
  return tl::unexpected(e);
}

Status StepKind<SetNumVfs>::undo(const SetNumVfs& s, StepContext& ctx) {
  auto now = ctx.sysfs().read_int(attribute(s));
  if (!now) return tl::unexpected(now.error());
  if (static_cast<unsigned>(*now) == s.from) return {};
  // apply's disable was checked by check(); this one is the undo's own.
  if (*now != 0) {
    if (auto held = refuse_if_vfs_held(s, ctx.sysfs()); !held) return held;
    if (auto ok = write_numvfs(s, 0, ctx); !ok) return ok;
  }
  if (s.from == 0) return {};
  if (auto ok = write_numvfs(s, s.from, ctx); !ok) return ok;
  return restore_vf_drivers(s, ctx);
}

void StepKind<SetNumVfs>::encode(const SetNumVfs& s, std::string& out) {
  nlohmann::json prior = nlohmann::json::array();
  for (const auto& p : s.prior)
    prior.push_back({{"driver", json_opt(p.driver)}, {"override", json_opt(p.driver_override)}});
  out += dump_utf8(nlohmann::json{{"type", type},
                        {"pf", s.pf},
                        {"pf_path", s.pf_path},
                        {"from", s.from},
                        {"to", s.to},
                        {"vfio_bound", s.vfio_bound},
                        {"wait_netdevs", s.wait_netdevs},
                        {"prior", prior},
                        {"vfio_driver", s.vfio_driver}});
}

template <>
Result<SetNumVfs> decode_record<SetNumVfs>(const nlohmann::json& j) {
  SetNumVfs s{j.at("pf"), j.at("pf_path"), j.at("from"), j.at("to"), j.at("vfio_bound"),
              j.at("wait_netdevs"), {}};
  for (const auto& p : j.at("prior"))
    s.prior.push_back({json_get_opt<std::string>(p, "driver"),
                       json_get_opt<std::string>(p, "override")});
  s.vfio_driver = json_get_opt<std::string>(j, "vfio_driver").value_or("vfio-pci");
  return s;
}

}  // namespace sriov
