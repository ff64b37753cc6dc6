#pragma once
// Planners for the VF lifecycle: pure functions of (request, host state) -> Plan or refusal.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sriov/device.hpp"
#include "sriov/error.hpp"
#include "sriov/holders.hpp"
#include "sriov/inventory.hpp"
#include "sriov/link_backend.hpp"
#include "sriov/plan.hpp"

namespace sriov {

// What the planner needs to know about the host besides the PF: its VFs, who holds them
// through VFIO, and which drivers are available.
struct HostView {
  PhysicalFunction pf;
  std::vector<VirtualFunction> vfs;
  std::vector<Holder> holders;           // processes holding any VF's VFIO files (holders.hpp)
  std::vector<std::string> pci_drivers;  // names under /sys/bus/pci/drivers
};

Result<HostView> read_host_view(const Sysfs& sysfs, const PhysicalFunction& pf);

// The VFs a VFIO driver manages (vfio-pci or a variant driver): they may be assigned to VMs.
std::vector<const VirtualFunction*> vfio_vfs(const HostView& host);
// Their drivers for messages: "vfio-pci", "mlx5_vfio_pci", "vfio-pci or mlx5_vfio_pci".
std::string vfio_driver_names(const std::vector<const VirtualFunction*>& vfs);

struct CreateRequest {
  unsigned count = 0;
  bool no_autoprobe = false;
  std::optional<std::string> driver;
  bool force = false;
};

Result<Plan> plan_create(const HostView& host, const CreateRequest& request);
Result<Plan> plan_destroy(const HostView& host, bool force);

// to == nullopt: unbind. Every target must be a PCI VF. holders: processes holding VFIO files
// now (VfioHolders::all()); moving a VF one of them holds off its driver is refused.
Result<Plan> plan_bind(const std::vector<VfTarget>& targets, const std::optional<std::string>& to,
                       const std::vector<std::string>& pci_drivers,
                       const std::vector<Holder>& holders);

std::vector<std::string> list_pci_drivers(const Sysfs& sysfs);

}  // namespace sriov

namespace sriov {

// sriovctl set: the VFs `indexes` of one PF get `config`; current comes from the PF's rtnetlink
// dump. Validates everything before anything is sent; VFs already matching are left out, so a
// repeated command plans nothing.
Result<Plan> plan_set(const PhysicalFunction& pf, const std::vector<unsigned>& indexes,
                      const VfConfig& config, const VfDump& current);
// The checks of plan_set that need no kernel state (values, mac= on a range, PF netdev).
Status check_set_request(const PhysicalFunction& pf, const std::vector<unsigned>& indexes,
                         const VfConfig& config);

}  // namespace sriov

#include "sriov/nic_profile.hpp"

namespace sriov {

struct ProfileRequest {
  bool allow_disruption = false;  // destroying VFs, moving VFs off their driver
};

// One part of a profile's plan (its nics here; other parts from the libraries built on this one)
// before it is judged: the steps, the notes, the problems (file:line:col errors that need the
// host) and the refusals (disruption not allowed, devices held open).
// Each device the part covers (a PF, a GPU) owns a run of its steps, so that status can say
// per device what differs; a device the profile names that the host lacks now carries why
// (the host may be resetting it: watch waits for it, status reports it, apply fails on it).
struct CoveredDevice {
  std::string kind;  // "pf", "gpu"
  std::string name;  // its label, or the profile's words for it when absent
  size_t first = 0, count = 0;  // its steps: plan.steps[first, first + count)
  unsigned wanted = 0, present = 0;   // VFs (a PF), vGPU instances (a GPU)
  std::optional<std::string> absent;  // file:line:col message when the host lacks it
};

struct ProfileDraft {
  Plan plan;
  std::vector<std::string> problems, refusals;
  std::vector<CoveredDevice> devices;
};

// What a profile's nics are planned from, read once (under the host lock for apply): every
// SR-IOV PF, and for each PF an entry selects its VFs, their drivers and VFIO access, who
// holds them (one /proc scan for all), and their VF settings over rtnetlink.
struct NicSnapshot {
  std::vector<PhysicalFunction> pfs;     // every SR-IOV PF (the inventory's)
  // An entry's pf: as written -> the PF it names, or why it names none.
  std::map<std::string, Result<PhysicalFunction>> named;
  std::map<std::string, HostView> views;  // PF id -> its VFs and holders (selected PFs)
  // PF id -> its VF settings, read when an entry sets some on a PF that has VFs and a link
  // backend was given (absent: compared when the steps run); the error if the read failed.
  std::map<std::string, Result<VfDump>> settings;
  std::vector<std::string> pci_drivers;  // names under /sys/bus/pci/drivers
};

// link: reads the VF settings (nullptr: none are read; the steps compare when they run).
Result<NicSnapshot> read_nic_snapshot(const Sysfs& sysfs, const Inventory& inventory,
                                      const std::vector<NicEntry>& nics, LinkBackend* link);

// The PFs a profile entry selects (by pf:, or by match: among every SR-IOV PF), or the
// file:line:col problem why none.
Result<std::vector<PhysicalFunction>> select_pfs(const NicSnapshot& host, const NicEntry& nic);

// The nics part, a pure function of (profile, snapshot): the steps that make the host's PFs
// match the profile, grouped by PF in profile order: VF count and autoprobe, then VF
// settings (before any driver sees the VF), then drivers. Problems that need the host
// (unknown PF, num-vfs above sriov_totalvfs, missing driver, one PF in two entries) are
// file:line:col errors; disruptive steps without allow_disruption are refused.
ProfileDraft draft_nics_plan(const NicSnapshot& host, const std::vector<NicEntry>& nics,
                             const ProfileRequest& request);

// Joins the parts, in order, into one plan: absent devices and problems first (Errc::invalid_input, every one of
// every part), else refusals (Errc::refused, every one), else the steps of all parts with the
// summary "apply <files>".
Result<Plan> finish_profile_plan(std::vector<ProfileDraft> parts,
                                 const std::vector<std::string>& files);

// draft_nics_plan + finish_profile_plan: the plan of a profile's nics alone.
Result<Plan> plan_profile(const NicSnapshot& host, const std::vector<NicEntry>& nics,
                          const std::vector<std::string>& files, const ProfileRequest& request);

// Whether a profile entry's match (vendor-id, device-id, driver) selects this PF.
bool matches(const PfSelector& selector, const PhysicalFunction& pf);

}  // namespace sriov
