#!/usr/bin/python3
"""Receives datagrams on a Unix socket as journald (native protocol) or syslogd (/dev/log)
would, and appends each to OUT as one JSON object: {"raw": text} for syslog, or
{"fields": [[key, value], ...]} for the journal's "KEY=value" lines (and its binary form,
KEY\\n<64-bit little-endian length><value>\\n). Runs until killed.
  listen.py SOCKET OUT journal|syslog"""
import json
import os
import socket
import struct
import sys


def journal_fields(data):
    fields, i = [], 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            key, value = line.split(b"=", 1)
            i = nl + 1
        else:  # binary-safe form
            key = line
            (size,) = struct.unpack_from("<Q", data, nl + 1)
            value = data[nl + 9:nl + 9 + size]
            i = nl + 9 + size + 1
        fields.append([key.decode(), value.decode("utf-8", "replace")])
    return fields


def main():
    path, out, kind = sys.argv[1:4]
    if os.path.exists(path):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o666)
    with open(path + ".ready", "w"):
        pass
    while True:
        data = sock.recv(1 << 20)
        # The test's "SYNC n" (sent after each command) says every datagram before it has
        # been written out: the tool's record is queued before the tool exits.
        if data.startswith(b"SYNC "):
            with open(out + ".sync", "w") as f:
                f.write(data[5:].decode())
            continue
        record = {"fields": journal_fields(data)} if kind == "journal" else {"raw": data.decode("utf-8", "replace")}
        with open(out, "a") as f:
            f.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
