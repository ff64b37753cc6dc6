#!/bin/sh
# VF settings benchmark, run in the real-kernel rig (a guest scenario):
#   tests/vm/run --build-dir build bench/netlink/bench.sh
# Six settings (MAC, VLAN+QoS, min/max rate, spoofchk, trust, link state) on N netdevsim VFs:
#   sriovctl set        one process, as few RTM_SETLINK as 64 KiB allows, read-back verified
#   ip per VF           one `ip link set IF vf N ...` process per VF (the usual shell loop)
#   ip per attribute    one `ip` process per VF and attribute (what os-net-config does)
#   floor               nlfloor: one process, hand-built messages, no reads, no checks
#   no-op repeat        sriovctl with what is already set
# Prints "RESULT ..." lines; BENCH_SIZES (default "64 256 1024"), BENCH_RUNS (default 5),
# BENCH_IP_RUNS (default 1), BENCH_ATTR_MAX (largest N for per-attribute ip, default 1024).
# topology: none
# modules: netdevsim
# requires: sriovctl
# timeout: 2400
. "${RIG_LIB:-/host/lib.sh}"

SIZES=${BENCH_SIZES:-64 256 1024}
RUNS=${BENCH_RUNS:-5}
IP_RUNS=${BENCH_IP_RUNS:-1}
ATTR_MAX=${BENCH_ATTR_MAX:-1024}
IP=/usr/bin/ip

echo "1 1" > /sys/bus/netdevsim/new_device || die "no netdevsim"
ND=/sys/bus/netdevsim/devices/netdevsim1
n=0; while ! ls "$ND"/net/* >/dev/null 2>&1; do n=$((n+1)); [ $n -lt 50 ] || die "no netdev"; sleep 0.1; done
IF=$(ls "$ND/net" | head -1)
echo 1024 > /sys/kernel/debug/netdevsim/netdevsim1/max_vfs

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# runstat prints "runstat: wall_s=X maxrss_kb=Y status=Z" on stderr
timed() { runstat "$@" 2>/tmp/rs >/tmp/rs.out; grep '^runstat:' /tmp/rs | tail -1; }
field() { echo "$1" | sed -n "s/.*$2=\([0-9.]*\).*/\1/p"; }

# Values of run r: every run changes every setting of every VF.
vals() { # r -> VLAN QOS MIN MAX FLAG(on/off) STATE(enable/disable) PREFIX
  V=$((100 + $1)); Q=$(($1 % 8)); MIN=$((10 + $1)); MAX=$((1000 + $1))
  if [ $(($1 % 2)) = 0 ]; then FL=on; FN=1; ST=enable; SN=1; else FL=off; FN=0; ST=disable; SN=2; fi
  P=$1
}
mac_of() { printf '02:00:%02x:00:%02x:%02x' "$1" $(($2 / 256)) $(($2 % 256)); }

r=0
for N in $SIZES; do
  echo 0 > "$ND/sriov_numvfs"; echo "$N" > "$ND/sriov_numvfs"
  log "=== $N VFs"
  # sriovctl
  : > /tmp/t; : > /tmp/m
  for i in $(seq 1 "$RUNS"); do
    r=$((r + 1)); vals $r
    line=$(timed sriovctl --json set "$IF#0-$((N - 1))" mac-from=$(mac_of $P 0) vlan=$V qos=$Q \
           min-rate=$MIN max-rate=$MAX spoofchk=$FL trust=$FL link-state=$ST)
    [ "$(field "$line" status)" = 0 ] || { cat /tmp/rs; die "sriovctl failed"; }
    field "$line" wall_s >> /tmp/t; field "$line" maxrss_kb >> /tmp/m
    SETS=$(grep '"set_requests"' /tmp/rs.out | tr -dc 0-9); GETS=$(grep '"get_requests"' /tmp/rs.out | tr -dc 0-9)
  done
  echo "RESULT n=$N method=sriovctl runs=$RUNS median_s=$(median < /tmp/t) maxrss_kb=$(median < /tmp/m) set_msgs=$SETS get_msgs=$GETS"
  # verify the last run independently
  vfdump "$IF" > /tmp/d
  assert_eq "$N" "$(grep -c "vlan $V qos $Q proto 802.1Q min_rate $MIN max_rate $MAX spoofchk $FN trust $FN link_state $ST" /tmp/d)" "sriovctl run applied to all $N VFs"
  # no-op repeat
  : > /tmp/t
  for i in $(seq 1 "$RUNS"); do
    line=$(timed sriovctl --json set "$IF#0-$((N - 1))" mac-from=$(mac_of $P 0) vlan=$V qos=$Q \
           min-rate=$MIN max-rate=$MAX spoofchk=$FL trust=$FL link-state=$ST)
    field "$line" wall_s >> /tmp/t; M=$(field "$line" maxrss_kb)
    SETS=$(grep '"set_requests"' /tmp/rs.out | tr -dc 0-9); GETS=$(grep '"get_requests"' /tmp/rs.out | tr -dc 0-9)
  done
  echo "RESULT n=$N method=noop-repeat runs=$RUNS median_s=$(median < /tmp/t) maxrss_kb=$M set_msgs=$SETS get_msgs=$GETS"
  # floor
  : > /tmp/t
  for i in $(seq 1 "$RUNS"); do
    r=$((r + 1)); vals $r
    line=$(timed nlfloor "$IF" "$N" "$P" $V $Q $MIN $MAX $FN $SN)
    field "$line" wall_s >> /tmp/t; M=$(field "$line" maxrss_kb)
  done
  echo "RESULT n=$N method=floor runs=$RUNS median_s=$(median < /tmp/t) maxrss_kb=$M set_msgs=$(sed -n 's/.* in \([0-9]*\) messages/\1/p' /tmp/rs.out)"
  # ip, one process per VF
  : > /tmp/t
  for i in $(seq 1 "$IP_RUNS"); do
    r=$((r + 1)); vals $r
    : > /tmp/ipvf.sh
    for vf in $(seq 0 $((N - 1))); do
      echo "$IP link set $IF vf $vf mac $(mac_of $P $vf) vlan $V qos $Q min_tx_rate $MIN max_tx_rate $MAX spoofchk $FL trust $FL state $ST || exit 1" >> /tmp/ipvf.sh
    done
    line=$(timed sh /tmp/ipvf.sh)
    [ "$(field "$line" status)" = 0 ] || { cat /tmp/rs; fail "ip per VF failed at N=$N"; }
    field "$line" wall_s >> /tmp/t; M=$(field "$line" maxrss_kb)
  done
  echo "RESULT n=$N method=ip-per-vf runs=$IP_RUNS median_s=$(median < /tmp/t) maxrss_kb=$M set_msgs=$N processes=$N"
  # ip, one process per attribute
  if [ "$N" -le "$ATTR_MAX" ]; then
    : > /tmp/t
    for i in $(seq 1 "$IP_RUNS"); do
      r=$((r + 1)); vals $r
      : > /tmp/ipattr.sh
      for vf in $(seq 0 $((N - 1))); do
        cat >> /tmp/ipattr.sh <<EOS
$IP link set $IF vf $vf mac $(mac_of $P $vf) || exit 1
$IP link set $IF vf $vf vlan $V qos $Q || exit 1
$IP link set $IF vf $vf min_tx_rate $MIN max_tx_rate $MAX || exit 1
$IP link set $IF vf $vf spoofchk $FL || exit 1
$IP link set $IF vf $vf trust $FL || exit 1
$IP link set $IF vf $vf state $ST || exit 1
EOS
      done
      line=$(timed sh /tmp/ipattr.sh)
      [ "$(field "$line" status)" = 0 ] || { cat /tmp/rs; fail "ip per attribute failed at N=$N"; }
      field "$line" wall_s >> /tmp/t; M=$(field "$line" maxrss_kb)
    done
    echo "RESULT n=$N method=ip-per-attribute runs=$IP_RUNS median_s=$(median < /tmp/t) maxrss_kb=$M set_msgs=$((6 * N)) processes=$((6 * N))"
  fi
done
