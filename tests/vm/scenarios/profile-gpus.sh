#!/bin/sh
# Profiles with gpus: on the kernel's mbochs (1 GB pool): apply by framebuffer size and count,
# checked in /sys/bus/mdev/devices; the re-apply writes nothing; a lower count is refused
# without --allow-disruption, and with it never removes an instance a process holds open;
# start: auto writes definitions Debian's mdevctl lists, and a stopped one comes back with its
# UUID; a failing apply (the pool runs out mid-way, after a NIC step and a definition removal
# of the same plan) leaves nothing behind.
# topology: none
# modules: netdevsim mbochs:count=1024
# requires: sriovctl mdevctl
# timeout: 300
. "${RIG_LIB:-/host/lib.sh}"

T=/sys/class/mdev_bus/mbochs/mdev_supported_types
DEVS=/sys/bus/mdev/devices
D=/etc/mdevctl.d
of_type() { # type — its instances' UUIDs, sorted
  local d
  for d in "$DEVS"/*; do [ -e "$d" ] && [ "$(type_of "${d##*/}")" = "$1" ] && echo "${d##*/}"; done | sort
}
rm -rf "$D"
mkdir -p "$D/scripts.d/callouts" "$D/scripts.d/notifiers"   # mdevctl refuses to run without

new_netdevsim 9 16
# Everything a failed apply must leave as it was: instances and types, definitions and their
# bytes, the NIC's VF count, the pool.
state() {
  for d in "$DEVS"/*; do [ -e "$d" ] && echo "${d##*/}=$(type_of "${d##*/}")"; done
  for f in "$D"/mbochs/*; do [ -f "$f" ] && echo "$f=$(md5sum < "$f" | cut -d' ' -f1)"; done
  echo "nsim=$(cat "$ND/sriov_numvfs") small=$(cat "$T/mbochs-small/available_instances")"
}

assert_file 1024 /sys/module/mbochs/parameters/count "mbochs pool 1024 MB"
assert_eq 0 "$(mdevs)" "no mdev at start"

log "--- plan, then apply by framebuffer size and count"
cat > /tmp/gpus.yaml <<EOP
version: 1
gpus:
  - gpu: mbochs
    framebuffer: 40M
    count: 3
EOP
expect_exit 0 sriovctl plan -f /tmp/gpus.yaml
assert_eq 3 "$(grep -c 'create mdev .* of type mbochs-large on mbochs' "$OUT")" "plan: 3 creates of mbochs-large"
assert_grep 'framebuffer 40 MiB: mbochs-large \(64 MiB\) is the smallest type' "$OUT" "plan says why mbochs-large"
assert_eq 0 "$(mdevs)" "plan wrote nothing"
expect_exit 0 sriovctl --json apply -f /tmp/gpus.yaml
assert_grep '"changed": true' "$OUT" "JSON: changed true"
assert_eq 3 "$(mdevs)" "3 mdevs in /sys/bus/mdev/devices"
assert_eq 3 "$(count_type mbochs-large)" "all 3 are mbochs-large"
for d in "$DEVS"/*; do assert_file "64 MB" "$d/vendor/memory" "${d##*/} has 64 MB"; break; done
assert_file 13 "$T/mbochs-large/available_instances" "large available 16 -> 13"
assert_missing /run/sriov/journal.json "journal removed after success"

log "--- the re-apply writes nothing"
BEFORE=$(state)
expect_exit 0 sriovctl --json apply -f /tmp/gpus.yaml
assert_grep '"changed": false' "$OUT" "JSON: changed false"
assert_grep '"steps": \[\]' "$OUT" "JSON: no steps"
assert_grep 'mbochs: mbochs-large: no change \(3 running\)' "$OUT" "note: no change"
expect_exit 0 sriovctl apply -f /tmp/gpus.yaml
assert_grep '^no changes$' "$OUT" "text: no changes"
assert_eq "$BEFORE" "$(state)" "nothing changed"

log "--- a lower count is disruptive"
sed 's/count: 3/count: 1/' /tmp/gpus.yaml > /tmp/one.yaml
expect_exit 3 sriovctl apply -f /tmp/one.yaml
assert_grep 'count 1 of mbochs-large \(3 running\) removes 2 running instances .*--allow-disruption' "$ERR" "refusal says what it removes"
assert_eq "$BEFORE" "$(state)" "refused: nothing changed"
expect_exit 0 sriovctl plan -f /tmp/one.yaml
assert_eq 2 "$(grep -c '\[destroys vGPU ' "$OUT")" "plan labels 2 removals as disruptive"

log "--- an instance held open stays; the others go"
set -- $(of_type mbochs-large)
HELD=$3   # the last by UUID: without the holder, the one a count of 1 would remove first
G=$(basename "$(readlink "$DEVS/$HELD/iommu_group")")
[ -n "$G" ] && [ -c "/dev/vfio/$G" ] || die "/dev/vfio/$G missing for mdev $HELD"
hold "/dev/vfio/$G"
assert_eq "$HOLDER:sleep" "$(holders "/dev/vfio/$G")" "/proc shows the holder of /dev/vfio/$G"
sed 's/count: 3/count: 0/' /tmp/gpus.yaml > /tmp/zero.yaml
expect_exit 3 sriovctl apply -f /tmp/zero.yaml --allow-disruption
assert_grep "$HELD \(mbochs-large\) would be removed, but pid $HOLDER \(sleep\) holds /dev/vfio/$G; stop it first" "$ERR" "count 0: refused, naming the holder"
assert_eq "$BEFORE" "$(state)" "refused: nothing changed"
expect_exit 0 sriovctl apply -f /tmp/one.yaml --allow-disruption
assert_eq "$HELD" "$(of_type mbochs-large)" "count 1: the held instance is the one left"
assert_missing "$DEVS/$1" "$1 removed"
assert_missing "$DEVS/$2" "$2 removed"
kill $HOLDER; wait $HOLDER 2>/dev/null

log "--- start: auto: definitions mdevctl lists; a stopped instance comes back with its UUID"
U1=5e1f0c2a-7d3b-4c1e-9a2f-000000000001
cat > /tmp/auto.yaml <<EOP
version: 1
gpus:
  - gpu: mbochs
    type: mbochs-large
    count: 2
    start: auto
    uuids: ["$U1"]
EOP
expect_exit 0 sriovctl apply -f /tmp/auto.yaml
assert_eq mbochs-large "$(type_of $U1)" "$U1 created as mbochs-large"
assert_eq 2 "$(count_type mbochs-large)" "2 mbochs-large: $HELD kept, $U1 added"
assert_eq '{
  "mdev_type": "mbochs-large",
  "start": "auto",
  "attrs": []
}' "$(cat $D/mbochs/$U1)" "definition of $U1 in mdevctl's format"
assert_exists "$D/mbochs/$HELD" "the kept instance $HELD is defined too"
expect_exit 0 mdevctl list --defined
assert_grep "^$U1 mbochs mbochs-large auto" "$OUT" "mdevctl lists $U1 (auto)"
assert_grep "^$HELD mbochs mbochs-large auto" "$OUT" "mdevctl lists $HELD (auto)"
expect_exit 0 mdevctl list
assert_grep "^$U1 mbochs mbochs-large" "$OUT" "mdevctl lists $U1 as active"
expect_exit 0 sriovctl --json apply -f /tmp/auto.yaml
assert_grep '"changed": false' "$OUT" "re-apply with definitions: changed false"
expect_exit 0 mdevctl stop -u $U1
assert_missing "$DEVS/$U1" "mdevctl stopped $U1"
expect_exit 0 sriovctl apply -f /tmp/auto.yaml
assert_grep "create mdev $U1 of type mbochs-large on mbochs" "$OUT" "its definition's UUID is used again"
assert_eq mbochs-large "$(type_of $U1)" "$U1 back"
assert_eq 2 "$(count_type mbochs-large)" "still 2 mbochs-large"

log "--- a failing apply leaves nothing behind"
U9=5e1f0c2a-7d3b-4c1e-9a2f-000000000009
expect_exit 0 mdevctl define -u $U9 -p mbochs -t mbochs-large
# One plan: netdevsim 0 -> 4 VFs; with start:, the definition of $U9 beyond the count goes;
# 40 medium (640 MB) and 100 small (400 MB) each fit in the 896 MB left, not together: the
# kernel refuses the 65th small one (ENOSPC) and every step before it is undone.
cat > /tmp/fail.yaml <<EOP
version: 1
nics:
  - pf: $IF
    num-vfs: 4
gpus:
  - gpu: mbochs
    type: mbochs-large
    count: 2
    start: auto
  - gpu: mbochs
    type: mbochs-medium
    count: 40
  - gpu: mbochs
    type: mbochs-small
    count: 100
    start: manual
EOP
BEFORE=$(state)
expect_exit 1 sriovctl apply -f /tmp/fail.yaml
assert_grep 'step 107 of 242 failed \(create mdev .* of type mbochs-small on mbochs\)' "$ERR" "the 65th small create fails (1 NIC step, 1 definition removal, 40 + 64 creates before it)"
assert_grep "No space left on device \(the parent's memory pool is too small" "$ERR" "ENOSPC explained"
assert_grep "Undone: .*remove mdevctl definition of $U9; set VF count of [^;]*$IF" "$ERR" "says what it undid, the NIC step last"
assert_eq "$BEFORE" "$(state)" "instances, definitions, NIC VFs and pool exactly as before"
assert_exists "$D/mbochs/$U9" "the definition of $U9 is back"
assert_missing /run/sriov/journal.json "no journal left"
expect_exit 0 mdevctl list --defined
assert_grep "^$U9 mbochs mbochs-large manual" "$OUT" "mdevctl still lists $U9"

log "--- count 0 with start: removes the instances and their definitions"
sed 's/count: 2/count: 0/; /uuids/d; /5e1f0c2a/d' /tmp/auto.yaml > /tmp/none.yaml
expect_exit 0 sriovctl --json apply -f /tmp/none.yaml --allow-disruption
assert_grep '"changed": true' "$OUT" "changed"
assert_eq 0 "$(mdevs)" "no mdev left"
expect_exit 0 mdevctl list --defined
assert_eq "" "$(cat "$OUT")" "mdevctl lists no definition"
assert_file 16 "$T/mbochs-large/available_instances" "pool back to 16 large"
echo 9 > /sys/bus/netdevsim/del_device
rm -rf "$D"
