#!/bin/sh
# Reads that block in the kernel end at --timeout: while a VM (vfio_hold, which opens the VF's
# device as QEMU does) holds a VF on vfio-pci, a VF disable blocks in vfio-pci's remove with
# the PF's device lock held, and every read of the PF's sriov_numvfs blocks behind it, in an
# uninterruptible sleep (shown with cat). sriovctl list, show and a writer then exit 5 within
# the watchdog, naming the attribute, instead of hanging; once the holder lets go, the kernel
# finishes, the stuck helpers end and the tools read the host again.
# topology: nvme:4
# requires: sriovctl vfio_hold
# timeout: 180
. "${RIG_LIB:-/host/lib.sh}"

PF=$(nvme_pfs | head -1)
[ -n "$PF" ] || die "no nvme PF"
D=$(pf_dir "$PF")
expect_exit 0 sriovctl create "$PF" 2 --no-autoprobe --driver vfio-pci
VF0=$(vf_addr "$PF" 0)
assert_eq vfio-pci "$(vf_driver "$PF" 0)" "VF0 on vfio-pci"

vfio_hold "$VF0" > /tmp/hold.out 2>&1 &
HOLDER=$!
n=0; until grep -q holding /tmp/hold.out; do n=$((n + 1)); [ $n -lt 100 ] || die "vfio_hold: $(cat /tmp/hold.out)"; sleep 0.1; done
log "$(cat /tmp/hold.out), pid $HOLDER"

state_of() { awk '{print $3}' "/proc/$1/stat" 2>/dev/null; }  # R, S, D...
# The kernel side, without the tools: the disable blocks, and so does a plain read.
echo 0 > "$D/sriov_numvfs" &
DISABLE=$!
sleep 2
# vfio-pci's remove waits interruptibly (S) until a signal, then uninterruptibly (D).
case $(state_of $DISABLE) in S|D) _pass "the VF disable is blocked in the kernel while the VF is held" ;;
  *) fail "the VF disable is not blocked (state '$(state_of $DISABLE)'): the scenario proves nothing" ;; esac
cat "$D/sriov_numvfs" > /tmp/cat.out &
CAT=$!
sleep 2
assert_eq D "$(state_of $CAT)" "cat of sriov_numvfs is blocked too (D): no reader gets past the device lock"

within() { # seconds cmd... — runs it, fails when it took longer than the bound
  local bound=$1 t0 t1
  shift
  t0=$(cut -d' ' -f1 /proc/uptime)
  expect_exit 5 "$@"
  t1=$(cut -d' ' -f1 /proc/uptime)
  awk -v a="$t0" -v b="$t1" -v m="$bound" 'BEGIN{exit !(b - a <= m)}' &&
    _pass "ended in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s (bound $bound s)" ||
    fail "$*: took $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s, more than $bound s"
}
within 15 sriovctl --timeout 3 list
assert_grep "reading /sys/devices/.*/$PF/sriov_numvfs did not return within 3 s" "$ERR" "list names the attribute and the watchdog"
assert_grep "nothing was written" "$ERR" "and says nothing was written"
within 15 sriovctl --timeout 3 --json show "$PF"
assert_grep '"exit_status": 5' "$OUT" "show --json: the error object carries exit 5"
# A writer: its scan under the lock ends at the watchdog too, and it writes nothing.
within 20 sriovctl --timeout 3 create "$PF" 1 --force
assert_missing /run/sriov/journal.json "the writer left no journal"
[ -s /run/sriov/lock ] && fail "the lock still names a holder: $(cat /run/sriov/lock)"

log "--- the holder lets go: the kernel finishes, the stuck helpers end"
kill "$HOLDER"
wait "$DISABLE" "$CAT" 2>/dev/null
n=0; while ls /proc/[0-9]*/comm >/dev/null 2>&1 && grep -qx sriovctl /proc/[0-9]*/comm 2>/dev/null; do
  n=$((n + 1)); [ $n -lt 50 ] || break; sleep 0.1; done
assert_eq "" "$(grep -lx sriovctl /proc/[0-9]*/comm 2>/dev/null)" "no sriovctl process left (the helpers ended when their reads returned)"
assert_eq 0 "$(numvfs "$PF")" "the disable finished: 0 VFs"
expect_exit 0 sriovctl --timeout 3 list
assert_grep "$PF .* 0/" "$OUT" "list reads the PF again: 0 VFs"
