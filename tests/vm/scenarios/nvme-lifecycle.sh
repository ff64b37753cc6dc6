#!/bin/sh
# sriovctl create/destroy on two real nvme PFs (sriov_max_vfs 8): readback, links, bus,
# the nonzero->nonzero safety rule, --force, --dry-run, no-op creates, ERANGE, bad input.
# topology: nvme:8 nvme:8
# requires: sriovctl
# timeout: 150
. "${RIG_LIB:-/host/lib.sh}"

set -- $(nvme_pfs)
[ $# = 2 ] || die "expected 2 SR-IOV nvme PFs, found $#: $*"
PF1=$1                      # used by full address
PF2=${2#0000:}              # used by short address (BB:DD.F)
D1=$(pf_dir "$PF1"); D2=$(pf_dir "$PF2")
assert_file 8 "$D1/sriov_totalvfs" "PF1 sriov_totalvfs"
assert_file 8 "$D2/sriov_totalvfs" "PF2 sriov_totalvfs"

log "--- list/show see both PFs"
expect_exit 0 sriovctl list
assert_grep "$PF1" "$OUT" "list names PF1"
assert_grep "${2}" "$OUT" "list names PF2"

log "--- create 8 VFs on each PF, autoprobe off"
for pf in "$PF1" "$PF2"; do
  expect_exit 0 sriovctl create "$pf" 8 --no-autoprobe
  assert_eq 8 "$(numvfs "$pf")" "$pf sriov_numvfs readback"
  assert_eq 8 "$(virtfn_count "$pf")" "$pf virtfn links"
  assert_eq 8 "$(bus_vf_count "$pf")" "$pf VFs on the PCI bus (physfn)"
  i=0; unbound=0
  while [ $i -lt 8 ]; do [ "$(vf_driver "$pf" $i)" = none ] && unbound=$((unbound + 1)); i=$((i + 1)); done
  assert_eq 8 "$unbound" "$pf --no-autoprobe: no VF bound to a driver"
done
expect_exit 0 sriovctl show "$PF1"
assert_grep "$(vf_addr "$PF1" 7)" "$OUT" "show lists VF7 of PF1"

log "--- create with the same count is a no-op (VFs not re-created)"
VF0=$(vf_addr "$PF1" 0)
echo sriovvm-marker > "/sys/bus/pci/devices/$VF0/driver_override"
expect_exit 0 sriovctl create "$PF1" 8 --no-autoprobe
assert_file sriovvm-marker "/sys/bus/pci/devices/$VF0/driver_override" "VF0 kept its driver_override (same pci_dev)"
echo > "/sys/bus/pci/devices/$VF0/driver_override"

log "--- nonzero -> different nonzero without --force: refused, nothing changed"
before=$(sriov_state "$PF1")
expect_exit 3 sriovctl create "$PF1" 4 --no-autoprobe
assert_grep '^sriovctl: error: ' "$ERR" "one-line error on stderr"
assert_eq "$before" "$(sriov_state "$PF1")" "PF1 state unchanged after refusal"

log "--- --dry-run writes nothing"
expect_exit 0 sriovctl create "$PF1" 4 --no-autoprobe --force --dry-run
assert_grep 'sriov_numvfs' "$OUT" "plan names the sriov_numvfs writes"
assert_eq "$before" "$(sriov_state "$PF1")" "PF1 state unchanged after create --dry-run"
expect_exit 0 sriovctl destroy "$PF1" --dry-run
assert_eq "$before" "$(sriov_state "$PF1")" "PF1 state unchanged after destroy --dry-run"

log "--- --force goes through 0"
expect_exit 0 sriovctl create "$PF1" 4 --no-autoprobe --force
assert_eq 4 "$(numvfs "$PF1")" "PF1 sriov_numvfs = 4"
assert_eq 4 "$(virtfn_count "$PF1")" "PF1 virtfn links = 4"
assert_missing "$D1/virtfn4" "PF1 virtfn4 gone"
assert_eq 4 "$(bus_vf_count "$PF1")" "PF1 VFs on the bus = 4"
assert_eq 8 "$(numvfs "$PF2")" "PF2 untouched"

log "--- destroy"
expect_exit 0 sriovctl destroy "$PF1"
assert_eq 0 "$(numvfs "$PF1")" "PF1 sriov_numvfs = 0"
assert_eq 0 "$(virtfn_count "$PF1")" "PF1 no virtfn links"
assert_eq 0 "$(bus_vf_count "$PF1")" "PF1 no VFs on the bus"
expect_exit 0 sriovctl destroy "$PF2"
assert_eq 0 "$(numvfs "$PF2")" "PF2 sriov_numvfs = 0"
assert_eq 0 "$(bus_vf_count "$PF2")" "PF2 no VFs on the bus"
expect_exit 0 sriovctl destroy "$PF2"
assert_eq 0 "$(numvfs "$PF2")" "destroy with no VFs is a no-op"

log "--- above sriov_totalvfs (kernel: ERANGE): refused, clear message, nothing changed"
before=$(sriov_state "$PF1")
expect_exit "2|3" sriovctl create "$PF1" 9 --no-autoprobe
assert_grep '^sriovctl: error: .*8' "$ERR" "error names the limit 8"
assert_eq "$before" "$(sriov_state "$PF1")" "PF1 state unchanged"

log "--- bad input / unknown PF"
expect_exit 2 sriovctl create "$PF1" lots
expect_exit 4 sriovctl create 0000:7f:1f.7 2
assert_eq "$before" "$(sriov_state "$PF1")" "PF1 state unchanged"
