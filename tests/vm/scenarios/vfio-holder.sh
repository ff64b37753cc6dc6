#!/bin/sh
# A process holding a VF's /dev/vfio/<group> open blocks destroy (even --force), a forced
# re-create and an unbind, in the dry run as in the real run; the refusal names the holder's
# pid and comm; killing it unblocks. The VF's vfio-dev entry (what the rule reads) is there.
# topology: nvme:4
# requires: sriovctl
# timeout: 120
. "${RIG_LIB:-/host/lib.sh}"

set -- $(nvme_pfs)
[ $# -ge 1 ] || die "no SR-IOV nvme PF"
PF=$1

expect_exit 0 sriovctl create "$PF" 4 --no-autoprobe
assert_eq 4 "$(numvfs "$PF")" "4 VFs"
VF1=$(vf_addr "$PF" 1)
expect_exit 0 sriovctl bind "$VF1" --driver vfio-pci
assert_eq vfio-pci "$(vf_driver "$PF" 1)" "VF1 on vfio-pci"
G=$(vf_group "$PF" 1)
[ -n "$G" ] && [ -c "/dev/vfio/$G" ] || die "/dev/vfio/$G missing for VF1"
# The kernel record the in-use rule reads to tell a VFIO device (any VFIO driver, variant
# drivers included): vfio-dev/vfioN under the device (6.1+), listed in /sys/class/vfio-dev.
N=$(ls "/sys/bus/pci/devices/$VF1/vfio-dev" 2>/dev/null)
assert_eq "vfio-dev/$N" "$(cd /sys/class/vfio-dev && ls -d vfio* | while read d; do \
  [ "$(readlink -f "$d")" = "$(readlink -f "/sys/bus/pci/devices/$VF1/vfio-dev/$N")" ] && echo "vfio-dev/$d"; done)" \
  "VF1 on vfio-pci has its vfio-dev entry ($N)"
assert_eq "" "$(ls "/sys/bus/pci/devices/$(vf_addr "$PF" 0)/vfio-dev" 2>/dev/null)" "VF0 (no driver): none"

log "--- vfio-pci VFs without --force: refused"
before=$(sriov_state "$PF")
expect_exit 3 sriovctl destroy "$PF"
assert_eq "$before" "$(sriov_state "$PF")" "state unchanged"

log "--- hold /dev/vfio/$G open from a background process"
hold "/dev/vfio/$G"
COMM=$(cat "/proc/$HOLDER/comm")
assert_eq "$HOLDER:$COMM" "$(holders "/dev/vfio/$G")" "/proc shows the holder"

expect_exit 3 sriovctl destroy "$PF" --force
assert_grep "$HOLDER" "$ERR" "refusal names the holder pid $HOLDER"
assert_grep "$COMM" "$ERR" "refusal names the holder comm $COMM"
assert_eq "$before" "$(sriov_state "$PF")" "state unchanged (numvfs, drivers)"
expect_exit 3 sriovctl create "$PF" 2 --force --no-autoprobe
assert_grep "$HOLDER" "$ERR" "create --force refusal names pid $HOLDER"
assert_eq "$before" "$(sriov_state "$PF")" "state unchanged after create --force"
expect_exit 3 sriovctl unbind "$VF1" --dry-run
assert_grep "off vfio-pci: pid $HOLDER \\($COMM\\) holds /dev/vfio/$G" "$ERR" "dry-run unbind refused, holder named"
expect_exit 3 sriovctl unbind "$VF1"
assert_grep "off vfio-pci: pid $HOLDER \\($COMM\\) holds /dev/vfio/$G" "$ERR" "unbind refused, holder named"
assert_eq vfio-pci "$(vf_driver "$PF" 1)" "VF1 still on vfio-pci"

log "--- list --tree draws the holder under VF 1, read from the kernel"
expect_exit 0 sriovctl list --tree
assert_grep "VF 1 +$VF1 vfio-pci, group $G\$" "$OUT" "the tree has VF 1 on vfio-pci in group $G"
grep -A1 "VF 1 *$VF1 " "$OUT" > /tmp/tree.vf1
assert_grep "held by pid $HOLDER \\($COMM\\)\$" /tmp/tree.vf1 "the holder is drawn under VF 1"

log "--- release the holder"
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null
assert_eq "" "$(holders "/dev/vfio/$G")" "no holder left"
expect_exit 3 sriovctl destroy "$PF"
assert_eq 4 "$(numvfs "$PF")" "still 4 VFs (vfio-pci, no --force)"
expect_exit 0 sriovctl destroy "$PF" --force
assert_eq 0 "$(numvfs "$PF")" "VFs destroyed"
assert_missing "/dev/vfio/$G" "/dev/vfio/$G gone"
