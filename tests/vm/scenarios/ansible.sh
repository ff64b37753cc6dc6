#!/bin/sh
# The Ansible collection on the real kernel: ansible-playbook (Debian's ansible-core, the
# host's userland under systemd) runs tests/ansible/kernel.yml with connection: local against
# an nvme PF, a netdevsim PF and mbochs. The playbook asserts, with readers that are not
# sriovctl (sysfs, vfdump, /sys/bus/mdev), that check mode writes nothing, that an apply
# brings the kernel to the profile and a second one reports changed=false, that `sriovctl
# status` (exit 7) catches a VF changed by hand, and that a failed apply (SRIOV_FAULT), a
# refused one and one blocked by a VF held open fail with the tool's text and leave the
# host as before. This scenario checks the playbook's recap and the kernel at the end.
# guest: systemd
# topology: nvme:8
# modules: overlay netdevsim mbochs:count=1024
# requires: sriovctl vgpuctl vfdump
# timeout: 600
if [ "$RIG_PHASE" = setup ]; then   # in the initramfs, before systemd
  R=$NEWROOT
  echo "6 1" > /sys/bus/netdevsim/new_device || exit 1
  exit 0
fi

. "${RIG_LIB:-/host/lib.sh}"
PF=$(nvme_pfs | head -1)
[ -n "$PF" ] || die "no nvme PF"
IF=$(ls /sys/bus/netdevsim/devices/netdevsim6/net | head -1)
[ -n "$IF" ] || die "no netdev for netdevsim6"
command -v ansible-playbook >/dev/null || die "ansible-playbook not in the guest's userland: run scripts/install-deps on the host"
U1=a5b1e000-0000-4000-8000-000000000001
U2=a5b1e000-0000-4000-8000-000000000002
U3=a5b1e000-0000-4000-8000-000000000003

# The independent reader the playbook compares: sysfs, vfdump (rtnetlink), /sys/bus/mdev.
P=$(pf_dir "$PF")
cat > /tmp/state <<EOF
#!/bin/sh
echo "nvme numvfs \$(cat $P/sriov_numvfs) autoprobe \$(cat $P/sriov_drivers_autoprobe)"
for l in $P/virtfn*; do
  [ -L "\$l" ] || continue
  d=\$(readlink "\$l/driver" 2>/dev/null)
  echo "nvme vf \${l##*virtfn} driver \${d##*/}"
done | sort -n -k3
echo "nsim numvfs \$(cat /sys/bus/netdevsim/devices/netdevsim6/sriov_numvfs)"
/host/bin/vfdump $IF || exit 1
for m in /sys/bus/mdev/devices/*; do
  [ -e "\$m" ] && t=\$(readlink "\$m/mdev_type") && echo "mdev \${m##*/} \${t##*/}"
done
true
EOF
chmod +x /tmp/state
log "--- the host before: $(/tmp/state | tr '\n' ';')"
mkdir -p /run/sriov /tmp/ansible/home /tmp/ansible/tmp /tmp/ansible/remote && touch /run/sriov/fault-injection-armed

# A private configuration, as tests/ansible/run uses; the collection as staged from ansible/.
printf '[defaults]\n' > /tmp/ansible/ansible.cfg
export ANSIBLE_CONFIG=/tmp/ansible/ansible.cfg ANSIBLE_HOME=/tmp/ansible/home \
  ANSIBLE_LOCAL_TEMP=/tmp/ansible/tmp ANSIBLE_REMOTE_TEMP=/tmp/ansible/remote \
  ANSIBLE_COLLECTIONS_PATH=/host/ansible ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
  ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCALHOST_WARNING=0 \
  ANSIBLE_INVENTORY_UNPARSED_WARNING=0 HOME=/tmp/ansible/home PYTHONDONTWRITEBYTECODE=1
log "--- $(ansible-playbook --version | head -1)"
t0=$(date +%s)
ansible-playbook -i localhost, -c local /host/ansible/kernel.yml \
  -e "{\"pf\": \"$PF\", \"nsim\": \"$IF\", \"state\": \"/tmp/state\", \"work\": \"/tmp/ansible\", \"u1\": \"$U1\", \"u2\": \"$U2\", \"u3\": \"$U3\"}" \
  > /tmp/play.out 2>&1
rc=$?
t1=$(date +%s)
sed 's/^/    play| /' /tmp/play.out | grep -v '^    play| *$' | grep -Ev '^    play\| (ok|changed): \[localhost\]( =>)?$' | head -150
log "ansible-playbook exit $rc in $((t1 - t0)) s"
assert_eq 0 "$rc" "ansible-playbook kernel.yml succeeded"
assert_grep '^localhost +: ok=[0-9]+ +changed=[0-9]+ +unreachable=0 +failed=0 +skipped=0 +rescued=0 +ignored=3' /tmp/play.out \
  "recap: no failure, the three failures on purpose ignored"
for n in 1 2 3 4 5 6 7 8 9; do
  assert_grep "^TASK \[\($n\) -> " /tmp/play.out "assertion ($n) ran"
done
log "--- the kernel at the end, read here"
assert_eq 0 "$(numvfs "$PF")" "nvme PF back to 0 VFs"
assert_file 0 /sys/bus/netdevsim/devices/netdevsim6/sriov_numvfs "netdevsim PF back to 0 VFs"
assert_eq 0 "$(mdevs)" "no vGPU left"
assert_missing /run/sriov/journal.json "no journal left behind"
