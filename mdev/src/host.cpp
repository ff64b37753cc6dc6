// Reads the host into the vendor-neutral model: mdev parents through the handler that claims
// them, grouped by physical GPU; then GPUs that handlers find without mdev.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "mdev/handler.hpp"
#include "sriov/inventory.hpp"

namespace mdev {

using sriov::join_path;

std::string_view backend_name(Backend backend) {
  switch (backend) {
    case Backend::mdev:
      return "mdev";
    case Backend::nvidia_vfio:
      return "nvidia-vfio";
    case Backend::listing:
      return "listing";
  }
  return "mdev";
}

std::string_view mixing_name(Mixing mixing) { return mixing == Mixing::any ? "any" : "same-type"; }

std::string label(const VgpuType& t) {
  return t.name == t.id ? t.id : fmt::format("{} ({})", t.name, t.id);
}

const TypeOffer* Slot::find_offer(std::string_view type_id) const {
  for (const auto& o : offers)
    if (o.type_id == type_id) return &o;
  return nullptr;
}

const VgpuType* Gpu::find_type(std::string_view id_or_name) const {
  for (const auto& t : types)
    if (t.id == id_or_name) return &t;
  for (const auto& t : types)
    if (t.name == id_or_name) return &t;
  return nullptr;
}

const Slot* Gpu::find_slot(std::string_view slot_id) const {
  for (const auto& s : slots)
    if (s.id == slot_id) return &s;
  return nullptr;
}

const Gpu* VgpuHost::find_gpu(std::string_view gpu_id) const {
  for (const auto& g : gpus)
    if (g.id == gpu_id) return &g;
  return nullptr;
}

std::pair<const Gpu*, const VgpuInstance*> VgpuHost::find_instance(std::string_view id) const {
  for (const auto& g : gpus)
    for (const auto& i : g.instances)
      if (i.id == id) return {&g, &i};
  return {nullptr, nullptr};
}

namespace {

int class_rank(const std::optional<char>& c) {
  if (!c) return 4;
  switch (*c) {
    case 'Q':
      return 0;
    case 'B':
      return 1;
    case 'A':
      return 2;
    case 'C':
      return 3;
  }
  return 4;
}

}  // namespace

void sort_types(std::vector<VgpuType>& types) {
  std::stable_sort(types.begin(), types.end(), [](const VgpuType& a, const VgpuType& b) {
    auto fa = a.framebuffer.value_or(UINT64_MAX), fb = b.framebuffer.value_or(UINT64_MAX);
    if (fa != fb) return fa < fb;
    if (class_rank(a.profile_class) != class_rank(b.profile_class))
      return class_rank(a.profile_class) < class_rank(b.profile_class);
    return a.name < b.name;
  });
}

namespace {

std::optional<uint16_t> read_hex16(const sriov::Sysfs& sysfs, const std::string& path) {
  auto v = sysfs.read_int_opt(path, 16);
  if (!v || *v < 0 || *v > 0xffff) return std::nullopt;
  return static_cast<uint16_t>(*v);
}


const VgpuHandler& handler_for(const MdevParent& parent) {
  for (const auto* h : handlers())
    if (h->claims(parent)) return *h;
  return generic_mdev_handler();
}

// The GPU an mdev parent belongs to: its PF when it is a VF, else itself.
Gpu new_mdev_gpu(const sriov::Sysfs& sysfs, const MdevParent& parent, const VgpuHandler& h) {
  Gpu gpu;
  gpu.handler = std::string(h.name());
  gpu.backend = Backend::mdev;
  gpu.mixing = h.mixing();
  if (parent.physfn) {
    gpu.id = *parent.physfn;
    auto pf = join_path("/sys/bus/pci/devices", *parent.physfn);
    gpu.device_path = sysfs.resolve(pf).value_or(pf);
    gpu.driver = sysfs.link_name(join_path(gpu.device_path, "driver"));
    if (auto a = sriov::PciAddress::parse(gpu.id)) gpu.address = *a;
    gpu.vendor_id = read_hex16(sysfs, join_path(gpu.device_path, "vendor"));
    gpu.device_id = read_hex16(sysfs, join_path(gpu.device_path, "device"));
  } else {
    gpu.id = parent.name;
    gpu.device_path = parent.device_path;
    gpu.driver = parent.driver;
    gpu.address = parent.address;
    gpu.vendor_id = parent.vendor_id;
    gpu.device_id = parent.device_id;
  }
  gpu.numa_node = parent.numa_node;
  return gpu;
}

void add_types(Gpu& gpu, const MdevParent& parent, const VgpuHandler& h) {
  Slot slot;
  slot.id = parent.name;
  slot.path = parent.device_path;
  for (const auto& raw : parent.types) {
    slot.offers.push_back({raw.id, raw.path, raw.available});
    auto it = std::find_if(gpu.types.begin(), gpu.types.end(),
                           [&](const VgpuType& t) { return t.id == raw.id; });
    if (it == gpu.types.end()) {
      gpu.types.push_back(h.map_type(raw));
    } else if (it->available && raw.available) {
      *it->available += *raw.available;  // same type on another VF of the GPU
    } else {
      it->available.reset();
    }
  }
  gpu.slots.push_back(std::move(slot));
}

void add_instances(VgpuHost& host, const std::vector<MdevDevice>& devices) {
  for (const auto& dev : devices) {
    Gpu* owner = nullptr;
    for (auto& g : host.gpus)
      if (g.backend == Backend::mdev && dev.parent && g.find_slot(*dev.parent)) owner = &g;
    if (!owner) {
      host.stray.push_back(dev);
      continue;
    }
    VgpuInstance inst;
    inst.id = dev.uuid;
    inst.slot = *dev.parent;
    inst.type_id = dev.type_id.value_or("");
    inst.type_path = dev.type_path.value_or("");
    const auto* t = owner->find_type(inst.type_id);
    inst.type_name = t ? t->name : inst.type_id;
    owner->instances.push_back(std::move(inst));
  }
}

void note_mixing(Gpu& gpu) {
  std::set<std::string> running;
  for (const auto& i : gpu.instances) running.insert(i.type_id);
  if (gpu.mixing == Mixing::same_type && running.size() > 1) {
    gpu.mixing = Mixing::any;
    gpu.notes.push_back("instances of different types run here: the GPU is in heterogeneous mode");
  }
}

}  // namespace

std::string instance_device(const Gpu& gpu, const VgpuInstance& inst) {
  switch (gpu.backend) {
    case Backend::mdev:
      return sriov::join_path(kMdevDevices, inst.id);
    case Backend::nvidia_vfio:
      if (const Slot* s = gpu.find_slot(inst.slot)) return s->path;
      break;
    case Backend::listing:
      break;
  }
  return {};
}

namespace {

void read_holders(const sriov::Sysfs& sysfs, VgpuHost& host) {
  bool any = std::any_of(host.gpus.begin(), host.gpus.end(),
                         [](const Gpu& g) { return !g.instances.empty(); });
  if (!any) return;
  auto holders = sriov::VfioHolders::scan(sysfs);
  if (holders.empty()) return;
  for (auto& g : host.gpus)
    for (auto& inst : g.instances)
      if (auto dev = instance_device(g, inst); !dev.empty())
        inst.holders = holders.of_device(sysfs, dev);
}

}  // namespace

sriov::Result<VgpuHost> scan_vgpu_host(const sriov::Sysfs& sysfs) {
  VgpuHost host;
  std::set<std::string> taken;  // PCI addresses already part of an mdev GPU
  for (const auto& parent : read_mdev_parents(sysfs)) {
    const auto& h = handler_for(parent);
    Gpu fresh = new_mdev_gpu(sysfs, parent, h);
    auto it = std::find_if(host.gpus.begin(), host.gpus.end(),
                           [&](const Gpu& g) { return g.id == fresh.id; });
    if (it == host.gpus.end()) {
      host.gpus.push_back(std::move(fresh));
      it = host.gpus.end() - 1;
    }
    add_types(*it, parent, h);
    taken.insert(it->id);
    taken.insert(parent.name);
  }
  add_instances(host, read_mdev_devices(sysfs));

  auto functions = sriov::read_pci_functions(sysfs);
  if (!functions) return tl::unexpected(functions.error());
  std::erase_if(*functions, [&](const PciFunction& f) { return taken.count(f.address.str()); });
  for (const auto* h : handlers())
    for (auto& gpu : h->discover(sysfs, *functions)) host.gpus.push_back(std::move(gpu));

  for (auto& gpu : host.gpus) {
    sort_types(gpu.types);
    note_mixing(gpu);
  }
  std::sort(host.gpus.begin(), host.gpus.end(),
            [](const Gpu& a, const Gpu& b) { return a.id < b.id; });
  read_holders(sysfs, host);
  return host;
}

sriov::Result<Target> find_target(const VgpuHost& host, std::string_view spec) {
  std::string id(spec);
  if (sriov::PciAddress::looks_like(spec)) {
    auto address = sriov::PciAddress::parse(spec);
    if (!address) return tl::unexpected(address.error());
    id = address->str();
  }
  for (const auto& g : host.gpus) {
    if (g.id == id) return Target{&g, nullptr};
    if (const auto* s = g.find_slot(id)) {
      // A GPU that is its own only slot is the GPU.
      if (g.slots.size() == 1 && g.id == s->id) return Target{&g, nullptr};
      return Target{&g, s};
    }
  }
  std::string known;
  for (const auto& g : host.gpus) known += (known.empty() ? "" : ", ") + g.id;
  return sriov::fail(sriov::Errc::not_found,
                     fmt::format("no vGPU-capable GPU or mdev parent '{}' ({}; see 'vgpuctl list')",
                                 id, known.empty() ? "this host has none" : "known: " + known));
}

}  // namespace mdev
