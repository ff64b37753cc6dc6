#!/usr/bin/python3
"""Offline strict check of a KubeVirt CR merge patch against KubeVirt's own
OpenAPI definitions (subset in kubevirt-schema.json).

usage: check_kubevirt.py SCHEMA.json PATCH.yaml
exit 0 valid, 1 invalid, 2 usage/IO error.
"""
import copy
import json
import sys

import yaml
from jsonschema import Draft4Validator  # swagger 2.0 schemas are draft 4


def strict(node):
    # The API server prunes unknown fields silently, so a typo would be
    # accepted and lost; refuse any property the schema does not declare.
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for v in node.values():
            strict(v)
    elif isinstance(node, list):
        for v in node:
            strict(v)


def json_path(parts):
    out = "$"
    for p in parts:
        out += "[%d]" % p if isinstance(p, int) else "." + str(p)
    return out


def main(argv):
    if len(argv) != 3:
        print("usage: check_kubevirt.py SCHEMA.json PATCH.yaml", file=sys.stderr)
        return 2
    schema_file, patch_file = argv[1], argv[2]
    try:
        with open(schema_file) as f:
            defs = copy.deepcopy(json.load(f)["definitions"])
        with open(patch_file) as f:
            patch = yaml.safe_load(f)
    except (OSError, ValueError, KeyError, yaml.YAMLError) as e:
        print("%s: cannot load: %s" % (patch_file, e), file=sys.stderr)
        return 2

    # The patch must only touch spec.configuration: anything else is not
    # what this tool publishes and would be pruned or mean something else.
    if not isinstance(patch, dict) or list(patch) != ["spec"]:
        print("%s: $: top level must have exactly 'spec'" % patch_file)
        return 1
    spec = patch["spec"]
    if not isinstance(spec, dict) or list(spec) != ["configuration"]:
        print("%s: $.spec: must have exactly 'configuration'" % patch_file)
        return 1
    conf = spec["configuration"]

    strict(defs)
    schema = {"$ref": "#/definitions/v1.KubeVirtConfiguration", "definitions": defs}
    errors = sorted(Draft4Validator(schema).iter_errors(conf),
                    key=lambda e: (list(map(str, e.absolute_path)), e.message))
    for e in errors:
        path = json_path(["spec", "configuration"] + list(e.absolute_path))
        print("%s: %s: %s" % (patch_file, path, e.message))
    if errors:
        return 1
    phd = conf.get("permittedHostDevices") or {}
    print("%s: valid KubeVirt configuration (%d pciHostDevices, %d mediatedDevices)"
          % (patch_file, len(phd.get("pciHostDevices") or []),
             len(phd.get("mediatedDevices") or [])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
