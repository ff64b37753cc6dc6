#!/bin/sh
# A create --force that fails after going through 0 is undone with the old VFs' drivers back;
# autoprobe follows the command (0 with --no-autoprobe, back to 1 without it).
# topology: nvme:8
# requires: sriovctl
# timeout: 180
. "${RIG_LIB:-/host/lib.sh}"

PF=$(nvme_pfs | head -1)
[ -n "$PF" ] || die "no nvme PF"
D=$(pf_dir "$PF")
expect_exit 0 sriovctl create "$PF" 4 --no-autoprobe --driver vfio-pci
assert_file 0 "$D/sriov_drivers_autoprobe" "autoprobe 0 with --no-autoprobe"
for i in 0 1 2 3; do assert_eq vfio-pci "$(vf_driver "$PF" $i)" "VF $i on vfio-pci"; done
BEFORE=$(sriov_state "$PF")
log "before: $BEFORE"
# virtio-pci refuses to probe an nvme VF (not a virtio device): the bind step fails after
# the count went 4 -> 0 -> 6, and everything must come back as it was.
expect_exit "1" sriovctl create "$PF" 6 --force --no-autoprobe --driver virtio-pci
assert_grep 'Undone: ' "$ERR" "error says what was undone"
assert_eq "$BEFORE" "$(sriov_state "$PF")" "4 VFs back, each on vfio-pci again"

log "--- autoprobe back to 1 when a plain create makes VFs"
expect_exit 0 sriovctl destroy "$PF" --force
expect_exit 0 sriovctl create "$PF" 2
assert_file 1 "$D/sriov_drivers_autoprobe" "autoprobe 1 without --no-autoprobe"
expect_exit 0 sriovctl destroy "$PF"
