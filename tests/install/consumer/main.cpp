// Uses one value type of each installed library.
#include <iostream>

#include "mdev/size.hpp"
#include "mdev/uuid.hpp"
#include "sriov/pci_address.hpp"
#include "sriov/plan.hpp"

int main() {
  auto vf = sriov::PciAddress::parse("3b:02.1");
  auto uuid = mdev::Uuid::parse("C0FFEE00-7A3E-4D2B-9A51-2F6F3C3D1E01");
  auto size = mdev::parse_size("1024M");
  sriov::Plan plan;
  plan.steps.push_back(sriov::SetAutoprobe{"pf", "/sys/x", true, false});
  if (!vf || !uuid || !size || plan.steps[0].writes().size() != 1) return 1;
  std::cout << vf->str() << " " << uuid->str() << " " << mdev::format_size(*size) << "\n";
  return 0;
}
