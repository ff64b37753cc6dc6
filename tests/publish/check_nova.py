#!/usr/bin/python3
"""Checks a published nova.conf fragment with Nova's own code (python3-nova).

usage: check_nova.py NOVA.conf CATALOG.json
Parses [pci] device_spec and alias with Nova's parsers, the vGPU types with the libvirt
driver's, and checks that every PCI device of the catalog that Nova can take is matched by
the device_spec (Whitelist.device_assignable), and that nothing else on the same PF is.
exit 0 valid, 1 invalid.
"""
import json
import sys
import types

import nova.conf
from nova.pci import request, whitelist


def main(conf_path, catalog_path):
    conf = nova.conf.CONF
    conf(args=[], default_config_files=[conf_path], project="nova")
    problems = []
    try:
        specs = whitelist.Whitelist(conf.pci.device_spec)
        request._get_alias_from_config()
        nova.conf.devices.register_dynamic_opts(conf)
        from nova.virt.libvirt import driver
        state = types.SimpleNamespace(pgpu_type_mapping={}, mdev_class_mapping={}, mdev_classes=set())
        mdev_types = driver.LibvirtDriver._get_supported_vgpu_types(state)
    except Exception as e:  # nova raises its own exception types; any of them is a failure
        print(f"{conf_path}: Nova refused it: {type(e).__name__}: {e}")
        return 1
    catalog = json.load(open(catalog_path))
    pci = [d for d in catalog["devices"] if d["kind"] in ("nic-vf", "pci", "nvidia-vgpu-vf")]
    for d in pci:
        dev = {"vendor_id": d["vendor_id"], "product_id": d["device_id"],
               "address": d["address"], "parent_addr": d["parent"]}
        if not specs.device_assignable(dev):
            problems.append(f"{d['id']} is published but no device_spec matches it")
    # A spec that matched more than the published devices would hand Nova other functions.
    published = {d["address"] for d in pci}
    for d in pci:
        bus, rest = d["address"].rsplit(":", 1)
        slot = int(rest.split(".")[0], 16)
        other = f"{bus}:{(slot + 1) % 32:02x}.0"
        if other not in published and specs.device_assignable(
                {"vendor_id": d["vendor_id"], "product_id": d["device_id"], "address": other,
                 "parent_addr": d["parent"]}):
            problems.append(f"device_spec also matches {other}, which was not published")
    mdevs = sorted({d["type_id"] for d in catalog["devices"] if d["kind"] == "mdev"
                    and ":" in (d["mdev_parent"] or "")})
    if sorted(mdev_types) != mdevs:
        problems.append(f"enabled_mdev_types {sorted(mdev_types)} != published types {mdevs}")
    for p in problems:
        print(f"{conf_path}: {p}")
    if problems:
        return 1
    print(f"{conf_path}: Nova accepts it: {len(conf.pci.device_spec)} device_spec, "
          f"{len(conf.pci.alias)} alias, {len(mdev_types)} mdev types; "
          f"all {len(pci)} published PCI devices matched")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
