#include "pci_scan.hpp"

#include <algorithm>
#include <csetjmp>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

extern "C" {
#include <pci/pci.h>
}

namespace sriov::detail {
namespace {

// libpci reports fatal errors through a noreturn callback whose default prints and calls
// exit(). Ours records the message and longjmps back to the scan; only trivially
// destructible objects live between setjmp and the libpci calls, so nothing leaks past it.
thread_local std::jmp_buf* t_error_jump = nullptr;
thread_local char t_error_message[512];

__attribute__((noreturn)) void on_pci_error(char* msg, ...) {
  va_list args;
  va_start(args, msg);
  std::vsnprintf(t_error_message, sizeof t_error_message, msg, args);
  va_end(args);
  if (t_error_jump) std::longjmp(*t_error_jump, 1);
  std::abort();  // unreachable: every libpci call below runs under a jump buffer
}

void on_pci_warning(char*, ...) {}  // warnings (e.g. a missing config file) are not fatal
void on_pci_debug(char*, ...) {}

// A tree that is not the live host names its devices from its own pci.ids when it has one,
// so the same tree gives the same names on every machine.
std::string names_file(const Sysfs& sysfs) {
  if (!sysfs.live()) {
    for (const char* p : {"/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"})
      if (sysfs.exists(p)) return sysfs.real(p).value().string();
  }
  return {};
}

pci_access* open_access(const Sysfs& sysfs, std::string& ids_path, std::string& bus_path) {
  pci_access* a = pci_alloc();
  a->error = on_pci_error;
  a->warning = on_pci_warning;
  a->debug = on_pci_debug;
  a->method = PCI_ACCESS_SYS_BUS_PCI;
  bus_path = sysfs.real("/sys/bus/pci").value_or(sysfs.root() / "sys/bus/pci").string();
  pci_set_param(a, const_cast<char*>("sysfs.path"), bus_path.data());
  ids_path = names_file(sysfs);
  if (!ids_path.empty()) pci_set_name_list_path(a, ids_path.data(), 0);
  return a;
}

std::string lookup(pci_access* a, bool live, int flags, uint16_t vendor, uint16_t device) {
  char buf[256];
  if (!live) flags |= PCI_LOOKUP_NO_HWDB;  // the host's udev database does not describe a tree
  const char* name = pci_lookup_name(a, buf, sizeof buf, flags | PCI_LOOKUP_NO_NUMBERS, vendor,
                                     device);
  return name ? std::string(name) : std::string();
}

}  // namespace

Result<std::vector<PciDeviceInfo>> scan_pci(const Sysfs& sysfs, bool with_names) {
  if (!sysfs.is_dir("/sys/bus/pci/devices")) return std::vector<PciDeviceInfo>{};
  std::string ids_path, bus_path;
  std::vector<PciDeviceInfo> out;
  pci_access* a = open_access(sysfs, ids_path, bus_path);
  std::jmp_buf jump;
  t_error_jump = &jump;
  if (setjmp(jump) != 0) {
    t_error_jump = nullptr;
    std::string msg = t_error_message;
    pci_cleanup(a);
    return fail(Errc::io, fmt::format("libpci could not scan {}: {}", "/sys/bus/pci", msg),
                "/sys/bus/pci");
  }
  pci_init(a);
  pci_scan_bus(a);
  for (pci_dev* d = a->devices; d; d = d->next) {
    pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS);
    PciDeviceInfo info;
    info.address.domain = static_cast<uint32_t>(d->domain);
    info.address.bus = d->bus;
    info.address.device = d->dev;
    info.address.function = d->func;
    info.vendor_id = d->vendor_id;
    info.device_id = d->device_id;
    info.device_class = d->device_class;
    if (!with_names) {
      out.push_back(std::move(info));
      continue;
    }
    // Ids missing from pci.ids read like lspci's "Device 26b9".
    info.vendor_name = lookup(a, sysfs.live(), PCI_LOOKUP_VENDOR, d->vendor_id, 0);
    if (info.vendor_name.empty()) info.vendor_name = fmt::format("Vendor {:04x}", d->vendor_id);
    info.device_name = lookup(a, sysfs.live(), PCI_LOOKUP_DEVICE, d->vendor_id, d->device_id);
    if (info.device_name.empty()) info.device_name = fmt::format("Device {:04x}", d->device_id);
    out.push_back(std::move(info));
  }
  t_error_jump = nullptr;
  pci_cleanup(a);
  std::sort(out.begin(), out.end(),
            [](const auto& x, const auto& y) { return x.address < y.address; });
  return out;
}

std::string pci_device_name(const Sysfs& sysfs, uint16_t vendor, uint16_t device) {
  std::string ids_path, bus_path;
  pci_access* a = open_access(sysfs, ids_path, bus_path);
  std::jmp_buf jump;
  t_error_jump = &jump;
  std::string name;
  if (setjmp(jump) == 0) name = lookup(a, sysfs.live(), PCI_LOOKUP_DEVICE, vendor, device);
  t_error_jump = nullptr;
  pci_cleanup(a);
  return name;
}

}  // namespace sriov::detail
