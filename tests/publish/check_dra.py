#!/usr/bin/python3
"""Offline strict check of SriovResourcePolicy / DeviceAttributes manifests
against dra-driver-sriov's own CRD schemas (copied into dra-schema.json).
usage: check_dra.py SCHEMA.json MANIFESTS.yaml -- exit 0 valid, 1 invalid, 2 usage/IO/YAML error."""
import copy
import json
import re
import sys

import yaml
from jsonschema import Draft7Validator

# metadata.name of a namespaced CR is a DNS-1123 subdomain; namespaces are labels.
LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
SUBDOMAIN, NAMESPACE = re.compile(r"%s(\.%s)*\Z" % (LABEL, LABEL)), re.compile(LABEL + r"\Z")


def strict(node):
    # The API server prunes unknown fields silently, so a misspelt field would be accepted
    # and lost: refuse undeclared properties, except where the CRD opts out of pruning.
    if isinstance(node, dict):
        if "properties" in node and node.get("x-kubernetes-preserve-unknown-fields") is not True:
            node.setdefault("additionalProperties", False)
        node = list(node.values())
    for v in node if isinstance(node, list) else ():
        strict(v)


def strict_root(schema):
    schema = copy.deepcopy(schema)  # never alter the loaded reference schema
    # The server checks ObjectMeta itself and controllers write status: accept both as-is.
    schema.setdefault("properties", {}).update(metadata={"type": "object"}, status={})
    strict(schema)
    return schema


def json_path(parts):
    # Attribute names such as k8s.cni.cncf.io/resourceName hold dots: bracket them.
    return "$" + "".join("." + k if str(k).isidentifier() else "[%r]" % (k,) for k in parts)


def main(argv):
    if len(argv) != 3:
        print("usage: check_dra.py SCHEMA.json MANIFESTS.yaml", file=sys.stderr)
        return 2
    fname = argv[2]
    try:
        with open(argv[1]) as f, open(fname) as g:
            ref, docs = json.load(f), list(yaml.safe_load_all(g))
        api_version = "%s/%s" % (ref["group"], ref["version"])
        validators = {k: Draft7Validator(strict_root(s)) for k, s in ref["kinds"].items()}
        # Skip empty documents (stray '---') but keep numbering; an empty file is no "pass".
        docs = [(n, d) for n, d in enumerate(docs, 1) if d is not None]
        if not docs:
            raise ValueError("no YAML documents")
    except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError) as e:
        print("%s: cannot load: %s" % (fname, e), file=sys.stderr)
        return 2
    errors, counts = [], dict.fromkeys(validators, 0)
    for n, doc in docs:
        if not isinstance(doc, dict):
            errors.append("%s: doc %d: $: not a mapping" % (fname, n))
            continue
        meta = doc["metadata"] if isinstance(doc.get("metadata"), dict) else {}
        kind, name, ns = doc.get("kind"), meta.get("name"), meta.get("namespace")
        problems = []
        if doc.get("apiVersion") != api_version:
            problems.append("$.apiVersion: %r is not %r" % (doc.get("apiVersion"), api_version))
        if kind not in validators:
            problems.append("$.kind: %r is not one of %s" % (kind, sorted(validators)))
        if not (isinstance(name, str) and len(name) <= 253 and SUBDOMAIN.match(name)):
            problems.append("$.metadata.name: %r is not a DNS-1123 subdomain" % (name,))
        if ns is not None and not (isinstance(ns, str) and len(ns) <= 63 and NAMESPACE.match(ns)):
            problems.append("$.metadata.namespace: %r is not a DNS-1123 label" % (ns,))
        if kind in validators:
            counts[kind] += 1
            found = validators[kind].iter_errors(doc)
            problems += sorted("%s: %s" % (json_path(e.absolute_path), e.message) for e in found)
        errors += ["%s: doc %d (%s %s): %s" % (fname, n, kind, name, p) for p in problems]
    if errors:
        print("\n".join(errors))
        return 1
    summary = ", ".join("%d %s" % (c, k) for k, c in counts.items())
    print("%s: %d manifests valid (%s)" % (fname, len(docs), summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
