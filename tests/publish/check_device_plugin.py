#!/usr/bin/python3
"""Checks a published /etc/pcidp/config.json by the SR-IOV network device plugin's rules.

usage: check_device_plugin.py CONFIG.json CATALOG.json
The plugin has no schema and no dry run, and its Go decoder ignores unknown keys (matching
known ones case-insensitively), so a typo silently widens a pool. This applies the rules its
code enforces (pkg/types, pkg/resources/deviceSelectors.go, cmd/sriovdp/manager.go
validConfigs) strictly, then selects every published device as the plugin does (first pool
whose selector matches) and requires it to land in its own pool.
exit 0 valid, 1 invalid.
"""
import json
import re
import sys

COMMON = {"vendors", "devices", "drivers", "pciAddresses", "acpiIndexes"}
SELECTORS = {
    "accelerator": COMMON,
    "netDevice": COMMON | {"pfNames", "rootDevices", "linkTypes", "ddpProfiles", "pKeys",
                           "isRdma", "needVhostNet", "vdpaType"},
    "auxNetDevice": {"vendors", "devices", "drivers", "pfNames", "rootDevices", "linkTypes",
                     "isRdma", "needVhostNet", "auxTypes"},
}
POOL_KEYS = {"resourceName", "resourcePrefix", "deviceType", "excludeTopology", "selectors",
             "additionalInfo"}


def indexes(text):
    out = set()
    for part in text.split(","):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out


def matches(sel, dev):
    if "vendors" in sel and dev["vendor_id"] not in sel["vendors"]:
        return False
    if "devices" in sel and dev["device_id"] not in sel["devices"]:
        return False
    if "drivers" in sel and dev["driver"] not in sel["drivers"]:
        return False
    if "pciAddresses" in sel and dev["address"] not in sel["pciAddresses"]:
        return False
    for key, parent in (("rootDevices", dev["parent"]), ("pfNames", dev["parent_netdev"])):
        if key in sel:
            ok = False
            for entry in sel[key]:
                name, _, rng = entry.partition("#")
                ok = ok or (name == parent and (not rng or dev["vf_index"] in indexes(rng)))
            if not ok:
                return False
    return True


def check(config, catalog):
    problems = []
    if set(config) != {"resourceList"}:
        problems.append(f"top level must be exactly resourceList, not {sorted(config)}")
    seen = set()
    pools = config.get("resourceList", [])
    for i, p in enumerate(pools):
        where = f"resourceList[{i}]"
        problems += [f"{where}: unknown key {k}" for k in set(p) - POOL_KEYS]
        if not re.fullmatch(r"[a-zA-Z0-9_-]+", p.get("resourceName", "")):
            problems.append(f"{where}: resourceName {p.get('resourceName')!r} breaks ^[a-zA-Z0-9_-]+$")
        key = (p.get("resourcePrefix", "intel.com"), p.get("resourceName"))
        if key in seen:
            problems.append(f"{where}: {key} twice")
        seen.add(key)
        kind = p.get("deviceType", "netDevice")
        if kind not in SELECTORS:
            problems.append(f"{where}: unsupported deviceType {kind}")
            continue
        sels = p.get("selectors")
        if not isinstance(sels, list) or not sels:
            problems.append(f"{where}: selectors must be a non-empty list")
            continue
        for s in sels:
            problems += [f"{where}: {kind} has no selector {k}" for k in set(s) - SELECTORS[kind]]
    for d in catalog["devices"]:
        # sriovctl publishes VFs bound to a driver (an unbound one has nothing to hand a pod).
        if d["kind"] not in ("nic-vf", "pci") or d["driver"] is None:
            continue
        got = next((p["resourceName"] for p in pools
                    if any(matches(s, d) for s in p.get("selectors", []))), None)
        if got != d["pool"]:
            problems.append(f"{d['id']} of pool {d['pool']} is selected by {got}")
    return problems


def main(config_path, catalog_path):
    try:
        config = json.load(open(config_path))
    except ValueError as e:
        print(f"{config_path}: not JSON the plugin can read: {e}")
        return 1
    problems = check(config, json.load(open(catalog_path)))
    for p in problems:
        print(f"{config_path}: {p}")
    if not problems:
        print(f"{config_path}: valid device plugin config, every published VF in its own pool "
              f"({len(config['resourceList'])} resources)")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: check_device_plugin.py CONFIG.json CATALOG.json", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
