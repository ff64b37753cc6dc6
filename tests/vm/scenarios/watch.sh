#!/bin/sh
# sriovctl watch keeps a host at its profile through what makes the kernel forget: the nvme
# PF's driver unbound and rebound (this kernel keeps its VFs: pci_iov_remove only warns), its
# VFs destroyed by another tool (echo 0 > sriov_numvfs), netdevsim unloaded, reloaded
# and its device re-created (VFs and every VF setting gone), mbochs reloaded (every vGPU
# gone), and a VF setting changed by hand (no uevent: an rtnetlink notification). status names
# each drift with its own exit status (7) before watch repairs it; vfdump, sysfs and
# /sys/bus/mdev say it was repaired. Repair latency: from the device reappearing (the reset
# command returned) to the state read back as the profile's, polled every 20 ms.
# topology: nvme:8
# modules: netdevsim mbochs:count=1024
# requires: sriovctl
# timeout: 400
. "${RIG_LIB:-/host/lib.sh}"

set -- $(nvme_pfs)
PF=$1
DEVS=/sys/bus/mdev/devices
U1=8f8c1a55-0000-4000-8000-000000000001
U2=8f8c1a55-0000-4000-8000-000000000002
mkdir -p /etc/mdevctl.d
new_netdevsim 5 8
cat > /tmp/w.yaml <<EOP
version: 1
nics:
  - pf: $PF
    num-vfs: 4
    drivers-autoprobe: false
    vfs:
      - id: 0-3
        driver: vfio-pci
  - pf: netdevsim5
    num-vfs: 4
    vfs:
      - id: 0-3
        mac-from: "02:00:00:00:05:00"
        vlan-id: 100
        qos: 2
        trust: true
        spoof-check: false
gpus:
  - gpu: mbochs
    type: mbochs-small
    count: 2
    uuids: [$U1, $U2]
EOP
now_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }  # 10 ms steps
nsim_ok() { # the netdevsim PF has its 4 VFs with every setting
  local i=0 d
  [ "$(cat /sys/bus/netdevsim/devices/netdevsim5/sriov_numvfs 2>/dev/null)" = 4 ] || return 1
  d=$(ls /sys/bus/netdevsim/devices/netdevsim5/net 2>/dev/null | head -1)
  [ -n "$d" ] || return 1
  vfdump "$d" > /tmp/nsim 2>/dev/null || return 1
  while [ $i -lt 4 ]; do
    grep -q "^vf $i mac 02:00:00:00:05:0$i vlan 100 qos 2 .*spoofchk 0 trust 1" /tmp/nsim || return 1
    i=$((i + 1))
  done
}
nvme_ok() {
  local i=0
  [ "$(numvfs "$PF")" = 4 ] || return 1
  while [ $i -lt 4 ]; do [ "$(vf_driver "$PF" $i)" = vfio-pci ] || return 1; i=$((i + 1)); done
}
mdev_ok() { [ -e "$DEVS/$U1" ] && [ -e "$DEVS/$U2" ]; }
all_ok() { nvme_ok && nsim_ok && mdev_ok; }
# Waits up to 10 s for $1 (a check) to hold; prints the milliseconds from $2 it took.
repaired_within() {
  local n=0
  while ! $1; do n=$((n + 1)); [ $n -lt 500 ] || { echo timeout; return 1; }; sleep 0.02; done
  echo $(( $(now_ms) - $2 ))
}

log "--- status before any apply: every device differs, exit 7"
expect_exit 7 sriovctl status -f /tmp/w.yaml
assert_grep "num-vfs: profile 4, host 0" "$OUT" "nvme PF VF count named"
assert_grep "mdev $U1 instance: profile mbochs-small on mbochs, host absent" "$OUT" "missing vGPU named"
assert_grep "^drift: [0-9]+ differences from /tmp/w.yaml" "$OUT" "summary line"
expect_exit 0 sriovctl apply -f /tmp/w.yaml
all_ok && _pass "apply brought the host to the profile" || fail "apply left the host off the profile"
expect_exit 0 sriovctl status -f /tmp/w.yaml --metrics /tmp/m.prom
assert_grep "^in sync with /tmp/w.yaml" "$OUT" "status: in sync"
assert_grep '^sriov_drift 0$' /tmp/m.prom "metrics: drift 0"
assert_grep '^sriov_last_apply_status 0$' /tmp/m.prom "metrics: last apply ok"
assert_grep '^# EOF$' /tmp/m.prom "metrics end with # EOF"

sriovctl watch -f /tmp/w.yaml --interval 2 > /tmp/watch.log 2>&1 &
WATCH=$!
sleep 1
kill -0 $WATCH 2>/dev/null && _pass "watch running" || die "watch exited: $(cat /tmp/watch.log)"

log "--- a VF setting changed by hand: status names it, watch puts it back"
kill -STOP $WATCH
IF=$(ls /sys/bus/netdevsim/devices/netdevsim5/net | head -1)
/usr/bin/ip link set "$IF" vf 3 vlan 999 || fail "ip link set vf 3 vlan 999"
expect_exit 7 sriovctl status -f /tmp/w.yaml
assert_grep "^  VF 3 vlan-id: profile 100, host 999$" "$OUT" "status: VF 3 vlan-id named with both values"
assert_grep "^  VF 3 qos: profile 2, host 0$" "$OUT" "status: VF 3 qos (reset by the vlan change) named"
expect_exit 7 sriovctl --json status -f /tmp/w.yaml
assert_grep '"field": "vlan-id"' "$OUT" "JSON: field vlan-id"
T0=$(now_ms)
kill -CONT $WATCH
MS=$(repaired_within nsim_ok "$T0") && _pass "hand-made VLAN put back in $MS ms" || fail "VF 3 not repaired"
log "latency hand-change: $MS ms"

log "--- nvme PF driver unbound and rebound: the host back at the profile"
echo "$PF" > /sys/bus/pci/drivers/nvme/unbind || fail "unbind $PF"
log "VFs after the PF driver's unbind: $(virtfn_count "$PF") (this kernel leaves SR-IOV enabled)"
echo "$PF" > /sys/bus/pci/drivers/nvme/bind || fail "bind $PF"
T0=$(now_ms)
MS=$(repaired_within nvme_ok "$T0") && _pass "nvme at the profile $MS ms after the rebind" || fail "nvme not at the profile"
log "latency nvme-rebind: $MS ms"

log "--- the nvme PF's VFs destroyed by another tool: VF count and vfio-pci bindings back"
echo 0 > "$(pf_dir "$PF")/sriov_numvfs" || fail "echo 0 > sriov_numvfs"
T0=$(now_ms)
MS=$(repaired_within nvme_ok "$T0") && _pass "nvme VFs and bindings back in $MS ms" || fail "nvme not repaired"
log "latency nvme-numvfs-0: $MS ms"

log "--- netdevsim unloaded, reloaded, device re-created: VFs and every setting back"
rmmod netdevsim || die "cannot unload netdevsim"
insmod "/lib/modules/$(cat /etc/sriov-vm/abi)/netdevsim.ko" || die "cannot load netdevsim"
new_netdevsim 5 8   # back with its netdev, max_vfs raised: the device has reappeared
T0=$(now_ms)
MS=$(repaired_within nsim_ok "$T0") && _pass "netdevsim VFs and settings back in $MS ms" || fail "netdevsim not repaired"
log "latency netdevsim-reload: $MS ms"

log "--- mbochs reloaded: the vGPUs back with their UUIDs"
rmmod mbochs || die "cannot unload mbochs"
insmod "/lib/modules/$(cat /etc/sriov-vm/abi)/mbochs.ko" count=1024 || die "cannot load mbochs"
T0=$(now_ms)
MS=$(repaired_within mdev_ok "$T0") && _pass "vGPUs $U1 $U2 back in $MS ms" || fail "mbochs not repaired"
log "latency mbochs-reload: $MS ms"
assert_eq mbochs-small "$(type_of $U1)" "$U1 is mbochs-small again"

sleep 1
expect_exit 0 sriovctl status -f /tmp/w.yaml
assert_grep "^in sync" "$OUT" "status: in sync after every repair"
all_ok && _pass "nothing else changed: every device at the profile" || fail "host off the profile"
kill $WATCH; wait $WATCH
assert_eq 0 "$?" "watch exits 0 on SIGTERM"
sed 's/^/    watch| /' /tmp/watch.log
assert_grep "^repaired .*VF 3 vlan-id 999 -> 100" /tmp/watch.log "the hand-made VLAN repair logged"
assert_grep "^repaired .*num-vfs 0 -> 4" /tmp/watch.log "a VF count repair logged"
assert_grep "^repaired .*mdev $U1 instance absent -> mbochs-small on mbochs" /tmp/watch.log "the vGPU repair logged"
assert_no_grep '^failed' /tmp/watch.log "no failed round"

log "--- watch --once on a host in sync does nothing; with drift, repairs and exits 0"
expect_exit 0 sriovctl watch --once -f /tmp/w.yaml
IF=$(ls /sys/bus/netdevsim/devices/netdevsim5/net | head -1)
/usr/bin/ip link set "$IF" vf 1 trust off
expect_exit 0 sriovctl watch --once -f /tmp/w.yaml
assert_grep "^repaired \(once\): .*VF 1 trust off -> on" "$OUT" "once: repair logged with the field"
nsim_ok && _pass "once repaired VF 1" || fail "VF 1 not repaired"
