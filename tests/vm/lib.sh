# tests/vm/lib.sh — assertion helpers for rig scenarios (busybox sh, inside the guest).
# A scenario starts with:   . "${RIG_LIB:-/host/lib.sh}"
#
# Every check reads KERNEL STATE directly (sysfs, /dev/vfio, /proc, /usr/bin/ip, dmesg),
# never the output of the tool under test. Failed checks are counted and the scenario goes
# on; at exit the scenario fails if any check failed, if no check ran at all, or if the
# kernel log shows a splat (WARNING/BUG/Oops/hung task) written during the scenario.
#
#   log MSG...                      line prefixed with the scenario name
#   assert_eq EXPECTED ACTUAL MSG   string equality
#   assert_ne UNEXPECTED ACTUAL MSG
#   assert_file VALUE PATH [MSG]    PATH (e.g. a sysfs attribute) reads VALUE
#   assert_exists PATH [MSG]        assert_missing PATH [MSG]
#   assert_grep REGEX FILE [MSG]    assert_no_grep REGEX FILE [MSG]   (grep -E)
#   expect_exit CODE CMD...         runs CMD, shows its stdout/stderr, checks its status
#                                   (CODE may list alternatives: "2|3");
#                                   output kept in $OUT / $ERR (files), status in $RC
#   die MSG                         fail and stop the scenario now
#   pf_dir PF                       /sys/bus/pci/devices/<full address> for 01:00.0 or full
#   nvme_pfs                        addresses of the SR-IOV nvme PFs, sorted
#   numvfs PF | virtfn_count PF | bus_vf_count PF (devices whose physfn is PF)
#   vf_addr PF N | vf_driver PF N (driver name, "none" unbound, "novf" no such VF)
#   vf_group PF N (IOMMU group number)
#   sriov_state PF                  one-line fingerprint: numvfs, autoprobe, every VF + driver
#   holders PATH                    "pid:comm" of every process with PATH open (from /proc)
#   mdevs | type_of UUID | count_type TYPE   mdev instances in /sys/bus/mdev/devices: how many,
#                                   one's type, how many of a type
#   dmesg_mark / dmesg_since_mark   kernel log lines written after the mark
#   two_nic_profile FILE NVME_VFS NSIM_VFS VLAN [LINE]   a profile over $PF (nvme, VFs 0-1 on
#                                   vfio-pci) and $IF (netdevsim, every VF on VLAN, plus LINE)

SCENARIO=${SCENARIO:-$(basename "$0" .sh)}
_FAILS=0
_CHECKS=0
OUT=/tmp/rig.$$.out
ERR=/tmp/rig.$$.err
RC=

log() { echo "[$SCENARIO] $*"; }
_pass() { _CHECKS=$((_CHECKS + 1)); echo "[$SCENARIO]   ok: $*"; }
fail() { _CHECKS=$((_CHECKS + 1)); _FAILS=$((_FAILS + 1)); echo "[$SCENARIO] FAIL: $*"; }
die() { fail "$*"; exit 1; }

_rig_exit() {
  local rc=$?
  # A kernel splat during the scenario fails it, whatever the checks said (the guest init
  # clears the kernel log before each scenario). RIG_ALLOW_SPLAT=1 for a scenario that
  # provokes one on purpose.
  if [ "${RIG_ALLOW_SPLAT:-0}" != 1 ] &&
     dmesg | grep -Eq 'WARNING:|BUG:|Oops|general protection|Call Trace:|hung_task|blocked for more than'; then
    echo "[$SCENARIO] FAIL: kernel splat in dmesg during the scenario:"
    dmesg | grep -E -A3 'WARNING:|BUG:|Oops|general protection|Call Trace:|hung_task|blocked for more than' | head -30 | sed 's/^/    dmesg| /'
    _FAILS=$((_FAILS + 1))
  fi
  if [ "$_CHECKS" = 0 ]; then
    echo "[$SCENARIO] FAIL: no check ran (a broken scenario must not pass)"; rc=1
  fi
  [ "$_FAILS" = 0 ] || [ "$rc" != 0 ] || rc=1
  echo "[$SCENARIO] result: $_CHECKS checks, $_FAILS failed, exit $rc"
  rm -f "$OUT" "$ERR"
  exit "$rc"
}
trap _rig_exit EXIT

assert_eq() { # expected actual msg
  if [ "$1" = "$2" ]; then _pass "$3 (= '$1')"; else fail "$3: expected '$1', got '$2'"; fi
}
assert_ne() {
  if [ "$1" != "$2" ]; then _pass "$3 ('$2' != '$1')"; else fail "$3: got '$2', which it must not be"; fi
}
assert_file() { # value path [msg]
  local v
  if [ ! -e "$2" ]; then fail "${3:-$2}: $2 does not exist"; return; fi
  v=$(cat "$2" 2>&1) || { fail "${3:-$2}: cannot read $2: $v"; return; }
  assert_eq "$1" "$v" "${3:-$2}"
}
assert_exists() { if [ -e "$1" ] || [ -L "$1" ]; then _pass "${2:-exists} ($1)"; else fail "${2:-exists}: $1 does not exist"; fi; }
assert_missing() { if [ -e "$1" ] || [ -L "$1" ]; then fail "${2:-missing}: $1 exists"; else _pass "${2:-missing} ($1 absent)"; fi; }
assert_grep() { if grep -Eq -- "$1" "$2"; then _pass "${3:-$2 matches /$1/}"; else fail "${3:-grep}: /$1/ not found in $2"; sed 's/^/    | /' "$2" | head -20; fi; }
assert_no_grep() { if grep -Eq -- "$1" "$2"; then fail "${3:-grep}: /$1/ found in $2"; grep -E -- "$1" "$2" | head -5 | sed 's/^/    | /'; else _pass "${3:-$2 has no /$1/}"; fi; }

expect_exit() { # code cmd...
  local want=$1 t0 t1
  shift
  echo "[$SCENARIO] \$ $*"
  t0=$(cut -d' ' -f1 /proc/uptime)
  "$@" >"$OUT" 2>"$ERR"
  RC=$?
  t1=$(cut -d' ' -f1 /proc/uptime)
  sed 's/^/    out| /' "$OUT" | head -${RIG_OUTPUT_LINES:-40}
  [ "$(wc -l < "$OUT")" -le "${RIG_OUTPUT_LINES:-40}" ] || echo "    out| ... ($(wc -l < "$OUT") lines)"
  sed 's/^/    err| /' "$ERR" | head -20
  if case "|$want|" in *"|$RC|"*) true ;; *) false ;; esac; then
    _pass "exit $RC ($(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')s): $1 ${2:-}"
  else
    fail "expected exit $want, got $RC: $*"
  fi
}

pf_dir() { # PF (full or short PCI address)
  case $1 in
    ????:??:??.?) echo "/sys/bus/pci/devices/$1" ;;
    ??:??.?) echo "/sys/bus/pci/devices/0000:$1" ;;
    *) echo "/nonexistent/pf-$1" ;;
  esac
}
nvme_pfs() {
  local d
  for d in /sys/bus/pci/devices/*; do
    [ -e "$d/sriov_totalvfs" ] && [ "$(cat "$d/class")" = 0x010802 ] && echo "${d##*/}"
  done | sort
}
numvfs() { cat "$(pf_dir "$1")/sriov_numvfs"; }
virtfn_count() { local n=0 l; for l in "$(pf_dir "$1")"/virtfn*; do [ -L "$l" ] && n=$((n + 1)); done; echo $n; }
bus_vf_count() { # devices on the PCI bus whose physfn points at PF
  local pf n=0 d
  pf=$(basename "$(pf_dir "$1")")
  for d in /sys/bus/pci/devices/*; do
    [ -L "$d/physfn" ] && [ "$(basename "$(readlink "$d/physfn")")" = "$pf" ] && n=$((n + 1))
  done
  echo $n
}
vf_addr() { local l; l="$(pf_dir "$1")/virtfn$2"; [ -L "$l" ] && basename "$(readlink "$l")"; }
vf_driver() { # PF N
  local l
  l="$(pf_dir "$1")/virtfn$2"
  [ -L "$l" ] || { echo novf; return; }
  if [ -L "$l/driver" ]; then basename "$(readlink "$l/driver")"; else echo none; fi
}
vf_group() { local l; l="$(pf_dir "$1")/virtfn$2/iommu_group"; [ -L "$l" ] && basename "$(readlink "$l")"; }
sriov_state() { # PF
  local d i=0 s
  d=$(pf_dir "$1")
  s="numvfs=$(cat "$d/sriov_numvfs") autoprobe=$(cat "$d/sriov_drivers_autoprobe")"
  while [ -L "$d/virtfn$i" ]; do s="$s vf$i=$(vf_addr "$1" $i):$(vf_driver "$1" $i)"; i=$((i + 1)); done
  echo "$s"
}
holders() { # path — pid:comm of every process holding it open
  local want fd p
  want=$(readlink -f "$1")
  for fd in /proc/[0-9]*/fd/*; do
    [ "$(readlink "$fd" 2>/dev/null)" = "$want" ] || continue
    p=${fd#/proc/}; p=${p%%/*}
    echo "$p:$(cat "/proc/$p/comm" 2>/dev/null)"
  done | sort -u
}
hold() { # file — a background process (sleep) holds it open, as a VM's QEMU holds a VFIO
  # file; HOLDER is its pid, set once /proc shows it holding the file (or after 5 s)
  local n=0
  sleep 1000 3<>"$1" &
  HOLDER=$!
  until holders "$1" | grep -q "^$HOLDER:"; do n=$((n + 1)); [ $n -lt 50 ] || break; sleep 0.1; done
}
new_netdevsim() { # ID MAX_VFS — a netdevsim SR-IOV PF; sets ND (its device dir) and IF (netdev)
  local n=0
  echo "$1 1" > /sys/bus/netdevsim/new_device || die "cannot create netdevsim$1"
  ND=/sys/bus/netdevsim/devices/netdevsim$1
  while ! ls "$ND"/net/* >/dev/null 2>&1; do n=$((n + 1)); [ $n -lt 50 ] || die "no netdev for netdevsim$1"; sleep 0.1; done
  IF=$(ls "$ND/net" | head -1)
  echo "$2" > "/sys/kernel/debug/netdevsim/netdevsim$1/max_vfs" || die "cannot raise max_vfs of netdevsim$1"
}
# mdev instances, as /sys/bus/mdev/devices lists them
mdevs() { ls /sys/bus/mdev/devices | wc -l; }
type_of() { basename "$(readlink "/sys/bus/mdev/devices/$1/mdev_type")"; } # UUID
count_type() { # type — instances of it
  local n=0 d
  for d in /sys/bus/mdev/devices/*; do [ -e "$d" ] && [ "$(type_of "${d##*/}")" = "$1" ] && n=$((n + 1)); done
  echo $n
}
dmesg_mark() { _DMESG_MARK=$(dmesg | wc -l); }
dmesg_since_mark() { dmesg | tail -n +"$((${_DMESG_MARK:-0} + 1))"; }
two_nic_profile() { # FILE NVME_VFS NSIM_VFS VLAN [LINE]
  cat > "$1" <<EOP
version: 1
nics:
  - pf: $PF
    num-vfs: $2
    drivers-autoprobe: false
    vfs:
      - id: 0-1
        driver: vfio-pci
  - pf: $IF
    num-vfs: $3
    vfs:
      - id: 0-$(($3 - 1))
        vlan-id: $4
${5:+        $5}
EOP
}
