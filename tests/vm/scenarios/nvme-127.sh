#!/bin/sh
# 127 VFs (QEMU's maximum) on one nvme PF: create, bind all to vfio-pci with one VFSPEC,
# check every driver link and /dev/vfio/<group>, unbind all, destroy.
# topology: nvme:127
# requires: sriovctl
# timeout: 240
. "${RIG_LIB:-/host/lib.sh}"

set -- $(nvme_pfs)
[ $# = 1 ] || die "expected 1 SR-IOV nvme PF, found $#"
PF=$1
assert_file 127 "$(pf_dir "$PF")/sriov_totalvfs" "sriov_totalvfs"

expect_exit 0 sriovctl create "$PF" 127 --no-autoprobe
assert_eq 127 "$(numvfs "$PF")" "sriov_numvfs readback"
assert_eq 127 "$(virtfn_count "$PF")" "virtfn links"
assert_eq 127 "$(bus_vf_count "$PF")" "VFs on the PCI bus"

# Walks the 127 VFs once (every fork counts under TCG) and sets
#   ON = VFs whose driver link names $1 ("none": no driver link)
#   DEVS = VFs whose /dev/vfio/<group> character device exists
#   NGROUPS = distinct IOMMU groups among the VFs
walk_vfs() {
  local i=0 g
  ON=0; DEVS=0; VF_GROUPS=
  while [ $i -lt 127 ]; do
    [ "$(vf_driver "$PF" $i)" = "$1" ] && ON=$((ON + 1))
    g=$(vf_group "$PF" $i)
    [ -n "$g" ] && [ -c "/dev/vfio/$g" ] && DEVS=$((DEVS + 1))
    VF_GROUPS="$VF_GROUPS $g"
    i=$((i + 1))
  done
  NGROUPS=$(echo $VF_GROUPS | tr ' ' '\n' | sort -u | wc -l)
}

expect_exit 0 sriovctl bind "$PF#0-126" --driver vfio-pci
walk_vfs vfio-pci
assert_eq 127 "$ON" "VFs whose driver link is vfio-pci"
assert_eq 127 "$DEVS" "VFs with a /dev/vfio/<group> character device"
assert_eq 127 "$NGROUPS" "distinct IOMMU groups"

expect_exit 0 sriovctl unbind "$PF#0-126"
walk_vfs none
assert_eq 127 "$ON" "VFs with no driver link after unbind"
assert_eq 0 "$DEVS" "no /dev/vfio/<group> left for the VFs"

expect_exit 0 sriovctl destroy "$PF"
assert_eq 0 "$(numvfs "$PF")" "sriov_numvfs = 0"
assert_eq 0 "$(bus_vf_count "$PF")" "no VFs on the bus"
