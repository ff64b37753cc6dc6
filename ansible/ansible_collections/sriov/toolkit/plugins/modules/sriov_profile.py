#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sriov-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ansible module: apply an SR-IOV profile with sriovctl (plan in check mode)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: sriov_profile
short_description: Apply a declarative SR-IOV profile with sriovctl
version_added: "0.1.0"
description:
  - Brings the SR-IOV NICs of a host to the state a profile describes (see
    sriov-profile(5)), that is the VF count and driver autoprobe of each PF, the
    settings of each VF (MAC address, port VLAN, QoS, rates, spoof check,
    trust, link state), the driver each VF is bound to, and the vGPU
    instances of each GPU (C(gpus)).
  - The work is done by C(sriovctl apply) on the target host, which plans
    every change first, refuses disruptive ones unless I(allow_disruption)
    is set, takes the host-wide lock under C(/run/sriov), and puts the host
    back as it was when a step fails.
  - In check mode the module runs C(sriovctl plan) instead, which writes
    nothing, and reports C(changed) when the plan has at least one step.
  - With C(--diff) the diff has the host's values of every field the
    profile changes in C(before) and the profile's in C(after) (from
    C(sriovctl status), keyed by device and field, so a check-mode run shows
    exactly what an apply would change), and the plan (or, when applying,
    the steps run) as readable text in C(prepared).
  - C(sriovctl) must be installed on the target and the module must run as
    root (C(become=true)).
author:
  - sriov-toolkit contributors (@sriov-toolkit)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: C(sriovctl plan), which writes nothing.
  diff_mode:
    support: full
  platform:
    platforms: posix
requirements:
  - C(sriovctl) with the C(plan) and C(apply) commands on the target host
  - Python 3.6 or later on the target host (no third-party modules)
options:
  profile:
    description:
      - The profile itself, as a dictionary with the keys of a profile file
        (C(version), C(nics), C(gpus)), spelled as in sriov-profile(5), such as
        C(num-vfs), C(drivers-autoprobe), C(mac-from), C(vlan-id) and so on.
      - The module writes it as YAML to a temporary file on the target,
        readable by root only (mode 0600), and removes the file afterwards.
        Errors that C(sriovctl) reports against that file are returned with
        the file name replaced by C(<inline profile>); the line and column
        refer to C(profile_yaml).
      - Jinja2 templating turns most expressions into strings (in
        ansible-core 2.14 C("{{ n | int }}") is the string C("8")). So a
        string that is a plain decimal number given for C(version),
        C(num-vfs), C(vlan-id), C(qos), C(min-tx-rate) or C(max-tx-rate),
        or C(true)/C(false) in any case for C(drivers-autoprobe),
        C(spoof-check), C(trust) or C(query-rss), is written as the number
        or boolean it spells. Every other value keeps its type, and the
        strict profile parser reports wrong types as it does for files.
      - Exactly one of I(profile) and I(path) is required.
    type: dict
  path:
    description:
      - A profile file on the target host, or a directory whose C(*.yaml)
        and C(*.yml) files are merged in name order (such as
        C(/etc/sriov/profiles.d), which the C(sriov-apply.service) unit
        applies at boot).
      - Exactly one of I(profile) and I(path) is required.
    type: path
  allow_disruption:
    description:
      - Allow steps that destroy VFs (any change of the VF count of a PF
        that already has VFs), move a VF off its current driver, or remove
        vGPU instances (a lower C(count), a GPU's type change).
      - Without it, C(sriovctl apply) refuses a plan with such a step and
        writes nothing; the task fails with the refusal, which lists what
        would be destroyed or moved. VFs and vGPU instances a process such
        as a virtual machine holds open are refused even with it.
      - In check mode nothing is refused; a disruptive step gives a
        warning when this option is not set.
    type: bool
    default: false
  wait_for_devices:
    description:
      - Wait up to this many seconds for the PFs the profile names to
        appear (C(--wait-for-devices)), for runs early in boot or right
        after a driver was loaded. Not used in check mode.
    type: int
  lock_timeout:
    description:
      - How long to wait, in seconds, for the host-wide lock another
        C(sriovctl) holds (C(--lock-timeout)). The error names the holder.
      - Default is the default of C(sriovctl).
    type: float
  timeout:
    description:
      - Watchdog for each kernel write, in seconds (C(--timeout)), from 0.1
        to 3600. Some drivers (i40e) can block a VF count change for
        minutes.
      - Default is the default of C(sriovctl) (60).
    type: float
  sriovctl:
    description:
      - The C(sriovctl) program, as a path or a name looked up in C(PATH),
        C(/usr/sbin) and C(/usr/local/sbin).
    type: path
    default: sriovctl
  sysfs_root:
    description:
      - Work on a host tree under this directory instead of C(/)
        (C(--sysfs-root)). For tests against fixture trees; a tree does not
        react to writes as a kernel does, so applying changes to it fails
        and is rolled back.
    type: str
notes:
  - Supports check mode (C(sriovctl plan)) and diff mode.
  - C(changed) is exactly what C(sriovctl) reports. Applying the same
    profile twice changes nothing and writes nothing the second time.
  - On failure, C(sriovctl) has undone the steps it completed (rc 1), unless
    undoing failed too (rc 6; C(changed) is then true and C(steps) says
    which steps are still applied). An apply that was killed is rolled back
    by C(sriovctl recover) (run by C(sriov-apply.service) before each apply).
  - Exit statuses of C(sriovctl), returned as C(rc) - 1 failed (completed
    steps undone), 2 bad input (profile errors, as C(FILE:LINE:COL)), 3
    refused (a disruptive step without I(allow_disruption), or VFs held
    open), 4 no such PF or driver, 5 timeout, 6 failed and undoing failed.
"""

EXAMPLES = r"""
- name: Apply the profiles deployed to /etc/sriov/profiles.d
  sriov.toolkit.sriov_profile:
    path: /etc/sriov/profiles.d
  become: true

- name: Eight VFs on ens1f1 for virtual machines, on vfio-pci, tenant VLAN 100
  sriov.toolkit.sriov_profile:
    profile:
      version: 1
      nics:
        - pf: ens1f1
          num-vfs: 8
          drivers-autoprobe: false
          vfs:
            - id: "0-7"
              mac-from: "02:00:0a:{{ '%02x' % host_index | int }}:00:00"
              vlan-id: 100
              spoof-check: true
              trust: false
              driver: vfio-pci
  become: true

- name: Show what would change on every host, without changing anything
  sriov.toolkit.sriov_profile:
    path: /etc/sriov/profiles.d
  check_mode: true
  diff: true
  register: sriov_plan
  become: true

- name: Change the VF count of PFs that have VFs already (destroys them)
  sriov.toolkit.sriov_profile:
    path: /etc/sriov/profiles.d
    allow_disruption: true
    wait_for_devices: 60
    lock_timeout: 30
  become: true

- name: How the host differs from its profiles (sriovctl status exits 7 on drift)
  ansible.builtin.command: sriovctl status -f /etc/sriov/profiles.d
  register: drift
  changed_when: false
  failed_when: drift.rc not in [0, 7]
  become: true

- name: Fail the hosts that have drifted, saying what differs
  ansible.builtin.assert:
    that: drift.rc == 0
    fail_msg: "{{ drift.stdout }}"
"""

RETURN = r"""
changed:
  description:
    - In check mode, whether the plan has at least one step; otherwise the
      C(changed) field of C(sriovctl apply) (a step was applied and is still
      applied).
  returned: always
  type: bool
summary:
  description: What the plan does, in one line.
  returned: when sriovctl printed a plan
  type: str
  sample: "apply /etc/sriov/profiles.d: 2 PFs, 3 steps"
steps:
  description:
    - The steps of the plan, in order, as C(sriovctl --json) prints them
      (see JSON OUTPUT in sriovctl(8)).
    - An empty list means the host already matches the profile.
  returned: when sriovctl printed a plan
  type: list
  elements: dict
  contains:
    index:
      description: Position in the plan, from 1.
      type: int
    action:
      description: C(set-numvfs), C(set-autoprobe), C(bind), C(unbind), C(set-vf), ...
      type: str
    target:
      description: The PF or VF the step changes.
      type: str
    description:
      description: What the step does.
      type: str
    disruption:
      description: What the step destroys or moves, or null.
      type: str
    writes:
      description: The writes of the step, in order, each with C(path) and C(value).
      type: list
      elements: dict
    status:
      description: C(planned), C(done), C(failed), C(undone), C(undo-failed) or C(not-run).
      type: str
  sample:
    - index: 1
      action: set-numvfs
      target: "0000:3b:00.1 (ens1f1)"
      description: "set VF count of 0000:3b:00.1 (ens1f1): 0 -> 4"
      disruption: null
      writes:
        - path: /sys/bus/pci/devices/0000:3b:00.1/sriov_numvfs
          value: "4"
      status: done
notes:
  description: Notes of sriovctl about the plan (steps skipped, driver quirks).
  returned: when sriovctl printed a plan
  type: list
  elements: str
warnings:
  description:
    - Warnings of sriovctl, shown as Ansible warnings, from its JSON and
      from its standard error (such as PFs that did not appear within
      I(wait_for_devices), or the rollback of an interrupted run that
      sriovctl does before applying); in check mode also one warning per
      disruptive step when I(allow_disruption) is not set.
  returned: when there are warnings
  type: list
  elements: str
dry_run:
  description: Whether sriovctl ran without writing (check mode).
  returned: when sriovctl printed a plan
  type: bool
error:
  description:
    - The error object of sriovctl, with C(code), C(exit_status),
      C(message), C(path) and C(errno).
  returned: on failure, when sriovctl printed one
  type: dict
  sample:
    code: refused
    exit_status: 3
    message: "refusing to ... pass --allow-disruption"
    path: /sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs
    errno: null
rc:
  description: Exit status of sriovctl.
  returned: always
  type: int
cmd:
  description: The command line that was run.
  returned: always
  type: list
  elements: str
  sample: ["/usr/sbin/sriovctl", "--json", "apply", "-f", "/etc/sriov/profiles.d"]
stderr:
  description: Standard error of sriovctl.
  returned: on failure
  type: str
stdout:
  description: Standard output of sriovctl, when it is not the JSON document expected.
  returned: on failure, when sriovctl printed no JSON
  type: str
profile_yaml:
  description:
    - The YAML the module wrote for an inline I(profile); the line and
      column numbers of profile errors refer to it.
  returned: when I(profile) is given and sriovctl failed
  type: str
"""

import json
import math
import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule

INLINE_NAME = "<inline profile>"
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")


def _yaml_scalar(value):
    """One scalar in YAML flow form that reads back as the same type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError("a profile cannot hold %r" % value)
        return repr(value)
    if isinstance(value, str):
        # A JSON string is a YAML double-quoted scalar: "0-3" stays a string.
        return json.dumps(value, ensure_ascii=False)
    raise ValueError("a profile cannot hold a value of type %s" % type(value).__name__)


def _yaml_key(key):
    if not isinstance(key, str):
        raise ValueError("profile keys must be strings, not %r" % (key,))
    return key if _PLAIN_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _yaml_lines(value, indent):
    """Block-style YAML for the dicts and lists of a profile, one key per line,
    so that the tool's FILE:LINE:COL errors point at something readable."""
    pad = " " * indent
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            head = pad + _yaml_key(key) + ":"
            if isinstance(item, (dict, list)) and item:
                lines.append(head)
                lines.extend(_yaml_lines(item, indent + 2))
            else:
                lines.append(head + " " + _yaml_empty_or_scalar(item))
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                sub = _yaml_lines(item, indent + 2)
                lines.append(pad + "- " + sub[0][indent + 2:])
                lines.extend(sub[1:])
            else:
                lines.append(pad + "- " + _yaml_empty_or_scalar(item))
    return lines


def _yaml_empty_or_scalar(value):
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _yaml_scalar(value)


# Keys whose values templating may have turned into strings (see the profile option).
_NUMBER_KEYS = frozenset(("version", "num-vfs", "vlan-id", "qos", "min-tx-rate", "max-tx-rate"))
_BOOL_KEYS = frozenset(("drivers-autoprobe", "spoof-check", "trust", "query-rss"))
_DECIMAL = re.compile(r"(0|[1-9][0-9]*)\Z")


def untemplate_scalars(value):
    """Give back the numbers and booleans Jinja2 rendered as strings, for the
    keys that take them; anything else is left for the tool to judge."""
    if isinstance(value, list):
        return [untemplate_scalars(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if isinstance(item, str) and key in _NUMBER_KEYS and _DECIMAL.match(item.strip()):
            item = int(item.strip())
        elif isinstance(item, str) and key in _BOOL_KEYS and item.strip().lower() in ("true", "false"):
            item = item.strip().lower() == "true"
        else:
            item = untemplate_scalars(item)
        out[key] = item
    return out


def profile_to_yaml(profile):
    return "\n".join(_yaml_lines(untemplate_scalars(profile), 0)) + "\n"


def render_plan(doc):
    """The plan as sriovctl prints it with --dry-run, for diff output."""
    steps = doc.get("steps") or []
    out = []
    summary = doc.get("summary")
    if summary:
        out.append("plan: %s" % summary)
    for step in steps:
        status = step.get("status") or "planned"
        line = "  %s. %s" % (step.get("index", "?"), step.get("description", ""))
        if status != "planned":
            line = "  %s. %s: %s" % (step.get("index", "?"), status, step.get("description", ""))
        if step.get("disruption"):
            line += "  [%s]" % step["disruption"]
        out.append(line)
        for write in step.get("writes") or []:
            out.append("       write %s > %s" % (write.get("value", ""), write.get("path", "")))
    for note in doc.get("notes") or []:
        out.append("note: %s" % note)
    for warning in doc.get("warnings") or []:
        out.append("warning: %s" % warning)
    if not steps:
        out.append("no changes")
    return "\n".join(out) + "\n"


def parse_output(stdout):
    """The JSON document sriovctl printed, or None."""
    text = (stdout or "").strip()
    if not text:
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def error_message(doc, stderr, rc):
    """The tool's own sentence: the JSON error message, else its stderr."""
    error = (doc or {}).get("error")
    if isinstance(error, dict) and error.get("message"):
        return error["message"]
    lines = [line for line in (stderr or "").splitlines() if line.strip()]
    if lines:
        return "\n".join(re.sub(r"^sriovctl: error: ", "", line) for line in lines)
    return "sriovctl exited with status %d and printed no error" % rc


def stderr_messages(stderr, known):
    """What sriovctl said on stderr besides its JSON: warnings such as PFs that did not
    appear in time, and the rollback of an interrupted run it did before applying.
    Indented lines continue the message before them."""
    messages = []
    for line in (stderr or "").splitlines():
        if not line.strip():
            continue
        if line[:1].isspace() and messages:
            messages[-1] += "\n" + line.strip()
            continue
        messages.append(re.sub(r"^sriovctl: (warning: )?", "", line))
    return [m for m in messages if m not in known]


def host_difference(module, program, profile_path):
    """before/after for --diff: the fields the profile changes, with the host's values and the
    profile's, keyed by device (sriovctl status --json: 0 in sync, 7 drift). None when status
    cannot say (it reported an error): the plan in "prepared" still shows the change."""
    cmd = global_options(module, program) + ["status", "-f", profile_path]
    rc, stdout, dummy = module.run_command(
        cmd, check_rc=False, expand_user_and_vars=False, environ_update={"LC_ALL": "C"})
    doc = parse_output(stdout)
    if rc not in (0, 7) or doc is None:
        return None
    before, after = {}, {}
    for device in doc.get("devices") or []:
        for difference in device.get("differences") or []:
            subject = difference.get("subject") or device.get("name") or "?"
            field = difference.get("field") or "?"
            before.setdefault(subject, {})[field] = difference.get("have")
            after.setdefault(subject, {})[field] = difference.get("wanted")
    return {"before": before, "after": after}


def find_sriovctl(module):
    name = module.params["sriovctl"]
    if "/" in name:
        if not os.access(name, os.X_OK):
            module.fail_json(msg="sriovctl program %s is not executable" % name, rc=None)
        return name
    return module.get_bin_path(name, required=True, opt_dirs=["/usr/sbin", "/usr/local/sbin"])


def global_options(module, program):
    p = module.params
    cmd = [program, "--json"]
    if p["sysfs_root"]:
        cmd += ["--sysfs-root", p["sysfs_root"]]
    if p["lock_timeout"] is not None:
        cmd += ["--lock-timeout", "%g" % p["lock_timeout"]]
    if p["timeout"] is not None:
        cmd += ["--timeout", "%g" % p["timeout"]]
    return cmd


def build_command(module, program, profile_path):
    p = module.params
    cmd = global_options(module, program)
    if module.check_mode:
        cmd += ["plan", "-f", profile_path]
    else:
        cmd += ["apply", "-f", profile_path]
        if p["allow_disruption"]:
            cmd.append("--allow-disruption")
        if p["wait_for_devices"] is not None:
            cmd += ["--wait-for-devices", str(p["wait_for_devices"])]
    return cmd


def write_inline_profile(module, profile):
    try:
        text = profile_to_yaml(profile)
    except ValueError as exc:
        module.fail_json(msg="profile: %s" % exc, rc=None)
    # mkstemp creates the file with mode 0600; module.tmpdir is private to this run.
    fd, path = tempfile.mkstemp(prefix="sriov-profile-", suffix=".yaml", dir=module.tmpdir)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path, text


def run(module):
    p = module.params
    program = find_sriovctl(module)
    inline_path = None
    profile_text = None
    if p["profile"] is not None:
        inline_path, profile_text = write_inline_profile(module, p["profile"])
        profile_path = inline_path
    else:
        profile_path = p["path"]
    cmd = build_command(module, program, profile_path)
    difference = None
    try:
        if module._diff:
            difference = host_difference(module, program, profile_path)
        rc, stdout, stderr = module.run_command(
            cmd, check_rc=False, expand_user_and_vars=False, environ_update={"LC_ALL": "C"})
    finally:
        if inline_path is not None:
            try:
                os.unlink(inline_path)
            except OSError:
                pass

    def hide_temp_name(text):
        if inline_path is None or not isinstance(text, str):
            return text
        return text.replace(inline_path, INLINE_NAME)

    stdout = hide_temp_name(stdout)
    stderr = hide_temp_name(stderr)
    doc = parse_output(stdout)
    result = {"cmd": cmd, "rc": rc, "changed": False}
    if doc is not None:
        for key in ("summary", "steps", "notes", "dry_run", "error"):
            if key in doc:
                result[key] = doc[key]
        tool_warnings = doc.get("warnings") or []
        if tool_warnings:
            result["warnings"] = list(tool_warnings)
    steps = result.get("steps") or []

    if rc != 0:
        # A failed apply has rolled back unless undoing failed too: then the
        # host was changed, and sriovctl says so in "changed".
        result["changed"] = bool(doc and doc.get("changed"))
        result["stderr"] = stderr
        if doc is None:
            result["stdout"] = stdout
        if profile_text is not None:
            result["profile_yaml"] = profile_text
        module.fail_json(msg=error_message(doc, stderr, rc), **result)
    if doc is None or ("steps" not in doc and "changed" not in doc):
        module.fail_json(
            msg="could not read the JSON output of '%s' (is %s a sriovctl with 'plan' and 'apply'?)"
            % (" ".join(cmd), program),
            stdout=stdout, stderr=stderr, **result)

    for message in stderr_messages(stderr, result.get("warnings") or []):
        module.warn(message)
    if module.check_mode:
        result["changed"] = len(steps) > 0
        if not p["allow_disruption"]:
            for step in steps:
                if step.get("disruption"):
                    module.warn("step %s (%s) is disruptive: %s; apply refuses it unless "
                                "allow_disruption is set"
                                % (step.get("index"), step.get("description"), step["disruption"]))
    else:
        result["changed"] = bool(doc.get("changed"))
    if module._diff:
        result["diff"] = dict(difference or {}, prepared=render_plan(doc))
    module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            profile=dict(type="dict"),
            path=dict(type="path"),
            allow_disruption=dict(type="bool", default=False),
            wait_for_devices=dict(type="int"),
            lock_timeout=dict(type="float"),
            timeout=dict(type="float"),
            sriovctl=dict(type="path", default="sriovctl"),
            sysfs_root=dict(type="str"),
        ),
        mutually_exclusive=[("profile", "path")],
        required_one_of=[("profile", "path")],
        supports_check_mode=True,
    )
    if module.params["wait_for_devices"] is not None and module.params["wait_for_devices"] < 0:
        module.fail_json(msg="wait_for_devices must be 0 or more seconds", rc=None)
    run(module)


if __name__ == "__main__":
    main()
