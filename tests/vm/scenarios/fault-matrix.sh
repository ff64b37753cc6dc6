#!/bin/sh
# The fault and kill matrices: representative plans run once for every step K, failing at K
# (SRIOV_FAULT=K:fail) or killed with SIGKILL before K, once K's start is journaled, or after
# its writes, or killed inside the write(2) of K's "started" or "done" journal record (the
# kernel tears it: SIGXFSZ); after a failure the host must be exactly as before, and after a kill
# `sriovctl recover` (or, every other time, the next writer) must bring it back. The host is
# read with the rig's own readers (sysfs, vfdump, /sys/bus/mdev, /etc/mdevctl.d), not the tool.
# Plans: a profile over an nvme PF and a netdevsim PF with VF settings and vfio-pci binding,
# then one that re-creates the netdevsim VFs with other settings; a gpus: profile on mbochs with start: auto; vgpuctl create --count 3; sriovctl create --force
# through 0.
# topology: nvme:8
# modules: netdevsim mbochs:count=1024
# requires: sriovctl vgpuctl
# timeout: 900
. "${RIG_LIB:-/host/lib.sh}"

PF=$(nvme_pfs | head -1)
[ -n "$PF" ] || die "no nvme PF"
new_netdevsim 7 8
mkdir -p /run/sriov && touch /run/sriov/fault-injection-armed

# Everything a plan here can change, read without the tools.
state() {
  echo "nvme: $(sriov_state "$PF")"
  echo "nsim: numvfs=$(cat "$ND/sriov_numvfs")"
  vfdump "$IF" 2>/dev/null
  for m in /sys/bus/mdev/devices/*; do [ -e "$m" ] && echo "mdev ${m##*/} $(type_of "${m##*/}")"; done
  find /etc/mdevctl.d -type f 2>/dev/null | sort
  [ -e /run/sriov/journal.json ] && echo "journal left behind"
  true
}

printf 'version: 1\nnics: []\n' > /tmp/nothing.yaml
CASES=0; PASSED=0
case_result() { # expected-state msg
  CASES=$((CASES + 1))
  if [ "$1" = "$(state)" ]; then PASSED=$((PASSED + 1)); _pass "$2"; else
    fail "$2: the host is not as before"; echo "$1" > /tmp/want; state > /tmp/got
    diff /tmp/want /tmp/got | sed 's/^/    | /' | head -20; fi
}

matrix() { # name cmd... (without --dry-run)
  local name=$1 before n k what i=0
  shift
  before=$(state)
  expect_exit 0 "$@" --dry-run --json
  n=$(grep -c '"index":' "$OUT")
  [ "$n" -gt 0 ] || die "$name: the plan has no steps"
  log "--- $name: $n steps"
  k=1
  while [ "$k" -le "$n" ]; do
    export SRIOV_FAULT="$k:fail"
    expect_exit 1 "$@"
    unset SRIOV_FAULT
    assert_grep 'injected failure' "$ERR" "$name: step $k failed as injected"
    case_result "$before" "$name: fail at step $k of $n leaves the host as before"
    for what in kill-before kill-started kill-after kill-torn-started kill-torn-done; do
      export SRIOV_FAULT="$k:$what"
      case $what in
        kill-torn-*)  # SIGXFSZ inside the record's write(2): the file ends mid-record
          expect_exit 153 "$@"
          [ "$(tail -c 1 /run/sriov/journal.json | od -An -c | tr -d ' ')" != '\n' ] ||
            fail "$name: $what at step $k: the journal's last record is whole, not torn" ;;
        *) expect_exit 137 "$@" ;;
      esac
      unset SRIOV_FAULT
      i=$((i + 1))
      # Every other kill is rolled back by recover, the others by the next writer.
      if [ $((i % 2)) -eq 0 ]; then expect_exit 0 sriovctl recover
      else expect_exit 0 sriovctl apply -f /tmp/nothing.yaml; fi
      case_result "$before" "$name: $what at step $k of $n, then $([ $((i % 2)) -eq 0 ] && echo recover || echo 'the next writer')"
    done
    k=$((k + 1))
  done
  expect_exit 0 "$@"  # and the plan itself still works from there
}

cat > /tmp/nics.yaml <<EOP
version: 1
nics:
  - pf: $PF
    num-vfs: 4
    drivers-autoprobe: false
    vfs:
      - id: 0-1
        driver: vfio-pci
  - pf: $IF
    num-vfs: 3
    vfs:
      - id: 0-2
        mac-from: "02:00:00:bb:00:00"
        vlan-id: 7
        trust: true
EOP
matrix "nics profile" sriovctl apply -f /tmp/nics.yaml

# VFs that exist with settings, re-created (3 -> 0 -> 2) and given new ones: undoing the
# settings step needs what it read before its first send, so its journal record must carry it
# (netdevsim keeps a VF's settings across the re-creation, so a lost undo shows).
sed 's/num-vfs: 3/num-vfs: 2/; s/id: 0-2/id: 0-1/; s/vlan-id: 7/vlan-id: 8/' /tmp/nics.yaml > /tmp/nics2.yaml
matrix "nics profile, VFs re-created with new settings" sriovctl apply -f /tmp/nics2.yaml --allow-disruption

cat > /tmp/gpus.yaml <<EOP
version: 1
gpus:
  - gpu: mbochs
    framebuffer: 40M
    count: 2
    start: auto
EOP
matrix "gpus profile" sriovctl apply -f /tmp/gpus.yaml

matrix "vgpuctl create" vgpuctl create mbochs --type mbochs-small --count 3

# The nvme PF has 4 VFs (two on vfio-pci) from the nics profile: 4 -> 0 -> 6 and a bind.
matrix "create --force through 0" sriovctl create "$PF" 6 --force --no-autoprobe --driver vfio-pci

rm -f /run/sriov/fault-injection-armed
log "fault and kill matrices: $PASSED of $CASES (plan, step, fault) cases left the host as before"
assert_eq "$CASES" "$PASSED" "every case"
