// NVIDIA SR-IOV vGPU without mdev (vGPU 17+, Ada/Hopper/Blackwell, kernel 6.8+): the GPU's
// VFs (enabled with sriov-manage -e) stay on the nvidia driver; a vGPU is created by writing
// a type number to a VF's nvidia/current_vgpu_type and removed by writing 0. Each free VF
// lists what it can still take in nvidia/creatable_vgpu_types, which already applies the
// driver's mixing rules (homogeneous unless `nvidia-smi vgpu -shm 1` made it heterogeneous).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "../text.hpp"
#include "sriov/text.hpp"
#include "mdev/handler.hpp"
#include "mdev/parse.hpp"

namespace mdev {

std::vector<CreatableType> parse_creatable_vgpu_types(std::string_view input) {
  std::vector<CreatableType> out;
  for (auto line : text::split_any(input, "\n")) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    auto id = sriov::parse_unsigned(text::trim(line.substr(0, colon)));
    auto name = text::trim(line.substr(colon + 1));
    if (!id || *id == 0 || *id > 0xffffffffu || name.empty()) continue;  // the header line
    out.push_back({static_cast<unsigned>(*id), std::string(name)});
  }
  return out;
}

namespace {

using sriov::join_path;

struct VfState {
  std::string address, path;
  std::vector<CreatableType> creatable;
  unsigned current = 0;
};

std::vector<VfState> read_vfs(const sriov::Sysfs& sysfs, const std::string& pf_path) {
  std::vector<std::pair<unsigned, std::string>> links;
  for (const auto& name : sysfs.list(pf_path)) {
    if (!text::starts_with(name, "virtfn")) continue;
    auto index = sriov::parse_unsigned(std::string_view(name).substr(6));
    if (index) links.emplace_back(static_cast<unsigned>(*index), name);
  }
  std::sort(links.begin(), links.end());
  std::vector<VfState> vfs;
  for (const auto& [index, name] : links) {
    auto path = sysfs.resolve(join_path(pf_path, name));
    if (!path || !sysfs.exists(join_path(*path, "nvidia/current_vgpu_type"))) continue;
    VfState vf;
    vf.path = *path;
    vf.address = std::filesystem::path(*path).filename().string();
    vf.creatable = parse_creatable_vgpu_types(
        sysfs.read_opt(join_path(*path, "nvidia/creatable_vgpu_types")).value_or(""));
    auto current = sysfs.read_int_opt(join_path(*path, "nvidia/current_vgpu_type"));
    vf.current = current && *current > 0 ? static_cast<unsigned>(*current) : 0;
    vfs.push_back(std::move(vf));
  }
  return vfs;
}

Gpu make_gpu(const sriov::Sysfs& sysfs, const PciFunction& pf, std::string_view handler) {
  Gpu gpu;
  gpu.id = pf.address.str();
  gpu.address = pf.address;
  gpu.handler = std::string(handler);
  gpu.backend = Backend::nvidia_vfio;
  gpu.mixing = Mixing::same_type;
  gpu.device_path = pf.path;
  gpu.driver = pf.driver;
  gpu.numa_node = pf.numa_node;
  gpu.vendor_id = pf.vendor_id;
  gpu.device_id = pf.device_id;

  auto vfs = read_vfs(sysfs, pf.path);
  auto total = sysfs.read_int_opt(join_path(pf.path, "sriov_totalvfs")).value_or(0);
  std::map<unsigned, std::string> names;  // every type some VF lists
  std::map<unsigned, unsigned> free_vfs;  // type -> free VFs that list it
  for (const auto& vf : vfs) {
    for (const auto& t : vf.creatable) {
      names.emplace(t.id, t.name);
      if (vf.current == 0) ++free_vfs[t.id];
    }
  }
  std::set<unsigned> running;
  for (const auto& vf : vfs) {
    Slot slot;
    slot.id = vf.address;
    slot.path = vf.path;
    slot.current_type = vf.current;
    if (vf.current == 0)
      for (const auto& t : vf.creatable) slot.offers.push_back({std::to_string(t.id), "", 1u});
    gpu.slots.push_back(std::move(slot));
    if (vf.current == 0) continue;
    running.insert(vf.current);
    VgpuInstance inst;
    inst.id = vf.address;
    inst.slot = vf.address;
    inst.type_id = std::to_string(vf.current);
    auto name = names.find(vf.current);
    inst.type_name = name != names.end() ? name->second : fmt::format("vGPU type {}", vf.current);
    gpu.instances.push_back(std::move(inst));
  }
  for (const auto& [id, name] : names) {
    MdevType raw;
    raw.id = std::to_string(id);
    raw.name = name;
    VgpuType t = generic_type(raw);
    auto parsed = parse_nvidia_type_name(name);
    t.profile_class = parsed.profile_class;
    t.framebuffer = parsed.framebuffer;
    t.available = free_vfs.count(id) ? free_vfs[id] : 0;
    gpu.types.push_back(std::move(t));
  }
  // Offered next to a running type of another kind: the driver is in heterogeneous mode.
  for (const auto& [id, n] : free_vfs)
    if (!running.empty() && n > 0 && !running.count(id)) gpu.mixing = Mixing::any;
  if (running.size() > 1) gpu.mixing = Mixing::any;
  if (gpu.mixing == Mixing::any)
    gpu.notes.push_back(
        "vGPUs of different types run or are offered side by side: the GPU is "
        "in heterogeneous mode");

  if (vfs.empty())
    gpu.notes.push_back(
        fmt::format("no VFs enabled (0 of {}): run 'sriov-manage -e {}' first", total, gpu.id));
  else if (vfs.size() < static_cast<size_t>(total))
    gpu.notes.push_back(
        fmt::format("{} of {} VFs enabled; each VF holds one vGPU", vfs.size(), total));
  return gpu;
}

class NvidiaVfioHandler : public VgpuHandler {
 public:
  std::string_view name() const override { return "nvidia-vfio"; }
  std::string_view summary() const override {
    return "NVIDIA SR-IOV vGPU without mdev (current_vgpu_type)";
  }
  std::vector<Gpu> discover(const sriov::Sysfs& sysfs,
                            const std::vector<PciFunction>& functions) const override {
    std::vector<Gpu> gpus;
    for (const auto& f : functions) {
      if (f.vendor_id != 0x10de || !f.display() || f.driver != "nvidia") continue;
      if (!sysfs.exists(join_path(f.path, "sriov_totalvfs"))) continue;
      if (sysfs.exists(join_path(f.path, "physfn"))) continue;
      gpus.push_back(make_gpu(sysfs, f, name()));
    }
    return gpus;
  }
};

}  // namespace

const VgpuHandler& nvidia_vfio_handler() {
  static const NvidiaVfioHandler handler;
  return handler;
}

}  // namespace mdev
