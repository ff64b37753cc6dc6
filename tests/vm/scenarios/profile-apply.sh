#!/bin/sh
# Profiles on a real kernel: apply on nvme PFs + a netdevsim PF; the re-apply writes nothing;
# an undeclared disruptive change is refused and changes nothing; a kernel failure mid-apply
# restores VF counts, drivers and settings exactly; two applies (and a vgpuctl writer) serialise
# on the host lock; an apply killed with SIGKILL is rolled back by recover and by the next
# apply. show --profile exports the host, plans as a no-op and undoes a hand change.
# topology: nvme:16 nvme:64
# modules: netdevsim mbochs:count=64
# requires: sriovctl vgpuctl
# timeout: 400
. "${RIG_LIB:-/host/lib.sh}"

set -- $(nvme_pfs)
PF1=$1; PF2=$2
[ -n "$PF2" ] || die "need two nvme PFs"
new_netdevsim 9 16
state() { echo "$(sriov_state "$PF1") | $(sriov_state "$PF2") | nsim=$(cat "$ND/sriov_numvfs")"; vfdump "$IF" 2>/dev/null; }

cat > /tmp/site.yaml <<EOP
version: 1
nics:
  - pf: $PF1
    num-vfs: 8
    drivers-autoprobe: false
    vfs:
      - id: 0-3
        driver: vfio-pci
  - pf: $IF
    num-vfs: 4
    vfs:
      - id: 0-3
        mac-from: "02:00:00:aa:00:00"
        vlan-id: 42
        qos: 2
        trust: true
EOP

log "--- apply"
expect_exit 0 sriovctl --json apply -f /tmp/site.yaml
assert_grep '"changed": true' "$OUT" "changed"
assert_file 8 "$(pf_dir "$PF1")/sriov_numvfs" "nvme VFs"
assert_file 0 "$(pf_dir "$PF1")/sriov_drivers_autoprobe" "autoprobe off"
for i in 0 3; do assert_eq vfio-pci "$(vf_driver "$PF1" $i)" "VF $i on vfio-pci"; done
for i in 4 7; do assert_eq none "$(vf_driver "$PF1" $i)" "VF $i without driver"; done
assert_file 4 "$ND/sriov_numvfs" "netdevsim VFs"
vfdump "$IF" > /tmp/d
assert_eq "vf 3 mac 02:00:00:aa:00:03 vlan 42 qos 2 proto 802.1Q min_rate 0 max_rate 0 spoofchk 0 trust 1 link_state auto query_rss 0" \
  "$(grep '^vf 3 ' /tmp/d)" "netdevsim VF 3 settings"
assert_missing /run/sriov/journal.json "journal removed after success"

log "--- re-apply is a no-op"
BEFORE=$(state)
expect_exit 0 sriovctl --json apply -f /tmp/site.yaml
assert_grep '"changed": false' "$OUT" "changed: false"
assert_grep '"steps": \[\]' "$OUT" "no steps"
assert_eq "$BEFORE" "$(state)" "nothing changed"
expect_exit 0 sriovctl plan -f /tmp/site.yaml
assert_grep 'no change' "$OUT" "plan says no change"

log "--- undeclared disruption is refused and changes nothing"
sed "s/num-vfs: 8/num-vfs: 6/" /tmp/site.yaml > /tmp/shrink.yaml
expect_exit 3 sriovctl apply -f /tmp/shrink.yaml
assert_grep 'destroys all 8 VFs \(4 bound to vfio-pci\).*--allow-disruption' "$ERR" "refusal says what it destroys"
expect_exit 0 sriovctl plan -f /tmp/shrink.yaml
assert_grep 'destroys 8 VFs \(4 bound to vfio-pci\)' "$OUT" "plan labels the disruption"
assert_eq "$BEFORE" "$(state)" "nothing changed"

log "--- a kernel failure mid-apply restores everything"
# VFs 4-5 of the nvme PF go to vfio-pci first; then netdevsim is asked for 20 VFs, more than
# its max_vfs (16): the kernel answers ENOMEM after the count went through 0.
cat > /tmp/fail.yaml <<EOP
version: 1
nics:
  - pf: $PF1
    num-vfs: 8
    vfs:
      - id: 0-5
        driver: vfio-pci
  - pf: $IF
    num-vfs: 20
EOP
expect_exit 1 sriovctl apply -f /tmp/fail.yaml --allow-disruption
assert_grep 'Cannot allocate memory' "$ERR" "the kernel's refusal is reported"
assert_grep 'Undone: ' "$ERR" "says what was undone"
assert_eq "$BEFORE" "$(state)" "VF counts, drivers and settings exactly as before"

log "--- two applies at once serialise on the host lock"
cat > /tmp/big.yaml <<EOP
version: 1
nics:
  - pf: $PF2
    num-vfs: 64
    drivers-autoprobe: false
    vfs:
      - id: 0-63
        driver: vfio-pci
EOP
# The first apply must hold the lock for a while: it goes 32 -> 0 -> 64 VFs (the kernel sleeps
# about a second in every disable) and then binds 64 VFs.
expect_exit 0 sriovctl create "$PF2" 32 --no-autoprobe
sriovctl apply -f /tmp/big.yaml --allow-disruption > /tmp/big.out 2>&1 &
BIG=$!
n=0; while [ ! -s /run/sriov/lock ]; do n=$((n+1)); [ $n -lt 200 ] || break; sleep 0.02; done
expect_exit 5 sriovctl --lock-timeout 0.2 apply -f /tmp/site.yaml
assert_grep "holds the host lock /run/sriov/lock \(pid $BIG, 'sriovctl apply -f /tmp/big.yaml --allow-disruption'" "$ERR" "names the holder"
expect_exit 5 vgpuctl --lock-timeout 0.2 create mbochs --type mbochs-small --count 2
assert_grep "holds the host lock /run/sriov/lock \(pid $BIG, 'sriovctl apply" "$ERR" "vgpuctl waits for the same lock, names the holder"
assert_eq 0 "$(mdevs)" "vgpuctl created nothing while locked out"
expect_exit 0 sriovctl --lock-timeout 120 --json apply -f /tmp/site.yaml
wait $BIG; RCBIG=$?
assert_eq 0 "$RCBIG" "the first apply finished"
assert_eq 64 "$(numvfs "$PF2")" "PF2 has 64 VFs"
assert_eq vfio-pci "$(vf_driver "$PF2" 63)" "PF2 VF 63 on vfio-pci"

log "--- SIGKILL mid-apply: recover rolls it back"
expect_exit 0 sriovctl destroy "$PF2" --force
BEFORE=$(state)
sriovctl apply -f /tmp/big.yaml > /tmp/big.out 2>&1 &
BIG=$!
n=0; while ! grep -qE '"done": ?([3-9]|[1-9][0-9])' /run/sriov/journal.json 2>/dev/null; do
  n=$((n+1)); [ $n -lt 1000 ] || break; sleep 0.01; done
kill -9 $BIG; wait $BIG 2>/dev/null
assert_exists /run/sriov/journal.json "the journal outlives the killed apply"
log "killed after: $(grep -oE '"done": ?[0-9]+' /run/sriov/journal.json | tail -1) (the journal's last record)"
assert_ne "$BEFORE" "$(state)" "the host is half-changed"
expect_exit 0 sriovctl recover
assert_grep 'recover the run of pid' "$OUT" "recover reports the run"
assert_missing /run/sriov/journal.json "journal gone"
assert_eq "$BEFORE" "$(state)" "state as before the killed apply"
expect_exit 0 sriovctl recover
assert_grep 'nothing to recover' "$OUT" "second recover: nothing"

log "--- SIGKILL mid-apply: the next apply recovers, then applies"
sriovctl apply -f /tmp/big.yaml > /tmp/big.out 2>&1 &
BIG=$!
n=0; while ! grep -qE '"done": ?([3-9]|[1-9][0-9])' /run/sriov/journal.json 2>/dev/null; do
  n=$((n+1)); [ $n -lt 1000 ] || break; sleep 0.01; done
kill -9 $BIG; wait $BIG 2>/dev/null
assert_exists /run/sriov/journal.json "journal left"
expect_exit 0 sriovctl apply -f /tmp/big.yaml
assert_grep 'recover the run of pid' "$ERR" "the apply recovered first"
assert_eq 64 "$(numvfs "$PF2")" "then applied: 64 VFs"
assert_eq vfio-pci "$(vf_driver "$PF2" 0)" "VF 0 on vfio-pci"
assert_eq vfio-pci "$(vf_driver "$PF2" 63)" "VF 63 on vfio-pci"
assert_missing /run/sriov/journal.json "journal gone"

log "--- show --profile: the host as a profile; it plans as a no-op and undoes a hand change"
EX1=e0e0e0e0-0000-4000-8000-000000000001
EX2=e0e0e0e0-0000-4000-8000-000000000002
cat > /tmp/nsim.yaml <<EOP
version: 1
nics:
  - pf: $IF
    num-vfs: 4
    vfs:
      - {id: 0-3, mac-from: "02:00:00:00:0e:00", vlan-id: 300, qos: 1, trust: true}
gpus:
  - {gpu: mbochs, type: mbochs-medium, count: 2, start: auto, uuids: [$EX1, $EX2]}
EOP
expect_exit 0 sriovctl apply --allow-disruption -f /tmp/nsim.yaml
expect_exit 0 sriovctl show --profile
cp "$OUT" /tmp/exported.yaml
sed 's/^/    | /' /tmp/exported.yaml | grep -v 'id: "[0-9]*"$' | head -40
assert_grep "^  - pf: \"$PF2\"" /tmp/exported.yaml "the nvme PF exported"
assert_grep '^      - id: "0-63"' /tmp/exported.yaml "its 64 VFs in one entry"
assert_grep '^        driver: "vfio-pci"' /tmp/exported.yaml "on vfio-pci"
assert_grep '^        mac-from: "02:00:00:00:0e:00"' /tmp/exported.yaml "netdevsim MACs as mac-from"
assert_grep '^        vlan-id: 300' /tmp/exported.yaml "netdevsim VLAN read over rtnetlink"
assert_grep "^  - gpu: \"mbochs\"" /tmp/exported.yaml "the mbochs vGPUs exported"
assert_grep "^      - \"$EX2\"" /tmp/exported.yaml "with their UUIDs"
assert_grep '^    start: "auto"' /tmp/exported.yaml "and their definitions' start mode"
expect_exit 0 sriovctl plan --detailed-exitcode -f /tmp/exported.yaml
assert_grep '^no changes' "$OUT" "the export plans as a no-op on the live kernel"
/usr/bin/ip link set "$IF" vf 2 vlan 5 || die "ip link set vf 2 vlan 5 (iproute2)"
echo 1 > "/sys/bus/mdev/devices/$EX2/remove" || die "cannot remove vGPU $EX2"
expect_exit 7 sriovctl plan --detailed-exitcode -f /tmp/exported.yaml
expect_exit 0 sriovctl apply -f /tmp/exported.yaml
vfdump "$IF" > /tmp/vfdump.out
assert_grep '^vf 2 mac 02:00:00:00:0e:02 vlan 300 qos 1 ' /tmp/vfdump.out "the export, applied, put VF 2 back (vfdump)"
assert_eq mbochs-medium "$(type_of "$EX2")" "and the removed vGPU, with its UUID"
expect_exit 0 sriovctl plan --detailed-exitcode -f /tmp/exported.yaml
