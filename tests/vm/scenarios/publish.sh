#!/bin/sh
# sriovctl publish from real state: nvme VFs on vfio-pci and an mbochs vGPU. Every /dev/vfio/N
# a CDI spec names is that device's real IOMMU group, read from sysfs here, and a character
# device; libvirt's snippets name the real addresses and UUID; the json list carries both; a
# device a process holds (vfio_hold opens the VF as QEMU does) is published, marked with the
# holder, and destroying it is refused naming that holder; publishing writes to no device;
# a second publish changes nothing and --remove takes the files back.
# topology: nvme:2
# modules: mbochs:count=64
# requires: sriovctl vgpuctl vfio_hold
# timeout: 240
. "${RIG_LIB:-/host/lib.sh}"

PF=$(nvme_pfs | head -1)
[ -n "$PF" ] || die "no nvme PF"
expect_exit 0 sriovctl create "$PF" 2 --no-autoprobe --driver vfio-pci
VF0=$(vf_addr "$PF" 0); VF1=$(vf_addr "$PF" 1)
assert_eq vfio-pci "$(vf_driver "$PF" 1)" "VF1 on vfio-pci"
expect_exit 0 vgpuctl create mbochs --type mbochs-small --count 1
UUID=$(ls /sys/bus/mdev/devices | head -1)
[ -n "$UUID" ] || die "no mdev"
MGROUP=$(basename "$(readlink /sys/bus/mdev/devices/$UUID/iommu_group)")

state() { echo "$(sriov_state "$PF") mdevs=$(ls /sys/bus/mdev/devices | tr '\n' ,)"; }
BEFORE=$(state)

log "--- cdi: every device node is the device's real group"
expect_exit 0 sriovctl publish cdi --output /tmp/cdi
assert_exists /tmp/cdi/sriovctl-vf.json "the VF spec"
assert_exists /tmp/cdi/sriovctl-vgpu.json "the vGPU spec"
for i in 0 1; do
  g=$(vf_group "$PF" $i)
  assert_grep "\"path\": \"/dev/vfio/$g\"" /tmp/cdi/sriovctl-vf.json "VF$i: the spec names /dev/vfio/$g, its group in sysfs"
  [ -c "/dev/vfio/$g" ] && _pass "/dev/vfio/$g is a character device" || fail "/dev/vfio/$g is not a character device"
done
assert_grep "\"path\": \"/dev/vfio/$MGROUP\"" /tmp/cdi/sriovctl-vgpu.json "the vGPU spec names /dev/vfio/$MGROUP, the mdev's group"
[ -c "/dev/vfio/$MGROUP" ] && _pass "/dev/vfio/$MGROUP is a character device" || fail "/dev/vfio/$MGROUP missing"
assert_grep "\"name\": \"$UUID\"" /tmp/cdi/sriovctl-vgpu.json "the vGPU is named by its UUID"
assert_grep '"cdiVersion": "0.5.0"' /tmp/cdi/sriovctl-vf.json "names starting with a digit need CDI 0.5.0"

log "--- libvirt, json"
expect_exit 0 sriovctl publish libvirt --output /tmp/lv
bus=$(echo "$VF1" | cut -d: -f2); slot=$(echo "$VF1" | cut -d: -f3 | cut -d. -f1); fn=${VF1##*.}
assert_grep "<address domain='0x0000' bus='0x$bus' slot='0x$slot' function='0x$fn'/>" "/tmp/lv/hostdev-$VF1.xml" "hostdev snippet of VF1 names its address"
assert_grep "managed='no'" "/tmp/lv/hostdev-$VF1.xml" "a VF on vfio-pci is managed='no' (libvirt leaves its binding)"
assert_grep "<address uuid='$UUID'/>" "/tmp/lv/hostdev-$UUID.xml" "mdev hostdev snippet names the UUID"
assert_grep "no nodedev XML for mdev $UUID: its parent mbochs is not a PCI device" "$ERR" "no nodedev for a non-PCI parent, said"
expect_exit 0 sriovctl publish json
assert_grep "\"id\": \"$VF0\"" "$OUT" "json lists VF0"
assert_grep "\"id\": \"$UUID\"" "$OUT" "json lists the vGPU"
assert_grep '"kind": "pci"' "$OUT" "nvme VFs are plain PCI devices"
assert_grep '"kind": "mdev"' "$OUT" "the vGPU is an mdev"
assert_eq "$BEFORE" "$(state)" "publishing wrote to no device (VFs, drivers, mdevs as before)"

log "--- a held device is published, marked, and kept"
vfio_hold "$VF0" > /tmp/hold.out 2>&1 &
HOLDER=$!
n=0; until grep -q holding /tmp/hold.out; do n=$((n + 1)); [ $n -lt 100 ] || die "vfio_hold: $(cat /tmp/hold.out)"; sleep 0.1; done
expect_exit 0 sriovctl publish json
assert_grep "\"pid\": $HOLDER" "$OUT" "json names the holder's pid"
assert_grep "$VF0 is in use: pid $HOLDER \\(vfio_hold\\)" "$ERR" "a warning names the holder"
expect_exit 0 sriovctl publish cdi --output /tmp/cdi
assert_grep "\"name\": \"$(echo "$VF0" | tr ':.' '--')\"" /tmp/cdi/sriovctl-vf.json "the held VF stays published"
expect_exit 3 sriovctl destroy "$PF" --force
assert_grep "pid $HOLDER \\(vfio_hold\\) holds /dev/vfio/" "$ERR" "destroy is refused, naming the holder"
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null

log "--- again: nothing changes; --remove takes everything back"
expect_exit 0 sriovctl publish libvirt --output /tmp/lv
assert_grep "no changes" "$OUT" "a second publish writes nothing"
expect_exit 0 sriovctl publish libvirt --output /tmp/lv --remove
assert_eq "" "$(ls -A /tmp/lv)" "--remove left the directory empty"
expect_exit 0 sriovctl destroy "$PF" --force
expect_exit 0 sriovctl publish cdi --output /tmp/cdi
assert_missing /tmp/cdi/sriovctl-vf.json "with the VFs gone, their spec is removed"
assert_exists /tmp/cdi/sriovctl-vgpu.json "the vGPU spec stays"
expect_exit 0 vgpuctl remove "$UUID"

log "--- apply publishes the profile's formats from the host as its steps left it"
cat > /tmp/p.yaml <<P
version: 1
nics:
  - pf: $PF
    num-vfs: 2
    drivers-autoprobe: false
    vfs:
      - id: 0-1
        driver: vfio-pci
    publish:
      pool: nvme_pool
publish:
  - format: cdi
    output: /tmp/cdi-apply
  - format: json
    output: /tmp/json-apply
P
expect_exit 0 sriovctl apply -f /tmp/p.yaml
assert_grep "published cdi to /tmp/cdi-apply: 2 file writes" "$OUT" "apply published the CDI specs"
for i in 0 1; do
  assert_grep "\"path\": \"/dev/vfio/$(vf_group "$PF" $i)\"" /tmp/cdi-apply/sriovctl-vf.json "VF$i, created by this apply, is in the spec with its group"
done
assert_grep '"pool": "nvme_pool"' /tmp/json-apply/sriovctl-devices.json "the profile's pool name"
expect_exit 0 sriovctl apply -f /tmp/p.yaml
assert_grep "published cdi to /tmp/cdi-apply: no changes" "$OUT" "a second apply publishes nothing new"
log "--- a refused apply leaves the published files as they were"
sed -i "s/num-vfs: 2/num-vfs: 1/; s/id: 0-1/id: 0/" /tmp/p.yaml  # 2 -> 1 goes through 0: refused
SPEC=$(cat /tmp/cdi-apply/sriovctl-vf.json)
expect_exit 3 sriovctl apply -f /tmp/p.yaml
assert_eq "$SPEC" "$(cat /tmp/cdi-apply/sriovctl-vf.json)" "the spec is unchanged"
assert_no_grep "published" "$OUT" "nothing was published"
expect_exit 0 sriovctl destroy "$PF" --force
