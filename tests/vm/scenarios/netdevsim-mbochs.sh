#!/bin/sh
# netdevsim: a non-PCI SR-IOV PF addressed by netdev name; VFs checked with iproute2.
# mbochs: the mdev stand-in vGPU exposes a 1024 MB framebuffer pool (count=1024).
# topology: none
# modules: netdevsim mbochs:count=1024
# requires: sriovctl
# timeout: 120
. "${RIG_LIB:-/host/lib.sh}"

log "--- netdevsim"
ID=7
new_netdevsim "$ID" 16
log "netdevsim$ID netdev: $IF"
assert_file 16 "/sys/kernel/debug/netdevsim/netdevsim$ID/max_vfs" "max_vfs raised"

expect_exit 0 sriovctl list
assert_grep "$IF" "$OUT" "list shows the netdevsim PF $IF"

vf_lines() { /usr/bin/ip -d link show "$IF" 2>/dev/null | grep -cE '^[[:space:]]+vf [0-9]+'; }
expect_exit 0 sriovctl create "$IF" 8
assert_file 8 "$ND/sriov_numvfs" "netdevsim sriov_numvfs"
assert_eq 8 "$(vf_lines)" "ip -d link show lists 8 VFs"
/usr/bin/ip -d link show "$IF" | sed 's/^/    ip| /' | head -12
expect_exit 3 sriovctl create "$IF" 4
assert_file 8 "$ND/sriov_numvfs" "unchanged after refused 8 -> 4"
expect_exit 0 sriovctl create "$IF" 4 --force
assert_file 4 "$ND/sriov_numvfs" "8 -> 4 with --force"
assert_eq 4 "$(vf_lines)" "ip -d link show lists 4 VFs"
# netdevsim has no sriov_totalvfs: the kernel refuses 17 > max_vfs (ENOMEM) after --force
# went through 0, so the tool must undo (exit 1) — or refuse up front (exit 2).
expect_exit "1|2" sriovctl create "$IF" 17 --force
assert_file 4 "$ND/sriov_numvfs" "still 4 VFs after a refused 17 (rolled back)"
expect_exit 0 sriovctl destroy "$IF"
assert_file 0 "$ND/sriov_numvfs" "VFs destroyed"
assert_eq 0 "$(vf_lines)" "ip -d link show lists no VF"
echo "$ID" > /sys/bus/netdevsim/del_device

log "--- mbochs (count=1024)"
assert_file 1024 /sys/module/mbochs/parameters/count "mbochs pool parameter"
T=/sys/class/mdev_bus/mbochs/mdev_supported_types
assert_file 256 "$T/mbochs-small/available_instances" "small (4 MB): 1024/4"
assert_file 64 "$T/mbochs-medium/available_instances" "medium (16 MB): 1024/16"
assert_file 16 "$T/mbochs-large/available_instances" "large (64 MB): 1024/64"
U=4b1f3c2a-0000-4000-8000-00000000a001
echo "$U" > "$T/mbochs-large/create" || fail "create a large mdev"
assert_exists "/sys/bus/mdev/devices/$U" "mdev $U"
assert_file 15 "$T/mbochs-large/available_instances" "large after one large"
assert_file 240 "$T/mbochs-small/available_instances" "small after one large (960/4)"
echo 1 > "/sys/bus/mdev/devices/$U/remove"
assert_file 256 "$T/mbochs-small/available_instances" "budget returned after remove"
