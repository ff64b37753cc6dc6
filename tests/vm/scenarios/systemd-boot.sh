#!/bin/sh
# The installed units under a real systemd (the host's Debian userland, systemd as PID 1):
# sriov-apply.service applies a profile with NICs (nvme VFs on vfio-pci, netdevsim VF
# settings) and gpus (mbochs, start: auto: mdevctl definitions under /etc/mdevctl.d, which
# ProtectSystem=full made read-only before) and is done before network-pre.target and
# multi-user.target; vgpuctl-autostart.service starts a definition of another parent (mdpy);
# sriovctl status is in sync; sriov-watch.service repairs an mbochs reload and is restarted
# by systemd after a crash. systemd-analyze security's exposure of each unit is under a ceiling
# (the units' system call filters and sandboxes run what this scenario does).
# guest: systemd
# topology: nvme:8
# modules: overlay netdevsim mbochs:count=1024 mdpy
# requires: sriovctl vgpuctl vfdump
# timeout: 300
U1=5e1f0000-0000-4000-8000-000000000001
U2=5e1f0000-0000-4000-8000-000000000002
U3=5e1f0000-0000-4000-8000-000000000003

if [ "$RIG_PHASE" = setup ]; then   # in the initramfs, before systemd: install and enable
  R=$NEWROOT
  PF=
  for d in /sys/bus/pci/devices/*; do
    [ -e "$d/sriov_totalvfs" ] && [ "$(basename "$(readlink "$d/driver")")" = nvme ] && { PF=${d##*/}; break; }
  done
  [ -n "$PF" ] || { echo "no nvme PF"; exit 1; }
  echo "5 1" > /sys/bus/netdevsim/new_device || exit 1
  mkdir -p "$R/etc/sriov/profiles.d" "$R/etc/mdevctl.d/mdpy"
  for u in sriov-apply.service sriov-watch.service vgpuctl-autostart.service; do
    cp "$R/host/units/$u" "$R/etc/systemd/system/$u" || exit 1
    ln -sf "../$u" "$R/etc/systemd/system/multi-user.target.wants/$u"
  done
  # The initramfs (and its modules) is gone once systemd runs: keep mbochs for the reload.
  mkdir -p "$R/var/lib/sriov-rig"
  cp "/lib/modules/$(cat /etc/sriov-vm/abi)/mbochs.ko" "$R/var/lib/sriov-rig/" || exit 1
  cat > "$R/etc/sriov/profiles.d/host.yaml" <<EOP
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
        trust: true
gpus:
  - gpu: mbochs
    type: mbochs-small
    count: 2
    uuids: [$U1, $U2]
    start: auto
EOP
  printf '{"mdev_type": "mdpy-vga", "start": "auto", "attrs": []}\n' > "$R/etc/mdevctl.d/mdpy/$U3"
  echo "$PF" > "$R/etc/sriov-rig-pf"
  exit 0
fi

. "${RIG_LIB:-/host/lib.sh}"
PF=$(cat /etc/sriov-rig-pf)
DEVS=/sys/bus/mdev/devices
mono() { systemctl show -P "$2" "$1"; }

log "--- booted: systemd $(systemctl --version | head -1 | cut -d' ' -f2), $(systemctl is-system-running)"
assert_eq systemd "$(cat /proc/1/comm)" "PID 1 is systemd"
assert_eq active "$(systemctl is-active sriov-apply.service)" "sriov-apply.service active"
assert_eq success "$(mono sriov-apply.service Result)" "sriov-apply.service result success"
journalctl -b -u sriov-apply.service --no-pager -o cat > /tmp/apply.log
sed 's/^/    apply| /' /tmp/apply.log | head -40
assert_no_grep "Operation not permitted|Bad system call" /tmp/apply.log "no call refused by the unit's sandbox"

log "--- everything in place"
assert_eq 4 "$(numvfs "$PF")" "nvme PF has 4 VFs"
for i in 0 1 2 3; do assert_eq vfio-pci "$(vf_driver "$PF" $i)" "nvme VF $i on vfio-pci"; done
assert_file 0 "$(pf_dir "$PF")/sriov_drivers_autoprobe" "autoprobe off"
IF=$(ls /sys/bus/netdevsim/devices/netdevsim5/net | head -1)
/host/bin/vfdump "$IF" > /tmp/nsim
assert_grep "^vf 3 mac 02:00:00:00:05:03 vlan 100 .*trust 1" /tmp/nsim "netdevsim VF 3 settings (vfdump)"
assert_exists "$DEVS/$U1" "vGPU $U1"
assert_exists "$DEVS/$U2" "vGPU $U2"
assert_exists "/etc/mdevctl.d/mbochs/$U1" "definition of $U1 written under ProtectSystem=full"
assert_eq active "$(systemctl is-active vgpuctl-autostart.service)" "vgpuctl-autostart.service active"
assert_exists "$DEVS/$U3" "vgpuctl-autostart started the mdpy definition $U3"

log "--- audit records in the journal (sriovctl(8), AUDIT RECORD), read with journalctl"
AUDIT=75730a2b67bd4d2aa8c6de2369c42cd0
# audit_has UNIT FIELD=VALUE... : a record of UNIT's run has each FIELD with VALUE in it (a
# repeated field: in one of its values)
audit_has() {
  journalctl -b MESSAGE_ID=$AUDIT _SYSTEMD_UNIT="$1" -o json --no-pager > /tmp/audit.json
  python3 - "$@" <<'EOF'
import json, sys
unit, wanted = sys.argv[1], [a.split("=", 1) for a in sys.argv[2:]]
records = [json.loads(line) for line in open("/tmp/audit.json") if line.strip()]
def has(r, k, v):
    got = r.get(k)
    return any(v in str(x) for x in (got if isinstance(got, list) else [got]))
sys.exit(0 if any(all(has(r, k, v) for k, v in wanted) for r in records) else 1)
EOF
}
audit_has sriov-apply.service SYSLOG_IDENTIFIER=sriovctl SRIOV_OUTCOME=changed PRIORITY=5 \
  "SRIOV_DEVICE=$PF" "SRIOV_STEP=done: set VF count of $PF" "SRIOV_COMMAND=sriovctl -v apply -f /etc/sriov/profiles.d" &&
  _pass "sriov-apply's record: outcome changed, the nvme PF, its numvfs step, the command" ||
  { fail "no such record of sriov-apply"; cat /tmp/audit.json | head -c 3000; }
audit_has vgpuctl-autostart.service SYSLOG_IDENTIFIER=vgpuctl SRIOV_OUTCOME=changed &&
  _pass "vgpuctl-autostart's record" || { fail "no record of vgpuctl-autostart"; head -c 2000 /tmp/audit.json; }
n=$(journalctl -b MESSAGE_ID=$AUDIT SRIOV_DEVICE="$PF" -o cat --no-pager | wc -l)
[ "$n" -ge 1 ] && _pass "journalctl MESSAGE_ID=... SRIOV_DEVICE=$PF finds $n record(s)" ||
  fail "a query by SRIOV_DEVICE finds nothing"

log "--- ordering: sriov-apply done before network-pre.target and multi-user.target"
A=$(mono sriov-apply.service ActiveEnterTimestampMonotonic)
N=$(mono network-pre.target ActiveEnterTimestampMonotonic)
M=$(mono multi-user.target ActiveEnterTimestampMonotonic)
V=$(mono vgpuctl-autostart.service ActiveEnterTimestampMonotonic)
log "monotonic us: sriov-apply $A, vgpuctl-autostart $V, network-pre.target $N, multi-user.target $M"
[ "$A" -gt 0 ] && [ "$A" -le "$N" ] && _pass "sriov-apply before network-pre.target" || fail "sriov-apply ($A) not before network-pre.target ($N)"
[ "$A" -le "$M" ] && [ "$V" -le "$M" ] && _pass "both before multi-user.target" || fail "not before multi-user.target ($A, $V, $M)"

expect_exit 0 sriovctl status
assert_grep "^in sync with /etc/sriov/profiles.d" "$OUT" "status: in sync"

log "--- sriov-watch.service repairs an mbochs reload"
assert_eq active "$(systemctl is-active sriov-watch.service)" "sriov-watch.service active"
rmmod mbochs || die "cannot unload mbochs"
insmod /var/lib/sriov-rig/mbochs.ko count=1024 || die "cannot load mbochs again"
n=0; while ! { [ -e "$DEVS/$U1" ] && [ -e "$DEVS/$U2" ]; } && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
[ $n -lt 100 ] && _pass "vGPUs back within $n x 0.1 s" || fail "vGPUs not repaired by sriov-watch"
journalctl -b -u sriov-watch.service --no-pager -o cat > /tmp/watch.log
sed 's/^/    watch| /' /tmp/watch.log | head
assert_grep "^repaired .*mdev $U1 instance absent -> mbochs-small on mbochs" /tmp/watch.log "the repair logged in the journal"
assert_no_grep "Operation not permitted|Bad system call" /tmp/watch.log "no call refused by the watch unit's sandbox"
audit_has sriov-watch.service SYSLOG_IDENTIFIER=sriovctl SRIOV_OUTCOME=changed SRIOV_DEVICE=mbochs &&
  _pass "sriov-watch's repair has its audit record" || { fail "no record of the repair"; head -c 2000 /tmp/audit.json; }
journalctl -b -u vgpuctl-autostart.service --no-pager -o cat > /tmp/autostart.log
assert_no_grep "Operation not permitted|Bad system call" /tmp/autostart.log "no call refused by the autostart unit's sandbox"

log "--- sriov-watch.service restarted after a crash"
P=$(mono sriov-watch.service MainPID)
kill -SEGV "$P"
n=0; while [ "$(mono sriov-watch.service NRestarts)" = 0 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
sleep 3
assert_eq 1 "$(mono sriov-watch.service NRestarts)" "restarted once"
assert_eq active "$(systemctl is-active sriov-watch.service)" "active again"
assert_ne "$P" "$(mono sriov-watch.service MainPID)" "a new process"

log "--- systemd-analyze security: each unit's exposure under its ceiling"
# The ceilings pin the sandboxes the units run with above: loosening one fails here.
for uc in sriov-apply.service:4.0 sriov-watch.service:4.0 vgpuctl-autostart.service:2.0; do
  u=${uc%:*}; ceiling=${uc#*:}
  line=$(systemd-analyze security "$u" 2>/dev/null | tail -1)
  log "$u: $line"
  e=$(echo "$line" | sed -n 's/.*exposure level for [^:]*: \([0-9.]*\) .*/\1/p')
  awk -v e="$e" -v c="$ceiling" 'BEGIN { exit !(e != "" && e + 0 <= c + 0) }' &&
    _pass "$u exposure $e <= $ceiling" || fail "$u exposure '$e' above $ceiling"
done
