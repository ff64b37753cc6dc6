#!/bin/sh
# Eight writers at once, 20 rounds: applies of two profiles (A and B, over an nvme PF and a
# netdevsim PF), a vgpuctl create on mbochs, a sriovctl set and a sriovctl bind start together
# each round. Every one completes (or, had it waited too long, would be refused naming the
# holder); after each round the NIC state is exactly one profile's, never a mix, read with
# sysfs and vfdump; no journal is left and the lock is free; every vgpuctl create made its
# instance.
# topology: nvme:8
# modules: netdevsim mbochs:count=1024
# requires: sriovctl vgpuctl
# timeout: 900
. "${RIG_LIB:-/host/lib.sh}"

PF=$(nvme_pfs | head -1)
[ -n "$PF" ] || die "no nvme PF"
new_netdevsim 6 8

profile() { two_nic_profile "/tmp/$1.yaml" "$2" "$3" "$4"; }  # NAME NVME_VFS NSIM_VFS VLAN
profile A 4 2 10
profile B 2 3 20

# The NIC state, read without the tools: the VF counts, drivers of the nvme VFs, VLANs.
nic_state() {
  echo "nvme $(sriov_state "$PF")"
  vfdump "$IF" 2>/dev/null | sed 's/ mac [0-9a-f:]*//; s/ trust [01]//'
}
expect_exit 0 sriovctl apply -f /tmp/A.yaml --allow-disruption
STATE_A=$(nic_state)
expect_exit 0 sriovctl apply -f /tmp/B.yaml --allow-disruption
STATE_B=$(nic_state)
assert_ne "$STATE_A" "$STATE_B" "the two profiles differ"

ROUNDS=20; WRITERS=8; WAITED=0; OK=0; MIXED=0
round=1
while [ $round -le $ROUNDS ]; do
  pids=""
  for w in 1 2 3 4 5 6 7 8; do
    case $w in
      1|2|3) set -- sriovctl apply -f /tmp/A.yaml --allow-disruption ;;
      4|5) set -- sriovctl apply -f /tmp/B.yaml --allow-disruption ;;
      6) set -- vgpuctl create mbochs --type mbochs-small --count 1 ;;
      7) set -- sriovctl set "$IF#0" trust=on ;;
      8) set -- sriovctl bind "$PF#1" --driver vfio-pci ;;
    esac
    ( "$@" --lock-timeout 300 > "/tmp/w$w.out" 2> "/tmp/w$w.err"; echo $? > "/tmp/w$w.rc" ) &
    pids="$pids $!"
  done
  wait $pids
  for w in 1 2 3 4 5 6 7 8; do
    rc=$(cat "/tmp/w$w.rc")
    if [ "$rc" = 0 ]; then OK=$((OK + 1))
    elif [ "$rc" = 5 ] && grep -q 'holds the host lock /run/sriov/lock (pid [0-9]*,' "/tmp/w$w.err"; then
      WAITED=$((WAITED + 1))
    else fail "round $round writer $w: exit $rc"; sed 's/^/    | /' "/tmp/w$w.err" | head -5; fi
  done
  now=$(nic_state)
  if [ "$now" != "$STATE_A" ] && [ "$now" != "$STATE_B" ]; then
    # bind and set change only what both profiles already have (VF 1 on vfio-pci) or what
    # nic_state leaves out (trust): whatever order the lock gave, it must be one profile's.
    MIXED=$((MIXED + 1)); fail "round $round: the NIC state is neither A's nor B's"
    echo "$now" | sed 's/^/    | /'
  fi
  assert_missing /run/sriov/journal.json "round $round: no journal left"
  [ -s /run/sriov/lock ] && fail "round $round: the lock still names a holder: $(cat /run/sriov/lock)"
  round=$((round + 1))
done
assert_eq "$ROUNDS" "$(mdevs)" "every vgpuctl create made its instance"
assert_eq $((ROUNDS * WRITERS)) $((OK + WAITED)) "every writer completed or was refused naming the holder"
assert_eq 0 "$MIXED" "no round ended in a mix of the two profiles"
log "concurrency: $ROUNDS rounds x $WRITERS writers: $OK completed, $WAITED refused naming the holder"
