#!/bin/sh
# The strongest check of what publish hands out: a QEMU in the guest (the host's
# qemu-system-x86_64, staged) opens a published nvme VF (-device vfio-pci,host=ADDRESS, the
# address from the published libvirt snippet) and a published mbochs vGPU
# (-device vfio-pci,sysfsdev=/sys/bus/mdev/devices/UUID), started paused; `info pci` over its
# monitor shows both devices in the VM. While it runs, publish marks both as held by it, and
# destroying the VFs or removing the vGPU is refused naming QEMU; after `quit` both work.
# topology: nvme:2
# modules: mbochs:count=64
# requires: sriovctl vgpuctl qemu-system-x86_64
# timeout: 300
. "${RIG_LIB:-/host/lib.sh}"

PF=$(nvme_pfs | head -1)
[ -n "$PF" ] || die "no nvme PF"
expect_exit 0 sriovctl create "$PF" 1 --no-autoprobe --driver vfio-pci
expect_exit 0 vgpuctl create mbochs --type mbochs-small --count 1
expect_exit 0 sriovctl publish libvirt --output /tmp/lv
VF=$(ls /tmp/lv | sed -n 's/^hostdev-\(0000:[0-9a-f:.]*\)\.xml$/\1/p' | head -1)
UUID=$(ls /tmp/lv | sed -n 's/^hostdev-\([0-9a-f-]\{36\}\)\.xml$/\1/p' | head -1)
assert_eq "$(vf_addr "$PF" 0)" "$VF" "the published VF is VF0 of $PF"
[ -n "$UUID" ] && [ -e "/sys/bus/mdev/devices/$UUID" ] && _pass "the published UUID $UUID is an mdev" ||
  die "no published mdev ($UUID)"

log "--- QEMU opens both, paused"
mkfifo /tmp/mon.in
QEMU_MODULE_DIR=/host/qemu-data qemu-system-x86_64 -L /host/qemu-data -machine q35 -accel tcg -m 64 -nodefaults -display none -S \
  -monitor stdio -device "vfio-pci,host=$VF" -device "vfio-pci,sysfsdev=/sys/bus/mdev/devices/$UUID,display=off" \
  < /tmp/mon.in > /tmp/mon.out 2> /tmp/qemu.err &
QEMU=$!
exec 3> /tmp/mon.in
echo "info pci" >&3
n=0; until grep -q "Bus  0, device   2" /tmp/mon.out 2>/dev/null; do
  n=$((n + 1))
  kill -0 $QEMU 2>/dev/null || die "QEMU exited: $(cat /tmp/qemu.err)"
  [ $n -lt 600 ] || die "no 'info pci' answer in 60 s: $(cat /tmp/mon.out /tmp/qemu.err)"
  sleep 0.1
done
sleep 0.5
sed 's/^/    | /' /tmp/mon.out | grep -v "^    | *$" | head -40
VID=$(cat "$(pf_dir "$PF")/virtfn0/vendor" | sed 's/^0x//'); DID=$(cat "$(pf_dir "$PF")/virtfn0/device" | sed 's/^0x//')
assert_grep "PCI device $VID:$DID" /tmp/mon.out "the VM sees the VF ($VID:$DID) on its PCI bus"
assert_grep "PCI device 1234:1111" /tmp/mon.out "the VM sees the mbochs vGPU (1234:1111, a bochs display)"

log "--- held by QEMU: marked, and kept"
expect_exit 0 sriovctl publish json
assert_grep "\"pid\": $QEMU" "$OUT" "publish names QEMU as the holder"
assert_grep "$VF is in use: pid $QEMU \\(qemu-system-x86\\)" "$ERR" "warning names QEMU holding the VF"
assert_grep "$UUID is in use: pid $QEMU \\(qemu-system-x86\\)" "$ERR" "warning names QEMU holding the vGPU"
expect_exit 3 sriovctl destroy "$PF" --force
assert_grep "pid $QEMU \\(qemu-system-x86\\) holds /dev/vfio/" "$ERR" "destroy refused, naming QEMU"
expect_exit 3 vgpuctl remove "$UUID"
assert_grep "pid $QEMU \\(qemu-system-x86\\) holds /dev/vfio/" "$ERR" "vGPU removal refused, naming QEMU"
assert_eq 1 "$(numvfs "$PF")" "the VF is still there"
assert_exists "/sys/bus/mdev/devices/$UUID" "the vGPU is still there"

log "--- QEMU quits: both can go"
echo quit >&3
exec 3>&-
wait $QEMU
expect_exit 0 sriovctl destroy "$PF" --force
expect_exit 0 vgpuctl remove "$UUID"
assert_eq 0 "$(mdevs)" "no mdev left"
