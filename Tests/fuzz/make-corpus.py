#!/usr/bin/env python3
"""Rebuilds the seed corpora in Tests/fuzz/corpus/ from the captures in the spec's fixtures.

Usage: python3 Tests/fuzz/make-corpus.py [fixtures-dir]   (default /work/shared/spec/fixtures,
else Tests/ZKCoreTests/Fixtures, which holds a copy of most of them). Deterministic: file names
are a hash of the bytes, so running it again changes nothing.
"""
import hashlib, os, struct, sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
fixtures = sys.argv[1] if len(sys.argv) > 1 else next(
    d for d in ["/work/shared/spec/fixtures", os.path.join(root, "Tests/ZKCoreTests/Fixtures")] if os.path.isdir(d))
corpus = os.path.join(here, "corpus")


def put(target, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def read(*parts):
    p = os.path.join(fixtures, *parts)
    return open(p, "rb").read() if os.path.exists(p) else None


def hex_lines(name):
    """(direction, bytes) per frame line, and the indices where a '##' step starts."""
    text = read(name)
    if text is None:
        return []
    out = []
    for line in text.decode().splitlines():
        if line.startswith("## "):
            out.append(("##", b""))
        elif len(line) > 4 and line[3] == " " and line[1] == ">":
            out.append((line[:3], bytes.fromhex(line[4:].strip())))
    return out


def jute_string(s):
    b = s.encode()
    return struct.pack(">i", len(b)) + b


# Client port: whole connections (connect frame, then requests) and each request behind a connect.
for name in ["client-session.hex", "handshake-variants.hex"]:
    frames = [b for d, b in hex_lines(name) if d == "C>S"]
    connects = [f for f in frames if len(f) - 4 in (44, 45)]
    for c in connects:
        put("connect_request", c[4:])
    if frames:
        put("client_frames", b"".join(frames))
        for f in frames:
            if f not in connects:
                put("client_frames", connects[0] + f)

# Client side: each server reply, behind a byte naming the opcode of the request it answers (the
# index into client_replies.swift's list; the connect response gets index 0).
reply_ops = [1, 15, 19, 21, 2, 3, 4, 5, 6, 7, 8, 12, 9, 104, 103, 14, 22, 16, 17, 18, 20, 101, 102, 105, 106, 107, 11, 13, -11, 0]
for name in ["client-session.hex", "handshake-variants.hex"]:
    op = 0
    for d, b in hex_lines(name):
        if d == "C>S" and len(b) >= 12:
            (op,) = struct.unpack(">i", b[8:12])
        elif d == "S>C":
            put("client_replies", bytes([reply_ops.index(op) if op in reply_ops else 0]) + b[4:])

# Election port: handshakes (start with protocol version -65536/-65535) and notification payloads.
for d, b in hex_lines("ensemble/election-port.hex"):
    if d not in ("I>A", "A>I"):
        continue
    rest = b
    if rest[:8] in (b"\xff" * 6 + b"\x00\x00", b"\xff" * 6 + b"\x00\x01"):
        (length,) = struct.unpack(">i", rest[16:20])
        put("election_handshake", rest[:20 + length])
        put("election_handshake", rest)
        rest = rest[20 + length:]
    while len(rest) >= 4:
        (length,) = struct.unpack(">i", rest[:4])
        if length < 0 or length > len(rest) - 4:
            break
        put("election_notification", rest[4:4 + length])
        rest = rest[4 + length:]

# Quorum port: each packet alone, and each step's packets in one stream.
step = []
for d, b in hex_lines("ensemble/quorum-port.hex") + [("##", b"")]:
    if d == "##":
        if step:
            put("quorum_packets", b"".join(step))
        step = []
    elif d in ("L>F", "F>L"):
        put("quorum_packets", b)
        step.append(b)

# Snapshot files, and the SNAP stream made from their bodies (header, seals and digest removed).
snapshots = ["standalone/version-2/snapshot.0", "standalone/version-2/snapshot.23",
             "ttl-container/version-2/snapshot.10", "ensemble/zk3-version-2/snapshot.0",
             "ensemble/zk3-version-2/snapshot.10000000c"]
for s in snapshots:
    data = read(*s.split("/"))
    if data is None:
        continue
    put("snapshot_file", data)
    end = data.rfind(b"\x00\x00\x00\x01/")
    if end > 16:
        wire = data[16:end + 5] + jute_string("BenWasHere")
        put("snap_stream", wire)
        # A SNAP packet (type 15) followed by the stream and an UPTODATE-like packet (type 12).
        snap = struct.pack(">iqi i", 15, 0x100000000, -1, -1)
        put("quorum_packets", snap + wire + struct.pack(">iqi i", 12, 0x100000000, -1, -1))

for s in ["standalone/version-2/log.1", "ttl-container/version-2/log.1",
          "check-outside-multi/version-2/log.1", "ensemble/zk3-version-2/log.100000001"]:
    data = read(*s.split("/"))
    if data is None:
        continue
    put("txn_log", data)
    at = 16
    while at + 12 <= len(data):
        (length,) = struct.unpack(">i", data[at + 8:at + 12])
        if length <= 0 or at + 12 + length > len(data):
            break
        put("txn_entry", data[at + 12:at + 12 + length])
        at += 12 + length + 1

for s in ["ensemble/reconfigEnabled/zoo.cfg.bak", "ensemble/reconfigEnabled/zoo.cfg.rewritten",
          "ensemble/reconfigEnabled/zoo.cfg.dynamic.100000000"]:
    data = read(*s.split("/"))
    if data is not None:
        put("zoo_cfg", data)
put("zoo_cfg", b"tickTime=2000\ndataDir=/tmp/zk\nclientPort=2181\ninitLimit=5\nsyncLimit=2\n"
    b"server.1=127.0.0.1:2888:3888;2181\nserver.2=127.0.0.1:2889:3889:observer;127.0.0.1:2182\n"
    b"4lw.commands.whitelist=srvr, ruok\nautopurge.snapRetainCount=3\nmaxClientCnxns=60\n")
put("zoo_cfg", b"# standalone\ndataDir=/var/zk\ndataLogDir=/var/zklog\nclientPort=2181\n"
    b"standaloneEnabled=true\nreconfigEnabled=false\nextendedTypesEnabled=true\njute.maxbuffer=1048575\n")
