#!/bin/sh
# VF settings over rtnetlink on netdevsim: every attribute on 300 VFs in one command, checked
# with vfdump (an independent raw-netlink dump) and /usr/bin/ip; the repeat sends nothing; a
# value the driver stores differently is caught; a kernel refusal mid-command leaves the PF
# exactly as it was; 1024 VFs (well past the 64 KiB attribute limit) in one command.
# topology: none
# modules: netdevsim
# requires: sriovctl
# timeout: 400
. "${RIG_LIB:-/host/lib.sh}"

vf_line() { grep "^vf $2 " "$1"; }
# Count VFs in a vfdump whose settings (all but the MAC) are exactly $2.
count_matching() { sed 's/^vf [0-9]* mac [0-9a-f:]* //' "$1" | grep -cxF "$2"; }

log "--- 300 VFs, every attribute, one command"
new_netdevsim 3 1024
expect_exit 0 sriovctl create "$IF" 300
assert_file 300 /sys/bus/netdevsim/devices/netdevsim3/sriov_numvfs "300 VFs"
SIX="vlan-id=100 qos=3 vlan-proto=802.1ad min-tx-rate=100 max-tx-rate=1000 spoof-check=on trust=on link-state=enable query-rss=on"
expect_exit 0 sriovctl --json set "$IF#0-299" mac-from=02:00:00:00:10:00 $SIX
assert_grep '"set_requests": 1$' "$OUT" "one RTM_SETLINK for 300 VFs"
assert_grep '"changed": true' "$OUT" "changed"
vfdump "$IF" > /tmp/d1 || fail "vfdump failed"
assert_eq "num_vf 300 listed 300" "$(tail -1 /tmp/d1)" "vfdump lists all 300 VFs"
WANT="vlan 100 qos 3 proto 802.1ad min_rate 100 max_rate 1000 spoofchk 1 trust 1 link_state enable query_rss 1"
assert_eq 300 "$(count_matching /tmp/d1 "$WANT")" "every VF has every setting"
assert_eq "vf 0 mac 02:00:00:00:10:00 $WANT" "$(vf_line /tmp/d1 0)" "VF 0"
assert_eq "vf 299 mac 02:00:00:00:11:2b $WANT" "$(vf_line /tmp/d1 299)" "VF 299 got base + 299"
assert_eq 300 "$(grep '^vf ' /tmp/d1 | awk '{print $4}' | sort -u | wc -l)" "300 distinct MACs"
/usr/bin/ip -d link show "$IF" > /tmp/ip 2>/tmp/ip.err
assert_grep 'vf 7 .*link/ether 02:00:00:00:10:07.*vlan 100, qos 3, vlan protocol 802.1ad' /tmp/ip "ip: VF 7 MAC and QinQ VLAN"
assert_grep 'vf 7 .*max_tx_rate 1000Mbps, min_tx_rate 100Mbps' /tmp/ip "ip: VF 7 rates"
assert_grep 'vf 7 .*spoof checking on, link-state enable, trust on, query_rss on' /tmp/ip "ip: VF 7 flags"

log "--- the same command again sends no set request"
expect_exit 0 sriovctl --json set "$IF#0-299" mac-from=02:00:00:00:10:00 $SIX
assert_grep '"set_requests": 0$' "$OUT" "no RTM_SETLINK on repeat"
assert_grep '"changed": false' "$OUT" "changed: false"
expect_exit 0 sriovctl set "$IF#0-299" mac-from=02:00:00:00:10:00 $SIX
assert_grep '^no changes$' "$OUT" "text says no changes"

log "--- one attribute on a range changes only that (in iproute2's spellings)"
expect_exit 0 sriovctl set "$IF#10-19" proto=802.1Q state=disable spoofchk=off trust=off query_rss=off
vfdump "$IF" > /tmp/d2
assert_eq "vf 12 mac 02:00:00:00:10:0c vlan 100 qos 3 proto 802.1Q min_rate 100 max_rate 1000 spoofchk 0 trust 0 link_state disable query_rss 0" "$(vf_line /tmp/d2 12)" "VF 12 flags off, 802.1Q"
assert_eq "$(vf_line /tmp/d1 20)" "$(vf_line /tmp/d2 20)" "VF 20 untouched"

log "--- validation refuses before anything is sent"
vfdump "$IF" > /tmp/before
expect_exit 2 sriovctl set "$IF#0" min-rate=500 max-rate=100
assert_grep 'min-tx-rate 500 is above max-tx-rate 100' "$ERR" "min > max named"
expect_exit 2 sriovctl set "$IF#0" mac=01:00:5e:00:00:01
assert_grep 'multicast' "$ERR" "multicast MAC named"
expect_exit 2 sriovctl set "$IF#0" qos=8
expect_exit 4 sriovctl set "$IF#300" vlan=1
assert_grep 'the PF has 300 VFs' "$ERR" "VF index past numvfs named"
vfdump "$IF" > /tmp/after
assert_eq "" "$(diff /tmp/before /tmp/after)" "nothing changed by refused commands"

log "--- a value the driver stores differently is caught by the read-back"
expect_exit 1 sriovctl set "$IF#5" max-rate=70000
assert_grep 'max-tx-rate asked 70000, reads 4464' "$ERR" "16-bit rate caught"
vfdump "$IF" > /tmp/after
assert_eq "" "$(diff /tmp/before /tmp/after)" "VF 5 restored (max-rate 1000 again)"

log "--- a kernel refusal mid-command leaves the PF exactly as it was"
new_netdevsim 4 16
expect_exit 0 sriovctl create "$IF" 8
expect_exit 0 sriovctl set "$IF#0-3" max-rate=1000
expect_exit 0 sriovctl set "$IF#4-7" max-rate=500
vfdump "$IF" > /tmp/before
devlink dev eswitch set netdevsim/netdevsim4 mode switchdev || die "cannot switch to switchdev"
# In switchdev mode netdevsim refuses rates (EOPNOTSUPP): VFs 0-3 only need the VLAN, VF 4
# needs the VLAN and a rate, so the kernel applies 0-3 and VF 4's VLAN, then stops.
expect_exit 1 sriovctl --json set "$IF#0-7" vlan=200 max-rate=1000
assert_grep 'driver netdevsim does not support min/max-tx-rate' "$ERR" "refusal names driver and field"
assert_grep 'VFs 0-4 had been changed and were restored' "$ERR" "says what was restored"
vfdump "$IF" > /tmp/after
assert_eq "" "$(diff /tmp/before /tmp/after)" "PF exactly as before"
devlink dev eswitch set netdevsim/netdevsim4 mode legacy

log "--- 1024 VFs, past the 64 KiB attribute limit"
new_netdevsim 5 1024
expect_exit 0 sriovctl create "$IF" 1024
expect_exit 0 sriovctl --json set "$IF#0-1023" mac-from=02:00:00:01:00:00 $SIX
# nine attributes with QinQ are 132 bytes per VF: 1024 VFs need 3 lists under 64 KiB
assert_grep '"set_requests": 3$' "$OUT" "three RTM_SETLINK for 1024 VFs (what 64 KiB forces)"
vfdump "$IF" > /tmp/d3 || fail "vfdump failed"
assert_eq "num_vf 1024 listed 1024" "$(tail -1 /tmp/d3)" "vfdump lists 1024 VFs"
assert_eq 1024 "$(count_matching /tmp/d3 "$WANT")" "all 1024 VFs have every setting"
assert_eq "vf 1023 mac 02:00:00:01:03:ff $WANT" "$(vf_line /tmp/d3 1023)" "VF 1023"
expect_exit 0 sriovctl --json show "$IF"
assert_grep '"max_tx_rate": 1000' "$OUT" "show reads the settings of 1024 VFs"
assert_eq 1024 "$(grep -c '"vlan_id": 100,' "$OUT")" "show: 1024 VFs on VLAN 100"
expect_exit 0 sriovctl --json set "$IF#0-1023" mac-from=02:00:00:01:00:00 $SIX
assert_grep '"set_requests": 0$' "$OUT" "repeat at 1024 sends nothing"
