#include "sriov/executor.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <filesystem>

#include "sriov/holders.hpp"
#include "sriov/inventory.hpp"
#include "wait.hpp"

namespace sriov {

std::string_view status_name(StepStatus status) {
  switch (status) {
    case StepStatus::planned: return "planned";
    case StepStatus::done: return "done";
    case StepStatus::failed: return "failed";
    case StepStatus::undone: return "undone";
    case StepStatus::undo_failed: return "undo-failed";
    case StepStatus::not_run: return "not-run";
  }
  return "not-run";
}

bool ExecutionReport::changed() const {
  for (auto s : status)
    if (s == StepStatus::done || s == StepStatus::undo_failed) return true;
  return false;
}

ExecutionReport execute(Plan& plan, StepRunner& runner,
                        const std::function<void(size_t)>& on_done) {
  ExecutionReport report;
  report.status.assign(plan.steps.size(), StepStatus::not_run);
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    auto applied = runner.apply(plan.steps[i]);
    if (applied) {
      report.status[i] = StepStatus::done;
      if (on_done) on_done(i);
      continue;
    }
    report.status[i] = StepStatus::failed;
    Error error = applied.error();
    std::vector<std::string> undone, not_undone;
    for (size_t j = i; j-- > 0;) {
      auto back = runner.undo(plan.steps[j]);
      if (back) {
        report.status[j] = StepStatus::undone;
        undone.push_back(describe(plan.steps[j]));
      } else {
        report.status[j] = StepStatus::undo_failed;
        not_undone.push_back(describe(plan.steps[j]) + ": " + back.error().message);
      }
    }
    // Sentences: what failed (the step's own message says what it put back), then what the
    // executor undid.
    std::string text = error.message;
    if (!text.empty() && text.back() != '.') text += '.';
    error.message = fmt::format("step {} of {} failed ({}): {}", i + 1, plan.steps.size(),
                                describe(plan.steps[i]), text);
    if (!undone.empty()) error.message += fmt::format(" Undone: {}.", fmt::join(undone, "; "));
    if (!not_undone.empty()) {
      error.code = Errc::rollback_incomplete;
      error.message += fmt::format(" NOT undone, still applied: {}.", fmt::join(not_undone, "; "));
    }
    report.error = std::move(error);
    break;
  }
  return report;
}

namespace {

std::string pci_dev(const PciAddress& a) { return "/sys/bus/pci/devices/" + a.str(); }

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

}  // namespace

Status KernelRunner::apply(Step& step) {
  return std::visit([this](auto& s) { return apply_step(s); }, step);
}

Status KernelRunner::apply_step(SetAutoprobe& step) {
  std::string path = step.pf_path + "/sriov_drivers_autoprobe";
  auto ok = sysfs_.write(path, step.to ? "1" : "0", options_.write_timeout);
  if (!ok) return ok;
  auto back = sysfs_.read_int(path);
  if (!back) return tl::unexpected(back.error());
  if ((*back != 0) != step.to)
    return fail(Errc::kernel,
                fmt::format("wrote {} to {} but it reads back {}", int(step.to), path, *back), path);
  return {};
}

Status KernelRunner::write_numvfs(const SetNumVfs& step, unsigned value) {
  std::string path = step.pf_path + "/sriov_numvfs";
  if (value == 0) {
    // Last check before the irreversible write: a process may have opened a VF through VFIO
    // since the plan was made, and the disable would then block until it lets go. A fresh
    // scan: this is the one write a late holder turns into a hang.
    PhysicalFunction pf;
    pf.is_pci = sysfs_.exists(step.pf_path + "/sriov_totalvfs");
    pf.device_path = step.pf_path;
    pf.num_vfs = 1;
    if (pf.is_pci) {
      auto vfs = read_vfs(sysfs_, pf);
      std::vector<std::string> files;
      if (vfs)
        for (auto& vf : *vfs) files.insert(files.end(), vf.vfio.files.begin(), vf.vfio.files.end());
      auto holders = VfioHolders::scan_if_any(sysfs_, files).of(files);
      if (!holders.empty())
        return tl::unexpected(held_refusal("write 0 to " + path, holders.front(), path));
    }
  }
  auto ok = sysfs_.write(path, std::to_string(value), options_.write_timeout);
  if (!ok) return tl::unexpected(explain_numvfs(ok.error(), step, value));
  auto back = sysfs_.read_int(path);
  if (!back) return tl::unexpected(back.error());
  if (*back != value)
    return fail(Errc::kernel,
                fmt::format("wrote {} to {} but the driver enabled {} VFs", value, path, *back),
                path);

  bool pci = sysfs_.exists(step.pf_path + "/sriov_totalvfs");
  if (!pci) return {};
  auto links_match = [&] {
    unsigned n = 0;
    for (const auto& name : sysfs_.list(step.pf_path))
      if (name.rfind("virtfn", 0) == 0) ++n;
    return n == value;
  };
  if (!detail::wait_until(sysfs_, links_match, options_.settle_timeout)) {
    if (!sysfs_.live())
      return fail(Errc::kernel,
                  fmt::format("{} reads {} but there are not {} virtfn links under {}: a tree "
                              "under --sysfs-root does not react to writes as the kernel does",
                              path, value, value, step.pf_path),
                  path);
    return fail(Errc::timeout,
                fmt::format("{} reads {} but the kernel did not list {} virtfn links under {} "
                            "within {} ms",
                            path, value, value, step.pf_path, options_.settle_timeout.count()),
                path);
  }
  if (value > 0 && step.wait_netdevs) {
    // A NIC's VF driver (iavf, mlx5_core, ixgbevf) registers the VF netdev after probe,
    // sometimes from a work queue: wait for it so callers can configure the VF right away.
    auto netdevs_ready = [&] {
      for (unsigned i = 0; i < value; ++i) {
        auto dev = sysfs_.resolve(fmt::format("{}/virtfn{}", step.pf_path, i));
        if (!dev) return false;
        auto driver = sysfs_.link_name(*dev + "/driver");
        if (driver && *driver != "vfio-pci" && *driver != "pci-stub" &&
            sysfs_.list(*dev + "/net").empty())
          return false;
      }
      return true;
    };
    if (!detail::wait_until(sysfs_, netdevs_ready, options_.settle_timeout))
      warnings_.push_back(fmt::format("some VFs of {} are bound to a driver but have no netdev "
                                      "after {} ms",
                                      step.pf, options_.settle_timeout.count()));
  }
  return {};
}

Status KernelRunner::apply_step(SetNumVfs& step) {
  std::string path = step.pf_path + "/sriov_numvfs";
  auto now = sysfs_.read_int(path);
  if (!now) return tl::unexpected(now.error());
  if (*now == step.to) return {};
  if (*now != step.from)
    return fail(Errc::refused,
                fmt::format("{} changed since the plan was made: it reads {}, the plan expected {}; "
                            "run the command again",
                            path, *now, step.from),
                path);
  if (step.to == 0) remember_vf_drivers(step);
  auto written = write_numvfs(step, step.to);
  if (written) return written;
  // The count may have changed before the step failed (a read-back mismatch, VFs that never
  // appeared): put the PF back to where the step found it so the step leaves nothing behind.
  auto after = sysfs_.read_int(path);
  if (!after || *after == step.from) return written;
  Error e = written.error();
  Status back = {};
  if (*after != 0) back = sysfs_.write(path, "0", options_.write_timeout);
  if (back && step.from != 0) back = sysfs_.write(path, std::to_string(step.from),
                                                  options_.write_timeout);
  e.message += back ? fmt::format("; {} was set back to {}", path, step.from)
                    : fmt::format("; setting {} back to {} failed too: {}", path, step.from,
                                  back.error().message);
  if (!back) e.code = Errc::rollback_incomplete;
  return tl::unexpected(e);
}

void KernelRunner::remember_vf_drivers(SetNumVfs& step) {
  step.prior.clear();
  // Only PCI PFs have VF devices with drivers (netdevsim's VFs are entries in its netdev).
  if (!sysfs_.exists(step.pf_path + "/sriov_totalvfs")) return;
  for (unsigned i = 0; i < step.from; ++i) {
    auto dev = sysfs_.resolve(fmt::format("{}/virtfn{}", step.pf_path, i));
    SetNumVfs::PriorVf p;
    if (dev) {
      p.driver = sysfs_.link_name(*dev + "/driver");
      auto ov = sysfs_.read_opt(*dev + "/driver_override");
      if (ov && !ov->empty() && *ov != "(null)") p.driver_override = ov;
    }
    step.prior.push_back(p);
  }
}

// After VFs were recreated by an undo: the same drivers as before they were destroyed. VF
// settings made over rtnetlink are not part of this (the kernel reset them with the VFs).
Status KernelRunner::restore_vf_drivers(const SetNumVfs& step) {
  for (unsigned i = 0; i < step.prior.size(); ++i) {
    auto dev = sysfs_.resolve(fmt::format("{}/virtfn{}", step.pf_path, i));
    if (!dev) return tl::unexpected(dev.error());
    auto address = PciAddress::parse(std::filesystem::path(*dev).filename().string());
    if (!address) return tl::unexpected(address.error());
    auto now = sysfs_.link_name(*dev + "/driver");
    const auto& p = step.prior[i];
    if (now == p.driver) continue;
    if (auto ok = move_driver(*address, now, p.driver_override, p.driver); !ok) return ok;
  }
  return {};
}

Status KernelRunner::move_driver(const PciAddress& vf, const std::optional<std::string>& from,
                                 const std::optional<std::string>& override_value,
                                 const std::optional<std::string>& to) {
  std::string dev = pci_dev(vf);
  auto t = options_.write_timeout;
  // driver_override first, so that only `to` can claim the VF once it is free.
  if (auto ok = sysfs_.write(dev + "/driver_override", to ? *to : kClearOverride, t); !ok)
    return ok;
  if (from) {
    if (auto ok = sysfs_.write("/sys/bus/pci/drivers/" + *from + "/unbind", vf.str(), t); !ok)
      return ok;
  }
  if (to) {
    if (auto ok = sysfs_.write("/sys/bus/pci/drivers_probe", vf.str(), t); !ok) return ok;
  }
  if (override_value != to) {
    if (auto ok = sysfs_.write(dev + "/driver_override", override_value.value_or(kClearOverride), t);
        !ok)
      return ok;
  }
  auto bound = [&] { return sysfs_.link_name(dev + "/driver") == to; };
  if (!detail::wait_until(sysfs_, bound, options_.settle_timeout)) {
    auto now = sysfs_.link_name(dev + "/driver");
    return fail(Errc::kernel,
                fmt::format("{} should be {} after the writes but is {} (the driver's probe may "
                            "have failed: see dmesg)",
                            vf.str(), to ? "on " + *to : std::string("without a driver"),
                            now ? "on " + *now : std::string("without a driver")),
                dev + "/driver");
  }
  return {};
}

Status KernelRunner::apply_step(BindDriver& step) {
  std::string dev = pci_dev(step.vf);
  if (!sysfs_.exists(dev))
    return fail(Errc::not_found, fmt::format("VF {} ({}) does not exist", step.vf_index,
                                             step.vf.str()),
                dev);
  // What is bound now is what an undo restores (new VFs may have been probed by autoprobe).
  step.from = sysfs_.link_name(dev + "/driver");
  auto ov = sysfs_.read_opt(dev + "/driver_override");
  step.from_override = ov && !ov->empty() && *ov != "(null)" ? ov : std::nullopt;
  if (step.from == step.to) return {};
  if (step.from) {
    if (auto holders = vfio_holders().of_device(sysfs_, dev); !holders.empty())
      return tl::unexpected(held_refusal(
          fmt::format("unbind {} from {}", step.vf.str(), *step.from), holders.front(), dev));
  }
  auto moved = move_driver(step.vf, step.from, step.to, step.to);
  if (moved) return {};
  // Put the VF back where it was before reporting, so a failed step leaves nothing behind.
  auto now = sysfs_.link_name(dev + "/driver");
  auto back = move_driver(step.vf, now, step.from_override, step.from);
  Error e = moved.error();
  e.message += back ? fmt::format("; {} was put back on {}", step.vf.str(),
                                  step.from.value_or("no driver"))
                    : fmt::format("; putting {} back on {} failed too: {}", step.vf.str(),
                                  step.from.value_or("no driver"), back.error().message);
  if (!back) e.code = Errc::rollback_incomplete;
  return tl::unexpected(e);
}

namespace {

// The mdev core's and vendors' errnos for a create, in words.
std::string explain_mdev_create(int err) {
  switch (err) {
    case EEXIST: return " (an mdev with this UUID exists already)";
    case EUSERS: return " (no instances of this type are left on the parent)";
    case ENOSPC: return " (the parent's memory pool is too small for another instance)";
    case ENODEV: return " (the parent device is going away)";
    case EINVAL:
      return " (the UUID or type was refused; NVIDIA GPUs also refuse mixing vGPU types on one "
             "GPU unless it is in heterogeneous mode)";
    default: return "";
  }
}

}  // namespace

Status KernelRunner::create_mdev(const std::string& type_path, const std::string& uuid) {
  auto ok = sysfs_.write(type_path + "/create", uuid, options_.write_timeout);
  if (!ok) {
    Error e = ok.error();
    e.message += explain_mdev_create(e.sys_errno);
    return tl::unexpected(e);
  }
  std::string dev = "/sys/bus/mdev/devices/" + uuid;
  if (!detail::wait_until(sysfs_, [&] { return sysfs_.exists(dev); }, options_.settle_timeout))
    return fail(Errc::kernel,
                fmt::format("wrote {} to {}/create but {} did not appear", uuid, type_path, dev),
                dev);
  return {};
}

Status KernelRunner::remove_mdev(const std::string& uuid) {
  std::string dev = "/sys/bus/mdev/devices/" + uuid;
  if (!sysfs_.exists(dev)) return {};
  // remove blocks while a VM has the device open: the watchdog turns that into a timeout.
  if (auto ok = sysfs_.write(dev + "/remove", "1", options_.write_timeout); !ok) return ok;
  if (!detail::wait_until(sysfs_, [&] { return !sysfs_.exists(dev); }, options_.settle_timeout))
    return fail(Errc::kernel, fmt::format("wrote 1 to {}/remove but the device is still there", dev),
                dev);
  return {};
}

Status KernelRunner::write_vgpu_type(const std::string& vf_path, unsigned from, unsigned to) {
  std::string path = vf_path + "/nvidia/current_vgpu_type";
  auto t = options_.write_timeout;
  if (from != 0 && to != 0)
    if (auto ok = sysfs_.write(path, "0", t); !ok) return ok;
  if (auto ok = sysfs_.write(path, std::to_string(to), t); !ok) return ok;
  auto back = sysfs_.read_int(path);
  if (!back) return tl::unexpected(back.error());
  if (*back != to)
    return fail(Errc::kernel,
                fmt::format("wrote {} to {} but it reads back {} (the driver refused the type: "
                            "capacity, or a type that cannot be mixed with the GPU's others)",
                            to, path, *back),
                path);
  return {};
}

Status KernelRunner::write_config(const std::string& path,
                                  const std::optional<std::string>& content) {
  return content ? sysfs_.write_file(path, *content) : sysfs_.remove_file(path);
}

Status KernelRunner::apply_step(CreateMdev& step) {
  // Already there as planned (mdevctl's udev rule may have started a defined instance since
  // the plan was made): nothing to write, as for a VF count that is already right.
  std::string dev = "/sys/bus/mdev/devices/" + step.uuid;
  if (sysfs_.exists(dev)) {
    auto type = sysfs_.resolve(dev + "/mdev_type"), wanted = sysfs_.resolve(step.type_path);
    if (type && wanted && *type == *wanted) return {};
  }
  return create_mdev(step.type_path, step.uuid);
}

Status KernelRunner::apply_step(RemoveMdev& step) {
  // Last check before the write: remove blocks for as long as a VM has the device open.
  std::string dev = "/sys/bus/mdev/devices/" + step.uuid;
  if (auto holders = vfio_holders().of_device(sysfs_, dev); !holders.empty())
    return tl::unexpected(held_refusal("remove mdev " + step.uuid, holders.front(), dev));
  return remove_mdev(step.uuid);
}

Status KernelRunner::apply_step(SetVgpuType& step) {
  auto now = sysfs_.read_int(step.vf_path + "/nvidia/current_vgpu_type");
  if (!now) return tl::unexpected(now.error());
  if (*now == step.to) return {};
  if (*now != 0)
    if (auto holders = vfio_holders().of_device(sysfs_, step.vf_path);
        !holders.empty())
      return tl::unexpected(
          held_refusal("change the vGPU of VF " + step.vf, holders.front(), step.vf_path));
  step.from = static_cast<unsigned>(*now);
  auto ok = write_vgpu_type(step.vf_path, step.from, step.to);
  if (!ok) write_vgpu_type(step.vf_path, step.to, step.from);  // leave the VF as found
  return ok;
}
Status KernelRunner::apply_step(WriteConfigFile& step) { return write_config(step.path, step.to); }

const VfioHolders& KernelRunner::vfio_holders() {
  if (!vfio_holders_) vfio_holders_ = VfioHolders::scan(sysfs_);
  return *vfio_holders_;
}

Result<LinkBackend*> KernelRunner::link() {
  if (link_) return link_;
  if (!sysfs_.live())
    return fail(Errc::unsupported,
                fmt::format("VF settings go over rtnetlink to the live kernel, which a tree under "
                            "--sysfs-root ({}) does not have",
                            sysfs_.root().string()));
  owned_link_ = make_netlink_backend();
  link_ = owned_link_.get();
  return link_;
}

Status KernelRunner::apply_step(SetVfSettings& step) {
  auto l = link();
  if (!l) return tl::unexpected(l.error());
  if (!step.deferred.empty() && step.changes.empty()) {
    auto dump = (*l)->read(step.ifname);
    if (!dump) return tl::unexpected(dump.error());
    for (const auto& d : step.deferred) {
      if (d.index >= dump->vfs.size())
        return fail(Errc::kernel, fmt::format("{}: VF {} does not exist ({} has {} VFs)", step.pf,
                                              d.index, step.ifname, dump->vfs.size()));
      auto change = diff(dump->vfs[d.index], d.config, d.mac_offset);
      if (!change) return tl::unexpected(change.error());
      if (change->fields) step.changes.push_back(*change);
    }
  }
  return apply_vf_changes(**l, step.ifname, step.changes, {step.pf, step.driver});
}

Status KernelRunner::undo(const Step& step) {
  if (auto* v = std::get_if<SetVfSettings>(&step)) {
    auto l = link();
    if (!l) return tl::unexpected(l.error());
    std::vector<VfChange> back;
    for (const auto& c : v->changes) back.push_back({c.index, c.after, c.before, c.fields});
    return apply_vf_changes(**l, v->ifname, back, {v->pf, v->driver});
  }
  if (auto* m = std::get_if<CreateMdev>(&step)) return remove_mdev(m->uuid);
  if (auto* m = std::get_if<RemoveMdev>(&step)) return create_mdev(m->type_path, m->uuid);
  if (auto* v = std::get_if<SetVgpuType>(&step)) return write_vgpu_type(v->vf_path, v->to, v->from);
  if (auto* w = std::get_if<WriteConfigFile>(&step)) return write_config(w->path, w->from);
  if (auto* s = std::get_if<SetAutoprobe>(&step)) {
    SetAutoprobe back = *s;
    std::swap(back.from, back.to);
    return apply_step(back);
  }
  if (auto* s = std::get_if<SetNumVfs>(&step)) {
    auto now = sysfs_.read_int(s->pf_path + "/sriov_numvfs");
    if (!now) return tl::unexpected(now.error());
    if (static_cast<unsigned>(*now) == s->from) return {};
    if (*now != 0)
      if (auto ok = write_numvfs(*s, 0); !ok) return ok;
    if (s->from == 0) return {};
    if (auto ok = write_numvfs(*s, s->from); !ok) return ok;
    return restore_vf_drivers(*s);
  }
  const auto& b = std::get<BindDriver>(step);
  auto now = sysfs_.link_name(pci_dev(b.vf) + "/driver");
  if (now == b.from) {
    // Not moved (or already back): only driver_override may still name the new driver.
    if (!sysfs_.exists(pci_dev(b.vf))) return {};
    return sysfs_.write(pci_dev(b.vf) + "/driver_override", b.from_override.value_or(kClearOverride),
                        options_.write_timeout);
  }
  return move_driver(b.vf, now, b.from_override, b.from);
}

}  // namespace sriov
