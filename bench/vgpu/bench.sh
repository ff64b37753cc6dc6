#!/bin/sh
# vGPU create/remove benchmark, run in the real-kernel rig (a guest scenario):
#   tests/vm/run --build-dir build bench/vgpu/bench.sh
# Creates and removes N mbochs-small instances (4 MB each, from a 1 GB pool) with:
#   shell          one `sh` loop writing each UUID to create / 1 to remove: the kernel's floor
#   vgpuctl        vgpuctl create mbochs --type mbochs-small --count N / remove --parent --all
#   vgpuctl-size   vgpuctl create mbochs --framebuffer 4M --count N (type chosen by the planner)
#   vgpuctl-start  N definitions (start auto): vgpuctl start --all-auto / vgpuctl stop UUID...
#   mdevctl        one `mdevctl start -p mbochs -t mbochs-small -u UUID` per instance / stop -u
#   mdevctl-def    N definitions: one `mdevctl start -u UUID` per instance / stop -u
# Every create and remove is checked by counting /sys/bus/mdev/devices. Prints "RESULT ..."
# lines (median wall time of BENCH_RUNS runs, peak RSS of the largest process). The methods
# take turns inside each run, so a load change on the host hits them alike.
# BENCH_SIZES (default "64 256"), BENCH_RUNS (default 5; the mdevctl loops, at ~70 ms per
# process, get at most 3 runs above 64 instances).
# topology: none
# modules: mbochs:count=1024
# requires: vgpuctl mdevctl runstat
# timeout: 1800
. "${RIG_LIB:-/host/lib.sh}"

SIZES=${BENCH_SIZES:-64 256}
RUNS=${BENCH_RUNS:-5}
T=/sys/class/mdev_bus/mbochs/mdev_supported_types/mbochs-small
DEVS=/sys/bus/mdev/devices
mkdir -p /etc/mdevctl.d/scripts.d/callouts /etc/mdevctl.d/scripts.d/notifiers

export T DEVS

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# runstat prints "runstat: wall_s=X maxrss_kb=Y status=Z" on stderr
timed() { runstat "$@" 2>/tmp/rs >/tmp/rs.out; grep '^runstat:' /tmp/rs | tail -1; }
field() { echo "$1" | sed -n "s/.*$2=\([0-9.]*\).*/\1/p"; }
mdevs() { ls "$DEVS" | wc -l; }

# measure METHOD WANT_COUNT CMD... — one timed run, checked against the kernel's device count
measure() {
  local method=$1 want=$2 line
  shift 2
  line=$(timed "$@")
  if [ "$(field "$line" status)" != 0 ] || [ "$(mdevs)" != "$want" ]; then
    sed 's/^/    | /' /tmp/rs /tmp/rs.out | head -20
    die "$method: $* -> $line, $(mdevs) mdevs, expected $want"
  fi
  field "$line" wall_s >> "/tmp/$method.t"
  field "$line" maxrss_kb >> "/tmp/$method.m"
  sleep 0.3  # let the kernel's deferred work of this step finish before the next one
}
report() { # method what
  echo "RESULT n=$N method=$1 op=$2 runs=$(wc -l < "/tmp/$1-$2.t") median_s=$(median < "/tmp/$1-$2.t") min_s=$(sort -n "/tmp/$1-$2.t" | head -1) max_s=$(sort -n "/tmp/$1-$2.t" | tail -1) maxrss_kb=$(median < "/tmp/$1-$2.m")"
}
ratio() { awk -v a="$(median < "/tmp/$1.t")" -v b="$(median < "/tmp/$2.t")" 'BEGIN{printf "%.2f", a/b}'; }

define_all() { # start policy — the files vgpuctl define writes (checked once below), written
  # directly because defining is not what is measured
  mkdir -p /etc/mdevctl.d/mbochs
  for u in $UUIDS; do
    printf '{\n  "mdev_type": "mbochs-small",\n  "start": "%s",\n  "attrs": []\n}' "$1" > "/etc/mdevctl.d/mbochs/$u"
  done
}
undefine_all() { rm -rf /etc/mdevctl.d/mbochs; }

assert_eq 0 "$(mdevs)" "no mdev at start"
# Fixed costs, for reading the figures: an empty shell, vgpuctl start-up, a read-only vgpuctl.
for what in "sh -c :" "vgpuctl --version" "vgpuctl types mbochs"; do
  : > /tmp/fixed.t
  for i in 1 2 3 4 5; do
    # shellcheck disable=SC2086
    field "$(timed $what)" wall_s >> /tmp/fixed.t
  done
  echo "RESULT fixed \"$what\" median_s=$(median < /tmp/fixed.t)"
done
UUIDS=5e1f0000-0000-4000-8000-ffffffffffff define_all auto
mv /etc/mdevctl.d/mbochs/5e1f0000-0000-4000-8000-ffffffffffff /tmp/ours
vgpuctl define mbochs --type mbochs-small --uuid 5e1f0000-0000-4000-8000-ffffffffffff --start auto >/dev/null
assert_eq "$(cat /tmp/ours)" "$(cat /etc/mdevctl.d/mbochs/5e1f0000-0000-4000-8000-ffffffffffff)" "define_all writes what vgpuctl define writes"
undefine_all
assert_file $((1024 / 4)) "$T/available_instances" "pool for 256 small instances"
for N in $SIZES; do
  rm -f /tmp/*.t /tmp/*.m
  UUIDS=$(i=0; while [ $i -lt "$N" ]; do printf '5e1f0000-0000-4000-8000-%012x\n' $i; i=$((i + 1)); done)
  export UUIDS
  for run in $(seq 1 "$RUNS"); do
    log "$N instances, run $run/$RUNS"
    measure shell-create "$N" sh -c 'for u in $UUIDS; do echo $u > $T/create; done'
    measure shell-remove 0 sh -c 'for u in $UUIDS; do echo 1 > $DEVS/$u/remove; done'

    measure vgpuctl-create "$N" vgpuctl create mbochs --type mbochs-small --count "$N"
    measure vgpuctl-remove 0 vgpuctl remove --parent mbochs --all

    measure vgpuctl_size-create "$N" vgpuctl create mbochs --framebuffer 4M --count "$N"
    measure vgpuctl_size-remove 0 vgpuctl remove --parent mbochs --all

    define_all auto
    measure vgpuctl_start-create "$N" vgpuctl start --all-auto
    # shellcheck disable=SC2086
    measure vgpuctl_start-remove 0 vgpuctl stop $UUIDS
    undefine_all

    [ "$N" -gt 64 ] && [ "$run" -gt 3 ] && continue
    measure mdevctl-create "$N" sh -c 'for u in $UUIDS; do mdevctl start -p mbochs -t mbochs-small -u $u || exit 1; done'
    measure mdevctl-remove 0 sh -c 'for u in $UUIDS; do mdevctl stop -u $u || exit 1; done'

    define_all manual
    measure mdevctl_def-create "$N" sh -c 'for u in $UUIDS; do mdevctl start -u $u || exit 1; done'
    measure mdevctl_def-remove 0 sh -c 'for u in $UUIDS; do mdevctl stop -u $u || exit 1; done'
    undefine_all
  done

  for m in shell vgpuctl vgpuctl_size vgpuctl_start mdevctl mdevctl_def; do
    report "$m" create
    report "$m" remove
  done
  echo "RESULT n=$N ratio vgpuctl/shell create=$(ratio vgpuctl-create shell-create) remove=$(ratio vgpuctl-remove shell-remove)"
  echo "RESULT n=$N ratio mdevctl/vgpuctl create=$(ratio mdevctl-create vgpuctl-create) remove=$(ratio mdevctl-remove vgpuctl-remove)"
  echo "RESULT n=$N ratio mdevctl_def/vgpuctl_start create=$(ratio mdevctl_def-create vgpuctl_start-create) remove=$(ratio mdevctl_def-remove vgpuctl_start-remove)"
done
assert_eq 0 "$(mdevs)" "no mdev left"
rm -rf /etc/mdevctl.d
