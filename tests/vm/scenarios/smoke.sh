#!/bin/sh
# Proves the rig itself with raw sysfs writes only (no project binary needed): an SR-IOV nvme
# PF, VFs with virtfn/physfn links and their own IOMMU groups, vfio-pci binding, iproute2
# showing netdevsim VFs, the 9p share.
# topology: nvme:4
# modules: netdevsim
# timeout: 60
. "${RIG_LIB:-/host/lib.sh}"

set -- $(nvme_pfs)
assert_eq 1 "$#" "one SR-IOV nvme PF"
PF=$1
D=$(pf_dir "$PF")
assert_file 4 "$D/sriov_totalvfs" "sriov_totalvfs = topology"
assert_file 0 "$D/sriov_numvfs" "no VFs at boot"
assert_eq nvme "$(basename "$(readlink "$D/driver")")" "PF bound to nvme"

echo 0 > "$D/sriov_drivers_autoprobe"
echo 4 > "$D/sriov_numvfs"
assert_file 4 "$D/sriov_numvfs" "numvfs readback"
assert_eq 4 "$(virtfn_count "$PF")" "virtfn links"
assert_eq 4 "$(bus_vf_count "$PF")" "VFs on the bus"
assert_eq none "$(vf_driver "$PF" 0)" "autoprobe off: VF0 unbound"

# numvfs nonzero -> different nonzero is EBUSY in the kernel
if echo 2 > "$D/sriov_numvfs" 2>/dev/null; then fail "4 -> 2 accepted"; else log "4 -> 2 refused (EBUSY) as expected"; fi
assert_file 4 "$D/sriov_numvfs" "numvfs unchanged after EBUSY"

VF=$(vf_addr "$PF" 0)
G=$(vf_group "$PF" 0)
assert_ne "$G" "$(basename "$(readlink "$D/iommu_group")")" "VF0 has its own IOMMU group"
echo vfio-pci > "/sys/bus/pci/devices/$VF/driver_override"
echo "$VF" > /sys/bus/pci/drivers_probe
assert_eq vfio-pci "$(vf_driver "$PF" 0)" "VF0 on vfio-pci"
assert_exists "/dev/vfio/$G" "/dev/vfio/<group> of VF0"

expect_exit 0 /usr/bin/ip -V
expect_exit 0 /usr/bin/ip -d link show lo

echo 0 > "$D/sriov_numvfs"
assert_file 0 "$D/sriov_numvfs" "VFs destroyed"
assert_missing "$D/virtfn0" "virtfn0 gone"
assert_missing "/dev/vfio/$G" "/dev/vfio/<group> gone"
echo 1 > "$D/sriov_drivers_autoprobe"

# netdevsim VFs through raw sysfs, seen by iproute2 (the check the netdevsim scenario relies on)
echo "3 1" > /sys/bus/netdevsim/new_device
n=0; while ! ls /sys/bus/netdevsim/devices/netdevsim3/net/* >/dev/null 2>&1; do
  n=$((n + 1)); [ $n -lt 50 ] || die "no netdev for netdevsim3"; sleep 0.1; done
IF=$(ls /sys/bus/netdevsim/devices/netdevsim3/net)
echo 3 > /sys/bus/netdevsim/devices/netdevsim3/sriov_numvfs
expect_exit 0 /usr/bin/ip -d link show "$IF"
assert_eq 3 "$(grep -cE '^[[:space:]]+vf [0-9]+' "$OUT")" "ip -d link show lists 3 VFs of $IF"
echo 0 > /sys/bus/netdevsim/devices/netdevsim3/sriov_numvfs
echo 3 > /sys/bus/netdevsim/del_device
