#!/bin/sh
# The soak: CYCLES applies in one guest boot, alternating two profiles (A and B) over an nvme
# PF (VF count, vfio-pci), a netdevsim PF (VF count, VLAN, MAC) and mbochs (instance count,
# mdevctl definitions), so every cycle changes all three. Every 10th apply has an injected
# failure at some step (the host must stay as it was), every 50th is killed with SIGKILL at
# some step (recover must bring the host back). Each apply runs under `runstat --fds`, which
# reports its peak RSS and the descriptors it still held at exit. At the end: no leaked VFs,
# mdevs, definitions, journal, temporary or lock-holder files, tool processes or netlink
# sockets, and no descriptor open at any run's exit; peak RSS of the first and last 100
# cycles. Not one of the scenarios (the full run takes half an hour): `scripts/soak [CYCLES]`
# runs it, CTest's vm.soak 50 cycles; tests/vm/README.md has the latest figures.
# topology: nvme:8
# modules: netdevsim mbochs:count=1024
# requires: sriovctl runstat vfdump
# timeout: 7200
. "${RIG_LIB:-/host/lib.sh}"

CYCLES=${SOAK_CYCLES:-1000}
PF=$(nvme_pfs | head -1)
[ -n "$PF" ] || die "no nvme PF"
new_netdevsim 5 8
D=/etc/mdevctl.d
rm -rf "$D"; mkdir -p "$D/scripts.d/callouts" "$D/scripts.d/notifiers"
mkdir -p /run/sriov && touch /run/sriov/fault-injection-armed

profile() { # NAME NVME_VFS NSIM_VFS VLAN INSTANCES
  two_nic_profile "/tmp/$1.yaml" "$2" "$3" "$4" 'mac-from: "02:00:00:5a:00:00"'
  printf 'gpus:\n  - gpu: mbochs\n    framebuffer: 40M\n    count: %s\n    start: auto\n' "$5" \
    >> "/tmp/$1.yaml"
}
profile A 4 2 10 2
profile B 2 3 20 1

# Everything a cycle changes, read without the tools.
state() {
  echo "nvme: $(sriov_state "$PF") on-bus=$(bus_vf_count "$PF")"
  echo "nsim: numvfs=$(cat "$ND/sriov_numvfs")"
  vfdump "$IF" 2>/dev/null
  echo "mdevs: $(mdevs) large=$(count_type mbochs-large) definitions=$(find "$D/mbochs" -type f 2>/dev/null | wc -l)"
  echo "run: $(ls /run/sriov | tr '\n' ' ')"
}
# What the tools could leave behind after they exit, read from /proc: their processes (a kernel
# helper left stuck would show, under the tool's name) and netlink sockets. (What each run held
# at its exit is runstat's fds_at_exit; the rig's own processes come and go, so their
# descriptors are not a measure.)
kernel_handles() {
  echo "tool_processes=$(cat /proc/[0-9]*/comm 2>/dev/null | grep -cxE 'sriovctl|vgpuctl|runstat') netlink_sockets=$(($(wc -l < /proc/net/netlink) - 1))"
}

# run CYCLE KIND STATUS PROFILE [FAULT]: one apply under runstat; appends "cycle kind status
# rss_kb fds_at_exit" to the record; the tool's output is shown only when the status is not
# the expected one.
run() {
  local cycle=$1 kind=$2 want=$3 file=$4 fault=${5:-} stat
  SRIOV_FAULT=$fault runstat --fds sriovctl apply -f "$file" --allow-disruption \
    > /tmp/soak.out 2> /tmp/soak.err
  stat=$(grep '^runstat:' /tmp/soak.err | tail -1)
  set -- $(echo "$stat" | sed 's/[a-z_]*=//g; s/runstat://')  # wall rss status fds
  echo "$cycle $kind $3 $2 $4" >> /tmp/soak.record
  if [ "$3" != "$want" ]; then
    fail "cycle $cycle ($kind, $file $fault): exit $3, expected $want"
    sed 's/^/    | /' /tmp/soak.err | head -10
  fi
}

pick_step() { # profile cycle: a step of the plan its apply makes from here, varying with cycle
  local n
  sriovctl apply -f "$1" --allow-disruption --dry-run --json > /tmp/soak.plan 2>&1
  n=$(grep -c '"index":' /tmp/soak.plan)
  [ "$n" -gt 0 ] || die "cycle $2: the plan of $1 has no steps"
  echo $((1 + $2 % n))
}

printf 'version: 1\nnics: []\n' > /tmp/nothing.yaml
: > /tmp/soak.record
# The two states, from the first two cycles (plain applies).
run 1 apply 0 /tmp/A.yaml; STATE_A=$(state)
run 2 apply 0 /tmp/B.yaml; STATE_B=$(state)
assert_ne "$STATE_A" "$STATE_B" "the two profiles differ"
HANDLES_START=$(kernel_handles)
SLAB_START=$(awk '/^Slab:/{print $2}' /proc/meminfo)
BAD=0; FAILED=0; KILLED=0
i=3
while [ "$i" -le "$CYCLES" ]; do
  if [ $((i % 2)) -eq 1 ]; then file=/tmp/A.yaml; want=$STATE_A; prev=$STATE_B
  else file=/tmp/B.yaml; want=$STATE_B; prev=$STATE_A; fi
  if [ $((i % 50)) -eq 0 ]; then
    run "$i" killed 137 "$file" "$(pick_step "$file" $((i / 50))):kill-after"
    KILLED=$((KILLED + 1)); want=$prev
    # Every other kill is rolled back by recover, the others by the next writer.
    if [ $((KILLED % 2)) -eq 1 ]; then set -- sriovctl recover
    else set -- sriovctl apply -f /tmp/nothing.yaml; fi
    "$@" > /tmp/soak.out 2> /tmp/soak.err ||
      { fail "cycle $i: $* after the kill: exit $?"; sed 's/^/    | /' /tmp/soak.err | head -10; }
  elif [ $((i % 10)) -eq 0 ]; then
    run "$i" failed 1 "$file" "$(pick_step "$file" $((i / 10))):fail"
    FAILED=$((FAILED + 1)); want=$prev
  else
    run "$i" apply 0 "$file"
  fi
  now=$(state)
  if [ "$now" != "$want" ]; then
    BAD=$((BAD + 1)); fail "cycle $i: the host is not in the expected state"
    echo "$want" > /tmp/want; echo "$now" > /tmp/got; diff /tmp/want /tmp/got | sed 's/^/    | /' | head -20
  fi
  [ $((i % 100)) -eq 0 ] && log "cycle $i: $(kernel_handles) slab_kb=$(awk '/^Slab:/{print $2}' /proc/meminfo)"
  i=$((i + 1))
done

# The host is in the state of the last cycle's profile; one more apply of each brings it back
# to A, then B, exactly as at the start (nothing accumulated).
run $((CYCLES + 1)) apply 0 /tmp/A.yaml; assert_eq "$STATE_A" "$(state)" "A after $CYCLES cycles is A"
run $((CYCLES + 2)) apply 0 /tmp/B.yaml; assert_eq "$STATE_B" "$(state)" "B after $CYCLES cycles is B"
assert_eq 0 "$BAD" "every cycle left the host in its expected state"
assert_eq "run: fault-injection-armed last-apply.json lock " "$(echo "run: $(ls /run/sriov | tr '\n' ' ')")" "/run/sriov holds the lock file and the last apply's record only (no journal, no temporary file)"
[ -s /run/sriov/lock ] && fail "the lock still names a holder: $(cat /run/sriov/lock)"
HANDLES_END=$(kernel_handles)
assert_eq "$HANDLES_START" "$HANDLES_END" "no tool process left, netlink sockets as after cycle 2"
case $HANDLES_END in tool_processes=0\ *) ;; *) fail "a tool process is left: $HANDLES_END" ;; esac
assert_eq 0 "$(find /etc/mdevctl.d -name '*.tmp*' | wc -l)" "no temporary definition files"

# Peak RSS and descriptors at exit of the applies that ran to the end (not the killed ones).
summary() { # FIRST LAST
  awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b && $2 != "killed" {
      n++; s += $4; if ($4 > max) max = $4; if (min == "" || $4 < min) min = $4
      if ($5 > fmax) fmax = $5; if (fmin == "" || $5 < fmin) fmin = $5 }
    END { printf "runs=%d rss_kb_mean=%.0f rss_kb_min=%d rss_kb_max=%d fds_at_exit=%d..%d", n, s / n, min, max, fmin, fmax }' /tmp/soak.record
}
W=100; [ "$CYCLES" -ge 200 ] || W=$((CYCLES / 2))  # a short run compares its halves
FIRST=$(summary 1 "$W"); LAST=$(summary $((CYCLES - W + 1)) "$CYCLES")
log "first $W cycles: $FIRST"
log "last $W cycles:  $LAST"
fds=$(awk '$2 != "killed" {print $5}' /tmp/soak.record | sort -u | tr '\n' ' ')
assert_eq "0 " "$fds" "every apply closed every descriptor it opened before exit"
mean() { echo "$1" | sed 's/.*rss_kb_mean=\([0-9]*\).*/\1/'; }
grow=$(( ($(mean "$LAST") - $(mean "$FIRST")) * 100 / $(mean "$FIRST") ))
# Runs differ by up to 40% (plans of different sizes); windows of 25 (the short soak) vary more
# than windows of 100 from that alone.
limit=5; [ "$W" -ge 100 ] || limit=10
[ "$grow" -le "$limit" ] && _pass "peak RSS flat: the last $W cycles' mean is within $limit% of the first $W's ($grow%)" ||
  fail "peak RSS grew by $grow% from the first $W cycles to the last $W"
log "soak: $CYCLES cycles ($FAILED with an injected failure, $KILLED killed and recovered), $BAD in an unexpected state; $HANDLES_END (after cycle 2: $HANDLES_START), slab_kb $SLAB_START -> $(awk '/^Slab:/{print $2}' /proc/meminfo)"
