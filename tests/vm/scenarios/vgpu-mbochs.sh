#!/bin/sh
# vgpuctl against the kernel's mbochs (1 GB pool): create by framebuffer size, exhaust the pool
# and get a refusal that writes nothing, all-or-nothing when the kernel itself refuses midway
# (ENOSPC: the earlier instance is removed again), remove by UUID and by parent, dry runs; a
# vgpuctl killed mid-create is rolled back from its journal by the next writer.
# Instances are counted in /sys/bus/mdev/devices, not taken from vgpuctl.
# topology: none
# modules: mbochs:count=1024
# requires: vgpuctl
# timeout: 240
. "${RIG_LIB:-/host/lib.sh}"

T=/sys/class/mdev_bus/mbochs/mdev_supported_types
DEVS=/sys/bus/mdev/devices

assert_file 1024 /sys/module/mbochs/parameters/count "mbochs pool 1024 MB"
assert_eq 0 "$(mdevs)" "no mdev at start"

log "--- list and types"
expect_exit 0 vgpuctl list
assert_grep '^mbochs +mbochs +' "$OUT" "list shows the mbochs parent with the mbochs handler"
expect_exit 0 vgpuctl types mbochs
assert_grep '^mbochs-large +mbochs-large +64 MiB .* 16$' "$OUT" "types: large 64 MiB, 16 available"
assert_grep '^mbochs-small +mbochs-small +4 MiB .*800x600 .* 256$' "$OUT" "types: small 4 MiB, 800x600, 256"
expect_exit 0 vgpuctl --json types mbochs
assert_grep '"framebuffer_bytes": 67108864' "$OUT" "JSON framebuffer of large"

log "--- dry run writes nothing"
expect_exit 0 vgpuctl create mbochs --framebuffer 64M --count 2 --dry-run
assert_grep 'write [0-9a-f-]{36} > /sys/devices/virtual/mbochs/mbochs/mdev_supported_types/mbochs-large/create' "$OUT" "dry run lists the create writes"
assert_eq 0 "$(mdevs)" "dry run: still no mdev"

log "--- create by size"
expect_exit 0 vgpuctl create mbochs --framebuffer 64M --count 4
assert_eq 4 "$(mdevs)" "4 mdevs in /sys/bus/mdev/devices"
assert_eq 4 "$(count_type mbochs-large)" "all 4 are mbochs-large (smallest type with >= 64 MiB)"
assert_file 12 "$T/mbochs-large/available_instances" "large available 16 -> 12"
for d in "$DEVS"/*; do assert_file "64 MB" "$d/vendor/memory" "${d##*/} has 64 MB"; break; done
expect_exit 0 vgpuctl create mbochs --framebuffer 5M --count 2
assert_eq 2 "$(count_type mbochs-medium)" "5M picks mbochs-medium (16 MB)"
assert_file 184 "$T/mbochs-small/available_instances" "small: (1024-4*64-2*16)/4 = 184"

log "--- exhaust the pool: refused up front, nothing written"
expect_exit 3 vgpuctl create mbochs --framebuffer 64M --count 12
assert_grep 'cannot place 12 vGPUs of at least 64 MiB on mbochs: mbochs-large: 11 fit on mbochs; 11 in all, 12 requested' "$ERR" "refusal names the numbers"
assert_eq 6 "$(mdevs)" "still 6 mdevs after the refusal"
expect_exit 0 vgpuctl create mbochs --framebuffer 64M --count 11
assert_eq 15 "$(count_type mbochs-large)" "15 large"
assert_file 0 "$T/mbochs-large/available_instances" "large exhausted"
expect_exit 0 vgpuctl create mbochs --type mbochs-small --count 8
assert_file 0 "$T/mbochs-small/available_instances" "pool empty: small 0"
expect_exit 3 vgpuctl create mbochs --framebuffer 1M
assert_grep 'no mbochs-small left \(available_instances is 0\)' "$ERR" "empty pool: clear refusal"
assert_eq 25 "$(mdevs)" "25 mdevs, none added by the refused creates"

log "--- the kernel refuses midway: ENOSPC, the first instance is removed again"
expect_exit 0 vgpuctl remove --parent mbochs --all
assert_eq 0 "$(mdevs)" "remove --all: no mdev left"
assert_file 16 "$T/mbochs-large/available_instances" "budget returned"
expect_exit 0 vgpuctl create mbochs --type mbochs-large --count 15
# 64 MB left: large and medium each fit alone, not together (one pool, two types).
A=4b1f3c2a-0000-4000-8000-00000000b001
B=4b1f3c2a-0000-4000-8000-00000000b002
mkdir -p /etc/mdevctl.d/scripts.d/callouts /etc/mdevctl.d/scripts.d/notifiers
expect_exit 0 vgpuctl define mbochs --type mbochs-large --uuid $A
expect_exit 0 vgpuctl define mbochs --type mbochs-medium --uuid $B
expect_exit 1 vgpuctl start $A $B
assert_grep "step 2 of 2 failed .*No space left on device \(the parent's memory pool is too small" "$ERR" "ENOSPC explained"
assert_grep "Undone: create mdev $A" "$ERR" "the first create was undone"
assert_missing "$DEVS/$A" "$A removed again"
assert_missing "$DEVS/$B" "$B not created"
assert_eq 15 "$(mdevs)" "still the 15 mdevs from before"
assert_file 1 "$T/mbochs-large/available_instances" "pool as before: one large fits"

log "--- duplicate UUID refused before writing"
U=$(ls "$DEVS" | head -1)
expect_exit 3 vgpuctl create mbochs --type mbochs-small --uuid "$U"
assert_grep "exists already" "$ERR" "existing UUID named"
assert_eq 15 "$(mdevs)" "unchanged"

log "--- an instance a process holds open: remove refused, dry run and real run alike"
H=$(ls "$DEVS" | head -1)
HG=$(basename "$(readlink "$DEVS/$H/iommu_group")")
hold "/dev/vfio/$HG"
WANT="refusing to remove mdev $H: pid $HOLDER \\(sleep\\) holds /dev/vfio/$HG; the kernel would block until it lets go"
expect_exit 3 vgpuctl remove "$H" --dry-run
assert_grep "$WANT" "$ERR" "dry run refuses, holder named"
expect_exit 3 vgpuctl remove "$H"
assert_grep "$WANT" "$ERR" "real run refuses with the same message"
assert_eq yes "$([ -e "$DEVS/$H" ] && echo yes)" "$H still there"
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null
assert_eq 15 "$(mdevs)" "unchanged"

log "--- remove by UUID, then everything"
set -- $(ls "$DEVS" | head -3)
expect_exit 0 vgpuctl remove "$1" "$2" "$3"
assert_missing "$DEVS/$1" "$1 removed"
assert_eq 12 "$(mdevs)" "12 left"
expect_exit 4 vgpuctl remove "$1"
expect_exit 0 vgpuctl --json remove --parent mbochs --all
assert_grep '"changed": true' "$OUT" "JSON says changed"
assert_eq 0 "$(mdevs)" "none left"
expect_exit 0 vgpuctl undefine $A
expect_exit 0 vgpuctl undefine $B
assert_eq "" "$(ls /etc/mdevctl.d/mbochs 2>/dev/null)" "definitions gone"
rm -rf /etc/mdevctl.d

log "--- vgpuctl killed mid-create (SIGKILL): the next writer rolls the run back"
assert_eq 0 "$(mdevs)" "no instance before"
vgpuctl create mbochs --type mbochs-small --count 250 > /tmp/killed.out 2>&1 &
K=$!
n=0; while ! grep -qE '"done": ?([5-9]|[1-9][0-9])' /run/sriov/journal.json 2>/dev/null; do
  n=$((n+1)); [ $n -lt 2000 ] || break; sleep 0.005; done
kill -9 $K; wait $K 2>/dev/null
assert_exists /run/sriov/journal.json "the journal outlives the killed vgpuctl"
LEFT=$(mdevs)
log "killed after $(grep -oE '"done": ?[0-9]+' /run/sriov/journal.json | tail -1) with $LEFT instances"
if [ "$LEFT" -gt 0 ] && [ "$LEFT" -lt 250 ]; then _pass "killed half-way ($LEFT of 250)"; else fail "not half-way: $LEFT of 250"; fi
expect_exit 0 vgpuctl create mbochs --type mbochs-small
assert_grep "recover the run of pid $K \('vgpuctl create mbochs --type mbochs-small --count 250'" "$ERR" "the next vgpuctl recovered first, naming the run"
assert_missing /run/sriov/journal.json "journal gone"
assert_eq 1 "$(mdevs)" "only the new instance: the killed run's instances were removed"
expect_exit 0 vgpuctl remove --parent mbochs --all
assert_eq 0 "$(mdevs)" "none left"
