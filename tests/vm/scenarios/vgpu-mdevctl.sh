#!/bin/sh
# vgpuctl and Debian's real mdevctl 1.2 share /etc/mdevctl.d: mdevctl lists and starts what
# vgpuctl defined, vgpuctl lists and starts what mdevctl defined or started; define + start
# of persistent instances; start --all-auto waits (event-driven) for a parent that appears
# late (mbochs loaded while it waits).
# topology: none
# modules: mbochs:count=1024
# requires: vgpuctl mdevctl
# timeout: 240
. "${RIG_LIB:-/host/lib.sh}"

DEVS=/sys/bus/mdev/devices
D=/etc/mdevctl.d
rm -rf "$D"
mkdir -p "$D/scripts.d/callouts" "$D/scripts.d/notifiers"   # mdevctl refuses to run without

U1=6d1b2c3d-1111-4000-8000-000000000001   # vgpuctl define, auto
U2=6d1b2c3d-1111-4000-8000-000000000002   # vgpuctl define, manual
U3=6d1b2c3d-1111-4000-8000-000000000003   # mdevctl define, auto
U4=6d1b2c3d-1111-4000-8000-000000000004   # mdevctl start, transient

log "--- vgpuctl defines, mdevctl sees and starts"
expect_exit 0 vgpuctl define mbochs --type mbochs-medium --uuid $U1 --start auto
expect_exit 0 vgpuctl define mbochs --type mbochs-small --uuid $U2
assert_eq '{
  "mdev_type": "mbochs-medium",
  "start": "auto",
  "attrs": []
}' "$(cat $D/mbochs/$U1)" "definition file in mdevctl's format"
assert_eq 0 "$(mdevs)" "define creates nothing"
expect_exit 0 mdevctl list --defined
assert_grep "^$U1 mbochs mbochs-medium auto" "$OUT" "mdevctl lists vgpuctl's auto definition"
assert_grep "^$U2 mbochs mbochs-small manual" "$OUT" "mdevctl lists vgpuctl's manual definition"
expect_exit 0 mdevctl start -u $U1
assert_exists "$DEVS/$U1" "mdevctl started $U1"
assert_eq mbochs-medium "$(type_of $U1)" "$U1 is mbochs-medium"
expect_exit 0 vgpuctl list
assert_grep "^$U1 +mbochs +mbochs +mbochs-medium +mbochs-medium +active, auto" "$OUT" "vgpuctl: $U1 active, auto"
assert_grep "^$U2 +mbochs +mbochs +mbochs-small +mbochs-small +defined, manual" "$OUT" "vgpuctl: $U2 defined, manual"
expect_exit 0 mdevctl stop -u $U1
assert_missing "$DEVS/$U1" "mdevctl stopped $U1"

log "--- vgpuctl starts, mdevctl sees it running"
expect_exit 0 vgpuctl start --all-auto
assert_exists "$DEVS/$U1" "start --all-auto created $U1"
assert_missing "$DEVS/$U2" "manual $U2 not started"
expect_exit 0 vgpuctl start --all-auto
assert_grep "no changes" "$OUT" "second start --all-auto changes nothing"
assert_eq 1 "$(mdevs)" "still one mdev"
expect_exit 0 mdevctl list
assert_grep "^$U1 mbochs mbochs-medium" "$OUT" "mdevctl lists $U1 as active"
expect_exit 0 vgpuctl start $U2
assert_eq mbochs-small "$(type_of $U2)" "vgpuctl start $U2 (manual)"

log "--- mdevctl defines and starts, vgpuctl sees and acts"
expect_exit 0 mdevctl define -u $U3 -p mbochs -t mbochs-large --auto
expect_exit 0 mdevctl start -u $U4 -p mbochs -t mbochs-small
expect_exit 0 vgpuctl --json list
assert_grep "\"id\": \"$U3\"" "$OUT" "vgpuctl lists mdevctl's definition"
expect_exit 0 vgpuctl list
assert_grep "^$U3 +mbochs +mbochs +mbochs-large +mbochs-large +defined, auto" "$OUT" "$U3 defined, auto"
assert_grep "^$U4 +mbochs +mbochs +mbochs-small +mbochs-small +active$" "$OUT" "$U4 (mdevctl start, transient) active"
expect_exit 0 vgpuctl start --all-auto
assert_exists "$DEVS/$U3" "vgpuctl started mdevctl's $U3"
assert_eq mbochs-large "$(type_of $U3)" "$U3 is mbochs-large"
expect_exit 0 vgpuctl remove $U4
assert_missing "$DEVS/$U4" "vgpuctl removed mdevctl's transient $U4"

log "--- attributes: vgpuctl refuses to start what it cannot apply, mdevctl can"
expect_exit 0 vgpuctl stop $U3
assert_missing "$DEVS/$U3" "stop: $U3 removed"
assert_exists "$D/mbochs/$U3" "stop keeps the definition"
expect_exit 0 mdevctl modify -u $U3 --addattr dummy --value 1
expect_exit 1 vgpuctl start $U3
assert_grep "has attributes" "$ERR" "refusal names the attributes"
assert_missing "$DEVS/$U3" "nothing created"

log "--- undefine: mdevctl no longer lists them; running ones keep running"
expect_exit 0 vgpuctl undefine $U1
expect_exit 0 vgpuctl undefine $U2
expect_exit 0 mdevctl undefine -u $U3
expect_exit 0 mdevctl list --defined
assert_no_grep "$U1|$U2|$U3" "$OUT" "no definitions left"
assert_exists "$DEVS/$U1" "$U1 still running after undefine"
expect_exit 0 vgpuctl remove $U1 $U2
assert_eq 0 "$(mdevs)" "no mdev left"

log "--- a parent that appears late: start --all-auto --wait"
expect_exit 0 vgpuctl define mbochs --type mbochs-large --uuid $U1 --start auto
rmmod mbochs || die "cannot unload mbochs"
assert_missing /sys/class/mdev_bus/mbochs "mbochs parent gone"
( vgpuctl start --all-auto --wait 60 > /tmp/late.out 2>&1; echo $? > /tmp/late.rc ) &
sleep 2
assert_missing /tmp/late.rc "vgpuctl still waiting after 2 s"
insmod "/lib/modules/$(cat /etc/sriov-vm/abi)/mbochs.ko" count=1024 || die "cannot load mbochs"
n=0; while [ ! -f /tmp/late.rc ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
sed 's/^/    late| /' /tmp/late.out
log "vgpuctl returned within $n x 0.1 s of the insmod"
assert_file 0 /tmp/late.rc "start --all-auto --wait exit status"
assert_exists "$DEVS/$U1" "$U1 created once mbochs appeared"
expect_exit 0 vgpuctl stop $U1
expect_exit 0 vgpuctl undefine $U1
rm -rf "$D"
assert_eq 0 "$(mdevs)" "clean at the end"
