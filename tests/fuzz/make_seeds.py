#!/usr/bin/python3
"""Seed corpora for the fuzz harnesses, from the repository's own inputs (scripts/fuzz seeds).

Writes tests/fuzz/corpus/<harness>/<name>: profiles/*.yaml and the YAML the unit tests feed
the profile parser, the fixture hosts' vendor type names and descriptions, the mdevctl
goldens, the string literals of the value-type unit tests, a few hand-written edge cases per
small parser, and binary RTM_NEWLINK attribute blocks built here from <linux/if_link.h>'s
layout. Journals come from seed_journal (the library's writer) when its path is given.
Usage: make_seeds.py REPO_ROOT [SEED_JOURNAL_BINARY]
"""
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

MAX_PER_HARNESS = 40
root = sys.argv[1]
seed_journal = sys.argv[2] if len(sys.argv) > 2 else None
out_root = os.path.join(root, "tests/fuzz/corpus")
corpus = {}


def add(harness, data, name=None):
    if isinstance(data, str):
        data = data.encode()
    entries = corpus.setdefault(harness, {})
    name = name or hashlib.sha1(data).hexdigest()[:12]
    if data not in entries.values():
        entries[name] = data


def read(path):
    with open(os.path.join(root, path), "rb") as f:
        return f.read()


def literals(path):
    """C++ string literals of a source file, unescaped (raw strings included)."""
    text = read(path).decode()
    out = [m.group(2) for m in re.finditer(r'R"(\w*)\((.*?)\)\1"', text, re.S)]
    text = re.sub(r'R"(\w*)\(.*?\)\1"', "", text, flags=re.S)
    for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', text):
        out.append(bytes(m.group(1), "utf-8").decode("unicode_escape"))
    return out


def files(directory, suffixes):
    for dirpath, _, names in sorted(os.walk(os.path.join(root, directory))):
        for n in sorted(names):
            if n.endswith(suffixes):
                yield os.path.join(dirpath, n)


# --- profile: the shipped profiles and every YAML the unit tests parse.
for path in files("profiles", (".yaml", ".yml")):
    add("profile", open(path, "rb").read(), os.path.basename(path))
for src in ("tests/unit/test_profile.cpp", "tests/unit/vgpu/test_profile_gpus.cpp"):
    for lit in literals(src):
        if re.search(r"^\s*(nics|gpus):", lit, re.M):
            add("profile", lit)

# --- mdev_types: "name\ndescription" of every mdev type in the fixture hosts, NVIDIA
# creatable_vgpu_types listings, and the sample drivers' texts.
def walk(node):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)

for path in files("tests/fixtures/hosts", (".json",)):
    host = json.load(open(path))
    for node in walk(host):
        if "id" in node and ("description" in node or "name" in node) and \
                isinstance(node.get("id"), str) and "-" in node["id"]:
            add("mdev_types", "%s\n%s" % (node.get("name", node["id"]), node.get("description", "")))
        if isinstance(node.get("vgpu"), dict) and "types" in node["vgpu"]:
            listing = "ID    : vGPU Name\n" + "".join(
                "%d : %s\n" % (i, n) for i, n in node["vgpu"]["types"])
            add("mdev_types", listing)
for text in ("mbochs-small\nvirtual display, 64 MB video memory\n",
             "mdpy-xga\nvirtual display, 1024x768 framebuffer\n",
             "mtty-2\n", "GRID K120Q\nnum_heads=2, framebuffer=512M",
             "NVIDIA A100-1-5C\nframebuffer=4864M, max_instance=7",
             "GRID M60-0B\nnum_heads=2, frl_config=45, framebuffer=512M, max_resolution=2560x1600",
             "i915-GVTg_V5_4\nlow_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4\n"):
    add("mdev_types", text)

# --- mdevctl_json: the goldens vgpuctl writes, and what mdevctl/libvirt may leave.
for path in files("tests/golden/vgpu/mdevctl", (".json",)):
    add("mdevctl_json", open(path, "rb").read(), os.path.basename(path))
for text in ('{"mdev_type":"nvidia-230","start":"manual"}',
             '{"mdev_type": "mbochs-small", "start": "auto", "attrs": [{"x": "1"}, {"y": "2"}]}',
             '{"mdev_type": "i915-GVTg_V5_4", "start": "auto", "attrs": [], "extra": {"k": [1, 2.5, null, true]}}',
             '{"mdev_type": "nvidia-230", "attrs": [{"a": 1}]}', "[]", "{}"):
    add("mdevctl_json", text)

# --- value types: the literals of their unit tests, filtered by shape, plus edge cases.
def from_tests(harness, sources, keep):
    for src in sources:
        for lit in literals(src):
            if 0 < len(lit) <= 80 and keep(lit):
                add(harness, lit)

hexish = re.compile(r"^[0-9A-Fa-f:.#\-, ]+$")
from_tests("pci_address", ["tests/unit/test_pci_address.cpp", "tests/unit/test_vf_spec.cpp"],
           lambda s: ":" in s and "." in s)
for s in ("0000:3b:00.0", "3b:02.7", "ffffffff:ff:1f.7", "10000:e1:1f.0", "0000:3b:20.0",
          "0000:3b:00.8", "::.", "0000:3b:00.0.1", "000g:3b:00.0"):
    add("pci_address", s)
from_tests("mac_address", ["tests/unit/test_mac_address.cpp", "tests/unit/test_cli_settings.cpp"],
           lambda s: re.match(r"^[0-9A-Za-z:-]{11,20}$", s) and not s.startswith("-"))
for s in ("02:00:00:00:00:01", "ff-ff-ff-ff-ff-ff", "02:00:00:00:00-01", "0g:00:00:00:00:01"):
    add("mac_address", s)
from_tests("vf_spec", ["tests/unit/test_vf_spec.cpp"],
           lambda s: " " not in s and (hexish.match(s) or "#" in s))
for s in ("ens1f0#0-3,6", "0000:3b:02.0", "0-65535", "4-2", "1,1", "#0", "a#b#0,", "0-3,,6"):
    add("vf_spec", s)
from_tests("vf_setting", ["tests/unit/test_cli_settings.cpp", "tests/unit/test_cli.cpp"],
           lambda s: "=" in s and " " not in s.strip() and not s.startswith("-"))
add("vf_setting", "mac=02:00:00:00:00:01 vlan=100 qos=3 vlan-proto=802.1ad min-rate=10 "
    "max-rate=1000 spoofchk=on trust=off link-state=disable query-rss=on")
add("vf_setting", "mac-from=02:00:00:00:00:10 max-rate=0 min-rate=4294967295 link-state=auto")
from_tests("size", ["tests/unit/vgpu/test_values.cpp"],
           lambda s: "/" not in s and re.match(r"^\s*\d|^[KMGTkmgtBb]", s) is not None)
for s in ("512M", "4GiB", "1024MiB", "12B", "16777216T", "18446744073709551615B", "0G", "4 G"):
    add("size", s)
uuid_re = re.compile(r"^[0-9A-Fa-f-]{30,40}$")
from_tests("uuid", ["tests/unit/vgpu/test_values.cpp", "tests/unit/vgpu/test_mdevctl.cpp"],
           lambda s: uuid_re.match(s) is not None)
for s in ("c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01", "C0FFEE00-7A3E-4D2B-9A51-2F6F3C3D1E01",
          "00000000-0000-0000-0000-000000000000", "c0ffee007a3e4d2b9a512f6f3c3d1e01"):
    add("uuid", s)
for s in ("0", "42", "0042", "18446744073709551615", "18446744073709551616", "ff", "0x1f",
          "-1", "+5", " 12\n", "9223372036854775808", "1e3"):
    add("number", s)

# --- netlink_vf: IFLA_NUM_VF and IFLA_VFINFO_LIST as the kernel sends them (if_link.h).
IFLA_NUM_VF, IFLA_VFINFO_LIST, IFLA_IFNAME = 21, 22, 3
IFLA_VF_INFO = 1
VF_MAC, VF_VLAN, VF_TX_RATE, VF_SPOOFCHK, VF_LINK_STATE, VF_RATE = 1, 2, 3, 4, 5, 6
VF_RSS_QUERY_EN, VF_TRUST, VF_VLAN_LIST, VF_VLAN_INFO = 7, 9, 12, 1
NLA_F_NESTED = 0x8000


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def vf_info(i, proto_ad=False):
    mac = struct.pack("=I32s", i, bytes([2, 0, 0, 0, 0, i & 0xff]) + b"\0" * 26)
    body = attr(VF_MAC, mac)
    body += attr(VF_VLAN, struct.pack("=III", i, 100 + i, i % 8))
    if proto_ad:
        info = struct.pack("=III", i, 200, 3) + struct.pack(">H", 0x88A8) + b"\0\0"
        body += attr(VF_VLAN_LIST | NLA_F_NESTED, attr(VF_VLAN_INFO, info))
    body += attr(VF_TX_RATE, struct.pack("=II", i, 1000))
    body += attr(VF_RATE, struct.pack("=III", i, 10, 1000))
    body += attr(VF_SPOOFCHK, struct.pack("=II", i, 1))
    body += attr(VF_LINK_STATE, struct.pack("=II", i, i % 3))
    body += attr(VF_RSS_QUERY_EN, struct.pack("=II", i, 0xFFFFFFFF))
    body += attr(VF_TRUST, struct.pack("=II", i, 0))
    return attr(IFLA_VF_INFO | NLA_F_NESTED, body)


def link(num_vf, vfs, name=b"ens1f0\0"):
    return attr(IFLA_IFNAME, name) + attr(IFLA_NUM_VF, struct.pack("=I", num_vf)) + \
        attr(IFLA_VFINFO_LIST | NLA_F_NESTED, b"".join(vfs))


add("netlink_vf", link(0, []), "no-vfs")
add("netlink_vf", attr(IFLA_NUM_VF, struct.pack("=I", 0)), "num-vf-0-no-list")
add("netlink_vf", link(1, [vf_info(0)]), "one-vf")
add("netlink_vf", link(4, [vf_info(i, i == 2) for i in range(4)]), "four-vfs-8021ad")
add("netlink_vf", link(3, [vf_info(i) for i in range(2)]), "truncated-list")
add("netlink_vf", link(2, [vf_info(1), vf_info(0)]), "out-of-order")
add("netlink_vf", attr(IFLA_VFINFO_LIST, b"") + attr(IFLA_NUM_VF, struct.pack("=I", 1)), "list-before-count")
bare = attr(IFLA_VF_INFO, attr(VF_MAC, struct.pack("=I32s", 0, b"\x02" + b"\0" * 31)))
add("netlink_vf", link(1, [bare]), "mac-only")

# --- journal: the library's own writer, when built (scripts/fuzz seeds builds it).
if seed_journal:
    tmp = tempfile.mkdtemp()
    try:
        subprocess.run([seed_journal, tmp], check=True)
        for n in sorted(os.listdir(tmp)):
            data = open(os.path.join(tmp, n), "rb").read()
            # Same seeds on every regeneration: the writer's pid and clock are not the point.
            data = re.sub(rb'"pid":\d+', b'"pid":4242', data)
            data = re.sub(rb'"started":"[^"]*"', b'"started":"2025-01-01 00:00:00"', data)
            add("journal", data, n)
    finally:
        shutil.rmtree(tmp)
add("journal", '{"version":1,"pid":1,"command":"c","started":"s","done":0,"steps":[]}', "v1-empty")

for harness, entries in sorted(corpus.items()):
    directory = os.path.join(out_root, harness)
    if harness == "journal" and not seed_journal and os.path.isdir(directory):
        continue  # keep the checked-in journals when the writer was not built
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    for name, data in list(entries.items())[:MAX_PER_HARNESS]:
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)
    print("%-14s %3d seeds" % (harness, min(len(entries), MAX_PER_HARNESS)))
