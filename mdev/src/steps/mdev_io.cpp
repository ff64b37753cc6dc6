#include "mdev_io.hpp"

#include <fmt/format.h>

#include <cerrno>

#include "mdev/mdev.hpp"
#include "sriov/holders.hpp"

namespace mdev::detail {
namespace {

// The mdev core's and vendors' errnos for a create, in words.
std::string explain_create(int err) {
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

std::string mdev_device(const std::string& uuid) { return sriov::join_path(kMdevDevices, uuid); }

sriov::Status create_mdev(sriov::StepContext& ctx, const std::string& type_path,
                          const std::string& uuid) {
  if (auto ok = ctx.write(type_path + "/create", uuid); !ok) {
    sriov::Error e = ok.error();
    e.message += explain_create(e.sys_errno);
    return tl::unexpected(e);
  }
  std::string dev = mdev_device(uuid);
  if (!ctx.settle([&] { return ctx.sysfs().exists(dev); }))
    return sriov::fail(sriov::Errc::kernel,
                       fmt::format("wrote {} to {}/create but {} did not appear", uuid, type_path,
                                   dev),
                       dev);
  return {};
}

sriov::Status remove_mdev(sriov::StepContext& ctx, const std::string& uuid) {
  std::string dev = mdev_device(uuid);
  if (!ctx.sysfs().exists(dev)) return {};
  // remove blocks while a VM has the device open: the watchdog turns that into a timeout.
  if (auto ok = ctx.write(dev + "/remove", "1"); !ok) return ok;
  if (!ctx.settle([&] { return !ctx.sysfs().exists(dev); }))
    return sriov::fail(sriov::Errc::kernel,
                       fmt::format("wrote 1 to {}/remove but the device is still there", dev), dev);
  return {};
}

sriov::Status refuse_if_held(sriov::StepContext& ctx, const std::string& uuid) {
  std::string dev = mdev_device(uuid);
  if (auto holders = ctx.holders().of_device(ctx.sysfs(), dev); !holders.empty())
    return tl::unexpected(sriov::held_refusal("remove mdev " + uuid, holders.front(), dev));
  return {};
}

}  // namespace mdev::detail
