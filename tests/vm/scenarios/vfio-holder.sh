#!/bin/sh
# A process holding a VF's /dev/vfio/<group> open blocks destroy (even --force) and a
# forced re-create; the refusal names the holder's pid and comm; killing it unblocks.
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

log "--- vfio-pci VFs without --force: refused"
before=$(sriov_state "$PF")
expect_exit 3 sriovctl destroy "$PF"
assert_eq "$before" "$(sriov_state "$PF")" "state unchanged"

log "--- hold /dev/vfio/$G open from a background process"
sleep 1000 3<>"/dev/vfio/$G" &
HOLDER=$!
n=0
until holders "/dev/vfio/$G" | grep -q "^$HOLDER:"; do
  n=$((n + 1)); [ $n -lt 50 ] || break; sleep 0.1
done
COMM=$(cat "/proc/$HOLDER/comm")
assert_eq "$HOLDER:$COMM" "$(holders "/dev/vfio/$G")" "/proc shows the holder"

expect_exit 3 sriovctl destroy "$PF" --force
assert_grep "$HOLDER" "$ERR" "refusal names the holder pid $HOLDER"
assert_grep "$COMM" "$ERR" "refusal names the holder comm $COMM"
assert_eq "$before" "$(sriov_state "$PF")" "state unchanged (numvfs, drivers)"
expect_exit 3 sriovctl create "$PF" 2 --force --no-autoprobe
assert_grep "$HOLDER" "$ERR" "create --force refusal names pid $HOLDER"
assert_eq "$before" "$(sriov_state "$PF")" "state unchanged after create --force"

log "--- release the holder"
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null
assert_eq "" "$(holders "/dev/vfio/$G")" "no holder left"
expect_exit 3 sriovctl destroy "$PF"
assert_eq 4 "$(numvfs "$PF")" "still 4 VFs (vfio-pci, no --force)"
expect_exit 0 sriovctl destroy "$PF" --force
assert_eq 0 "$(numvfs "$PF")" "VFs destroyed"
assert_missing "/dev/vfio/$G" "/dev/vfio/$G gone"
