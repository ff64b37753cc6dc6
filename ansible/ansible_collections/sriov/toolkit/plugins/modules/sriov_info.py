#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sriov-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ansible module: the host's SR-IOV PFs, VFs and vGPUs as sriovctl and vgpuctl see them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: sriov_info
short_description: Read the SR-IOV PFs, VFs and vGPU instances of a host
version_added: "0.1.0"
description:
  - Returns what C(sriovctl list), C(sriovctl show) and C(vgpuctl list) print with
    C(--json) on the target host (the shapes are in sriovctl(8) and vgpuctl(8), JSON OUTPUT),
    and optionally the host's current state as a profile (C(sriovctl show --profile)).
  - Writes nothing, takes no lock, and never reports C(changed).
author:
  - sriov-toolkit contributors (@sriov-toolkit)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
requirements:
  - C(sriovctl) on the target host (C(vgpuctl) too for I(gpus))
options:
  pfs:
    description:
      - The PFs to show with their VFs (PCI address, netdev or device name). All of the host's
        PFs when omitted; none when an empty list.
    type: list
    elements: str
  gpus:
    description:
      - Whether to return the vGPU-capable GPUs and their instances (C(vgpuctl list)).
      - When C(vgpuctl) is not installed the result has no C(gpus) and a warning says so.
    type: bool
    default: true
  profile:
    description:
      - Whether to return the host's current state as a profile that
        C(sriov.toolkit.sriov_profile) keeps as it is, in C(profile_yaml); every PF and GPU
        when I(pfs) is omitted, else the PFs named.
    type: bool
    default: false
  sriovctl:
    description:
      - The sriovctl program, by name (searched on the PATH, C(/usr/sbin) and
        C(/usr/local/sbin)) or by path.
    type: path
    default: sriovctl
  vgpuctl:
    description:
      - The vgpuctl program, found as I(sriovctl) is.
    type: path
    default: vgpuctl
  sysfs_root:
    description:
      - Read a host tree under this directory instead of C(/) (tests and fixtures).
    type: str
"""

EXAMPLES = r"""
- name: Read the PFs, VFs and vGPUs
  sriov.toolkit.sriov_info:
  register: sriov

- name: PFs with free VFs
  ansible.builtin.debug:
    msg: "{{ item.address }} has {{ item.total_vfs - item.num_vfs }} VFs left"
  loop: "{{ sriov.pfs }}"

- name: Save the host as a profile to apply elsewhere
  sriov.toolkit.sriov_info:
    pfs: [ens1f0]
    gpus: false
    profile: true
  register: current
"""

RETURN = r"""
pfs:
  description: Every PF of the host, as C(sriovctl --json list) prints its C(pfs).
  returned: always
  type: list
  elements: dict
  sample: [{"address": "0000:3b:00.0", "driver": "i40e", "num_vfs": 8, "total_vfs": 64}]
details:
  description: For each PF shown (by the name given, or its address), C(sriovctl --json show PF).
  returned: always
  type: dict
gpus:
  description: The GPUs and mdev parents with their instances, as C(vgpuctl --json list) prints them.
  returned: when I(gpus) and vgpuctl is installed
  type: dict
profile_yaml:
  description: The host's state as a profile (sriov-profile(5)).
  returned: when I(profile)
  type: str
"""

import json

from ansible.module_utils.basic import AnsibleModule


def find_program(module, option, required):
    name = module.params[option]
    if "/" in name:
        return name
    return module.get_bin_path(name, required=required, opt_dirs=["/usr/sbin", "/usr/local/sbin"])


def run_tool(module, program, args, want_json=True):
    cmd = [program]
    if want_json:
        cmd.append("--json")
    if module.params["sysfs_root"]:
        cmd += ["--sysfs-root", module.params["sysfs_root"]]
    cmd += args
    rc, stdout, stderr = module.run_command(
        cmd, check_rc=False, expand_user_and_vars=False, environ_update={"LC_ALL": "C"})
    if rc != 0:
        module.fail_json(msg="'%s' exited with %d: %s" % (" ".join(cmd), rc, stderr.strip()),
                         cmd=cmd, rc=rc, stderr=stderr)
    if not want_json:
        return stdout
    try:
        return json.loads(stdout)
    except ValueError:
        module.fail_json(msg="'%s' printed no JSON document" % " ".join(cmd), cmd=cmd, stdout=stdout)
    return None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            pfs=dict(type="list", elements="str"),
            gpus=dict(type="bool", default=True),
            profile=dict(type="bool", default=False),
            sriovctl=dict(type="path", default="sriovctl"),
            vgpuctl=dict(type="path", default="vgpuctl"),
            sysfs_root=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    sriovctl = find_program(module, "sriovctl", True)
    result = {"changed": False}
    result["pfs"] = run_tool(module, sriovctl, ["list"]).get("pfs") or []
    names = p["pfs"] if p["pfs"] is not None else [pf["address"] for pf in result["pfs"]]
    result["details"] = dict((name, run_tool(module, sriovctl, ["show", name])) for name in names)
    if p["gpus"]:
        vgpuctl = find_program(module, "vgpuctl", False)
        if vgpuctl:
            result["gpus"] = run_tool(module, vgpuctl, ["list"])
        else:
            module.warn("vgpuctl is not installed: no gpus in the result")
    if p["profile"]:
        named = p["pfs"] if p["pfs"] is not None else []
        result["profile_yaml"] = run_tool(module, sriovctl, ["show", "--profile"] + named, False)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
