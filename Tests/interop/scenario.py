#!/usr/bin/env python3
"""The differential scenario: one fixed sequence of client operations, every outcome recorded.

Run it against a server that was started on a FRESH data directory with
`extendedTypesEnabled=true` and `DigestAuthenticationProvider.superDigest=<SUPER_DIGEST>`:

    python scenario.py 127.0.0.1:PORT [--out FILE]

It prints (or writes) one JSON object per line.  Two servers behave alike when their outputs
are byte-identical.  Apache ZooKeeper 3.8.0's output is kept in golden/.

What is normalized, and why:
  * ctime/mtime become "<t>" (wall clock), with `ctime==mtime` kept as a boolean.  Every write
    is issued at least one millisecond after the previous write's reply, so that boolean does
    not depend on how fast the server is.
  * Session ids (and ephemeralOwner values) become s1, s2, ... in order of first sight.
  * Passwords are dropped (only their length is kept).
  * Child lists, getEphemerals results and whoAmI lists are sorted (the server's order is Java
    hash order, documented as unspecified; for the same reason an `auth` ACL is only ever
    expanded from a connection with a single authenticated id).  The order of events fired by one session close is canonicalized
    the same way: per deleted node, its own events keep their order.
Zxids are never normalized: both servers start empty, so every zxid must match.

Most operations go through kazoo (the real client library); whatever kazoo cannot express or
hides (zxids of replies, event order relative to replies, newer opcodes) goes through rawzk.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rawzk as R  # noqa: E402
from kazoo.security import ACL, Id  # noqa: E402
from recorder import Kz, Raw, Recorder  # noqa: E402
from zkservers import four_letter  # noqa: E402

SUPER_PASSWORD = "swzk-super"
SUPER_DIGEST = "super:" + base64.b64encode(hashlib.sha1(f"super:{SUPER_PASSWORD}".encode()).digest()).decode()
# The settings both servers must run with (besides the common zoo.cfg lines).
SETTINGS = {"extendedTypesEnabled": "true", "DigestAuthenticationProvider.superDigest": SUPER_DIGEST}

def digest_id(user: str, password: str) -> str:
    return f"{user}:" + base64.b64encode(hashlib.sha1(f"{user}:{password}".encode()).digest()).decode()


ALICE = digest_id("alice", "alice-pw")
BOB = digest_id("bob", "bob-pw")


# ---------------------------------------------------------------- the scenario

def phase_handshakes(rec: Recorder, hp: str) -> None:
    """ConnectRequest variants on a raw socket, each session closed explicitly."""
    for name, args in [("hs.timeout-low", dict(timeout_ms=1000)),
                       ("hs.timeout-high", dict(timeout_ms=100000)),
                       ("hs.no-readonly-byte", dict(read_only=None)),
                       ("hs.readonly-requested", dict(read_only=True))]:
        c = Raw(rec, name, hp, **args)
        c.close(f"{name}.close")

    # Reconnect with the right password, with a wrong one (which also closes the live
    # connection of that session), and with an unknown session id.
    a = Raw(rec, "hs.a", hp, timeout_ms=40000)
    sid, pw = a.conn.session_id, a.conn.passwd
    a.call("hs.a.create", R.OP_CREATE, R.create_body("/hs", b"h"), a.d_path, write=True)
    host, port = hp.rsplit(":", 1)
    with R.RawZK(host, int(port)) as bad:
        resp = bad.connect(session_id=sid, passwd=bytes(b ^ 0xFF for b in pw), timeout_ms=40000)
        rec.add("hs.wrong-password", **a.describe(resp), closedAfter=bad.wait_closed(5))
    rec.add("hs.wrong-password.old-connection-closed", closed=a.conn.wait_closed(5))
    a.conn.close()
    with R.RawZK(host, int(port)) as unknown:
        resp = unknown.connect(session_id=sid + 0x7777, passwd=pw, timeout_ms=40000)
        rec.add("hs.unknown-session", **a.describe(resp), closedAfter=unknown.wait_closed(5))
    with R.RawZK(host, int(port)) as ahead:
        try:
            ahead.connect(last_zxid=1 << 40)
            rec.add("hs.zxid-ahead", closed=False)
        except R.ConnectionClosed:
            rec.add("hs.zxid-ahead", closed=True)
    again = Raw(rec, "hs.a-again", hp, session_id=sid, passwd=pw, timeout_ms=40000)
    again.call("hs.a-again.exists", R.OP_EXISTS, R.path_watch_body("/hs"), again.d_stat)
    # A ping carries xid -2 in its reply even when the request used another xid.
    for xid in (R.XID_PING, 77):
        again.conn.send(R.OP_PING, b"", xid=xid)
        f = again.conn.read()
        rec.add("hs.ping", requestXid=xid, xid=f.xid, zxid=f.zxid, err=f.err, bodyLen=f.body.remaining())
    again.call("hs.a-again.delete", R.OP_DELETE, R.path_version_body("/hs"), write=True)
    again.close("hs.a-again.close")


def phase_builtin(rec: Recorder, raw: Raw) -> None:
    for p in ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"]:
        raw.call(f"builtin.get {p}", R.OP_GET_DATA, R.path_watch_body(p), raw.d_data_stat)
        raw.call(f"builtin.getacl {p}", R.OP_GET_ACL, R.ustring(p), raw.d_acl_stat)
        raw.call(f"builtin.children2 {p}", R.OP_GET_CHILDREN2, R.path_watch_body(p), raw.d_children_stat)
    raw.call("builtin.allchildren /", R.OP_GET_ALL_CHILDREN_NUMBER, R.ustring("/"), raw.d_int)
    raw.call("builtin.whoami", R.OP_WHO_AM_I, b"", raw.d_whoami)


def phase_create(rec: Recorder, zk: Kz, raw: Raw) -> None:
    zk.op("create.persistent", "create", "/p", b"data", write=True)
    zk.op("create.create2", "create", "/p/c1", b"v", include_data=True, write=True)
    zk.op("create.ephemeral", "create", "/p/e", b"", ephemeral=True, include_data=True, write=True)
    for i in range(3):
        zk.op(f"create.sequential.{i}", "create", "/p/s-", b"%d" % i, sequence=True, write=True)
    zk.op("create.ephemeral-sequential", "create", "/p/es-", b"", ephemeral=True, sequence=True,
          include_data=True, write=True)
    zk.op("create.sequential-trailing-slash", "create", "/p/", b"", sequence=True, write=True)
    zk.op("create.null-data", "create", "/p/nul", None, include_data=True, write=True)
    zk.op("create.exists", "create", "/p", b"again", write=True)
    zk.op("create.no-parent", "create", "/missing/x", b"", write=True)
    zk.op("create.under-ephemeral", "create", "/p/e/child", b"", write=True)
    zk.op("create.parent-stat", "exists", "/p")

    # Containers and TTL nodes (kazoo has neither): op 19 and op 21.
    raw.call("create.container", R.OP_CREATE_CONTAINER, R.create_body("/cont", b"c", flags=4),
             raw.d_path_stat, write=True)
    raw.call("create.container-child", R.OP_CREATE, R.create_body("/cont/child", b""), raw.d_path, write=True)
    raw.call("create.container-unused", R.OP_CREATE_CONTAINER, R.create_body("/cont-empty", b"", flags=4),
             raw.d_path_stat, write=True)
    raw.call("create.container-stat", R.OP_EXISTS, R.path_watch_body("/cont"), raw.d_stat)
    raw.call("create.flags4-on-create2 (plain node)", R.OP_CREATE2, R.create_body("/not-cont", b"", flags=4),
             raw.d_path_stat, write=True)
    raw.call("create.ttl", R.OP_CREATE_TTL, R.create_ttl_body("/ttl", b"t", 5, 3_600_000),
             raw.d_path_stat, write=True)
    raw.call("create.ttl-sequential", R.OP_CREATE_TTL, R.create_ttl_body("/ttl/s-", b"", 6, 3_600_000),
             raw.d_path_stat, write=True)
    raw.call("create.ttl-max", R.OP_CREATE_TTL, R.create_ttl_body("/ttl-max", b"", 5, 0xFFFFFFFFFF),
             raw.d_path_stat, write=True)
    raw.call("create.ttl-zero", R.OP_CREATE_TTL, R.create_ttl_body("/ttl0", b"", 5, 0), raw.d_path_stat, write=True)
    raw.call("create.ttl-too-big", R.OP_CREATE_TTL, R.create_ttl_body("/ttl0", b"", 5, 1 << 40),
             raw.d_path_stat, write=True)
    raw.call("create.ttl-op-plain-flags", R.OP_CREATE_TTL, R.create_ttl_body("/ttl0", b"", 0, 1000),
             raw.d_path_stat, write=True)
    raw.call("create.ttl-flags-on-op1", R.OP_CREATE, R.create_body("/ttl0", b"", flags=5), raw.d_path, write=True)
    raw.call("create.ephemeral-under-ttl", R.OP_CREATE2, R.create_body("/ttl/eph", b"", flags=1),
             raw.d_path_stat, write=True)
    raw.call("create.bad-flags", R.OP_CREATE, R.create_body("/bf", b"", flags=7), raw.d_path, write=True)
    for bad in ["", "noslash", "/p/", "/p//x", "/p/.", "/p/..", "/p/\u0001x", "/p/x\u0000"]:
        raw.call(f"create.bad-path {bad!r}", R.OP_CREATE, R.create_body(bad, b""), raw.d_path, write=True)
    raw.call("create.empty-acl", R.OP_CREATE, R.create_body("/eacl", b"", acl=[]), raw.d_path, write=True)
    raw.call("create.unknown-scheme-acl", R.OP_CREATE,
             R.create_body("/eacl", b"", acl=[(31, "foo", "bar")]), raw.d_path, write=True)
    raw.call("create.bad-digest-acl", R.OP_CREATE,
             R.create_body("/eacl", b"", acl=[(31, "digest", "nocolon")]), raw.d_path, write=True)
    raw.call("create.auth-acl-unauthenticated", R.OP_CREATE,
             R.create_body("/eacl", b"", acl=[(31, "auth", "")]), raw.d_path, write=True)
    raw.call("create.duplicate-acl", R.OP_CREATE2,
             R.create_body("/dacl", b"", acl=[(31, "world", "anyone"), (31, "world", "anyone")]),
             raw.d_path_stat, write=True)
    raw.call("create.duplicate-acl.getacl", R.OP_GET_ACL, R.ustring("/dacl"), raw.d_acl_stat)
    raw.call("create.ip-acl", R.OP_CREATE2,
             R.create_body("/ipacl", b"ip", acl=[(1, "ip", "127.0.0.1"), (31, "ip", "10.0.0.0/8")]),
             raw.d_path_stat, write=True)
    raw.call("create.ip-acl.read", R.OP_GET_DATA, R.path_watch_body("/ipacl"), raw.d_data_stat)
    raw.call("create.ip-acl.write", R.OP_SET_DATA, R.set_data_body("/ipacl", b"no"), raw.d_stat, write=True)
    raw.call("create.bad-ip-acl", R.OP_CREATE, R.create_body("/eacl", b"", acl=[(31, "ip", "300.1.1.1")]),
             raw.d_path, write=True)


def phase_reads(rec: Recorder, zk: Kz, raw: Raw) -> None:
    zk.op("read.get", "get", "/p")
    zk.op("read.get-missing", "get", "/nope")
    zk.op("read.get-null-data", "get", "/p/nul")
    zk.op("read.exists", "exists", "/p/c1")
    zk.op("read.exists-missing", "exists", "/nope")
    zk.op("read.children", "get_children", "/p", sort=True)
    zk.op("read.children-include-data", "get_children", "/p", include_data=True, sort=True)
    zk.op("read.children-missing", "get_children", "/nope")
    zk.op("read.sync", "sync", "/p")
    raw.call("read.children-raw", R.OP_GET_CHILDREN, R.path_watch_body("/p"), raw.d_children)
    raw.call("read.children2-raw", R.OP_GET_CHILDREN2, R.path_watch_body("/p"), raw.d_children_stat)
    raw.call("read.get-invalid-path", R.OP_GET_DATA, R.path_watch_body("/p//c1"), raw.d_data_stat)
    raw.call("read.exists-nul-path", R.OP_EXISTS, R.path_watch_body("/p\u0000"), raw.d_stat)
    raw.call("read.sync-raw", R.OP_SYNC, R.ustring("/p"), raw.d_path)
    raw.call("read.sync-missing", R.OP_SYNC, R.ustring("/nope"), raw.d_path)
    for p in ["/", "/p", "/ttl", "/nope"]:
        raw.call(f"read.allchildren {p}", R.OP_GET_ALL_CHILDREN_NUMBER, R.ustring(p), raw.d_int)
    # getEphemerals: the caller's own ephemerals, filtered by a plain string prefix.
    raw.call("read.eph-create.1", R.OP_CREATE, R.create_body("/p/re1", b"", flags=1), raw.d_path, write=True)
    raw.call("read.eph-create.2", R.OP_CREATE, R.create_body("/p/re2", b"", flags=3), raw.d_path, write=True)
    raw.call("read.eph-create.3", R.OP_CREATE, R.create_body("/ttl/re3", b"", flags=1), raw.d_path, write=True)
    for prefix in ["/", "", None, "/p", "/p/re", "/p/re1", "/ttl/", "/nomatch"]:
        raw.call(f"read.ephemerals {prefix!r}", R.OP_GET_EPHEMERALS, R.ustring(prefix), raw.d_children)


def phase_writes(rec: Recorder, zk: Kz, raw: Raw) -> None:
    zk.op("set.any-version", "set", "/p/c1", b"v2", write=True)
    zk.op("set.bad-version", "set", "/p/c1", b"v3", version=0, write=True)
    zk.op("set.right-version", "set", "/p/c1", b"v3", version=1, write=True)
    zk.op("set.missing", "set", "/nope", b"x", write=True)
    zk.op("set.get-after", "get", "/p/c1")
    raw.call("set.null-data", R.OP_SET_DATA, R.set_data_body("/p/c1", None), raw.d_stat, write=True)
    raw.call("set.invalid-path", R.OP_SET_DATA, R.set_data_body("/p/", b""), raw.d_stat, write=True)
    raw.call("set.large", R.OP_SET_DATA, R.set_data_body("/p/c1", b"z" * 100_000), raw.d_stat, write=True)
    zk.op("delete.bad-version", "delete", "/p/c1", version=5, write=True)
    zk.op("delete.not-empty", "delete", "/p", write=True)
    zk.op("delete.missing", "delete", "/nope", write=True)
    zk.op("delete.right-version", "delete", "/p/c1", version=4, write=True)
    for special in ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"]:
        raw.call(f"delete.special {special}", R.OP_DELETE, R.path_version_body(special), write=True)
    raw.call("delete.noslash", R.OP_DELETE, R.path_version_body("noslash"), write=True)
    # Sequence suffixes keep counting after deletes (stored cversion counts creates only).
    zk.op("seq.delete.2", "delete", "/p/s-0000000004", write=True)
    zk.op("seq.delete.1", "delete", "/p/s-0000000003", write=True)
    zk.op("seq.parent-stat", "exists", "/p")
    zk.op("seq.next", "create", "/p/s-", b"", sequence=True, include_data=True, write=True)
    zk.op("seq.parent-stat-after", "exists", "/p")


def phase_acl(rec: Recorder, hp: str, zk: Kz, raw: Raw) -> None:
    alice_all = ACL(31, Id("digest", ALICE))
    world_read = ACL(1, Id("world", "anyone"))
    zk.op("acl.get", "get_acls", "/p")
    zk.op("acl.set", "set_acls", "/p", [ACL(31, Id("world", "anyone"))], version=0, write=True)
    zk.op("acl.set-bad-version", "set_acls", "/p", [ACL(31, Id("world", "anyone"))], version=0, write=True)
    zk.op("acl.set-empty", "set_acls", "/p", [], write=True)
    zk.op("acl.set-missing", "set_acls", "/nope", [world_read], write=True)
    zk.op("acl.get-after", "get_acls", "/p")
    zk.op("acl.stat-after (mzxid unchanged)", "exists", "/p")

    alice = Kz(rec, "alice", hp, auth=[("digest", "alice:alice-pw")])
    alice.op("acl.alice.create-secret", "create", "/secret", b"s", acl=[alice_all], write=True)
    alice.op("acl.alice.create-ro", "create", "/ro", b"r", acl=[world_read, alice_all], write=True)
    alice.op("acl.alice.create-auth-acl", "create", "/authacl", b"", acl=[ACL(31, Id("auth", ""))], write=True)
    alice.op("acl.alice.getacl-auth-acl", "get_acls", "/authacl")
    alice.op("acl.alice.create-secret-child", "create", "/secret/kid", b"k", acl=[alice_all], write=True)
    alice.op("acl.alice.getacl-ro", "get_acls", "/ro")

    # Unauthenticated raw connection: NoAuth versus NoNode, masked digest ids, 3.8.0 exists.
    raw.call("acl.anon.get-secret", R.OP_GET_DATA, R.path_watch_body("/secret"), raw.d_data_stat)
    raw.call("acl.anon.get-secret-missing-child", R.OP_GET_DATA, R.path_watch_body("/secret/none"),
             raw.d_data_stat)
    raw.call("acl.anon.get-secret-child", R.OP_GET_DATA, R.path_watch_body("/secret/kid"), raw.d_data_stat)
    raw.call("acl.anon.exists-secret (quirk-3.8.0: no READ check)", R.OP_EXISTS,
             R.path_watch_body("/secret"), raw.d_stat)
    raw.call("acl.anon.children-secret", R.OP_GET_CHILDREN, R.path_watch_body("/secret"), raw.d_children)
    raw.call("acl.anon.children2-secret", R.OP_GET_CHILDREN2, R.path_watch_body("/secret"), raw.d_children_stat)
    raw.call("acl.anon.create-under-secret", R.OP_CREATE, R.create_body("/secret/x", b""), raw.d_path, write=True)
    raw.call("acl.anon.create-existing-under-secret", R.OP_CREATE, R.create_body("/secret/kid", b""),
             raw.d_path, write=True)
    raw.call("acl.anon.create-under-missing-under-secret", R.OP_CREATE,
             R.create_body("/secret/none/x", b""), raw.d_path, write=True)
    raw.call("acl.anon.delete-missing-under-secret", R.OP_DELETE, R.path_version_body("/secret/none"), write=True)
    raw.call("acl.anon.delete-secret-child", R.OP_DELETE, R.path_version_body("/secret/kid"), write=True)
    raw.call("acl.anon.set-secret-bad-version", R.OP_SET_DATA, R.set_data_body("/secret", b"", 99),
             raw.d_stat, write=True)
    raw.call("acl.anon.set-missing", R.OP_SET_DATA, R.set_data_body("/secret/none", b"", 99),
             raw.d_stat, write=True)
    raw.call("acl.anon.getacl-secret", R.OP_GET_ACL, R.ustring("/secret"), raw.d_acl_stat)
    raw.call("acl.anon.getacl-ro (digest masked)", R.OP_GET_ACL, R.ustring("/ro"), raw.d_acl_stat)
    raw.call("acl.anon.setacl-ro", R.OP_SET_ACL, R.set_acl_body("/ro", R.OPEN_ACL), raw.d_stat, write=True)
    raw.call("acl.anon.allchildren-secret", R.OP_GET_ALL_CHILDREN_NUMBER, R.ustring("/secret"), raw.d_int)
    raw.call("acl.anon.sync-secret", R.OP_SYNC, R.ustring("/secret"), raw.d_path)
    raw.call("acl.anon.multiread-secret", R.OP_MULTI_READ,
             R.multi_body([(R.OP_GET_DATA, R.path_watch_body("/ro")),
                           (R.OP_GET_DATA, R.path_watch_body("/secret")),
                           (R.OP_GET_CHILDREN, R.path_watch_body("/secret"))]), raw.d_multi)
    raw.call("acl.anon.multi-check-secret", R.OP_MULTI,
             R.multi_body([(R.OP_CHECK, R.path_version_body("/secret", 0))]), raw.d_multi, write=True)
    raw.call("acl.anon.create-auth-acl", R.OP_CREATE, R.create_body("/aa", b"", acl=[(31, "auth", "")]),
             raw.d_path, write=True)

    # bob's "auth" ACL expands to his digest id (one id only: with several, the expansion follows
    # the server's hash order).
    bob = Raw(rec, "acl.bob", hp, timeout_ms=40000)
    f = bob.conn.auth("digest", b"bob:bob-pw")
    rec.add("acl.bob.auth", xid=f.xid, zxid=f.zxid, err=f.err)
    bob.call("acl.bob.whoami", R.OP_WHO_AM_I, b"", bob.d_whoami)
    bob.call("acl.bob.create-auth-acl", R.OP_CREATE2, R.create_body("/bobauth", b"", acl=[(31, "auth", "")]),
             bob.d_path_stat, write=True)
    bob.call("acl.bob.getacl-auth-acl", R.OP_GET_ACL, R.ustring("/bobauth"), bob.d_acl_stat)
    bob.call("acl.bob.get-secret", R.OP_GET_DATA, R.path_watch_body("/secret"), bob.d_data_stat)
    bob.close("acl.bob.close")

    # A wrong digest password is accepted by the auth step but matches no ACL.
    wrong = Raw(rec, "acl.wrongpw", hp, timeout_ms=40000)
    f = wrong.conn.auth("digest", b"alice:wrong")
    rec.add("acl.wrongpw.auth", xid=f.xid, zxid=f.zxid, err=f.err)
    wrong.call("acl.wrongpw.whoami", R.OP_WHO_AM_I, b"", wrong.d_whoami)
    wrong.call("acl.wrongpw.get-secret", R.OP_GET_DATA, R.path_watch_body("/secret"), wrong.d_data_stat)
    f = wrong.conn.auth("digest", b"alice:alice-pw")
    rec.add("acl.wrongpw+alice.auth", xid=f.xid, zxid=f.zxid, err=f.err)
    wrong.call("acl.wrongpw+alice.whoami (two alice ids)", R.OP_WHO_AM_I, b"", wrong.d_whoami)
    wrong.call("acl.wrongpw+alice.get-secret", R.OP_GET_DATA, R.path_watch_body("/secret"), wrong.d_data_stat)
    wrong.call("acl.wrongpw+alice.getacl-ro (unmasked)", R.OP_GET_ACL, R.ustring("/ro"), wrong.d_acl_stat)
    wrong.close("acl.wrongpw.close")

    # An unknown scheme fails authentication and the server closes the connection; the session
    # itself stays alive, so reconnect to it and close it (else it would expire mid-scenario).
    host, port = hp.rsplit(":", 1)
    failing = R.RawZK(host, int(port))
    resp = failing.connect(timeout_ms=40000)
    rec.add("acl.badscheme.connect", session=rec.session(resp.session_id))
    f = failing.auth("nosuchscheme", b"whatever")
    rec.add("acl.badscheme.auth", xid=f.xid, zxid=f.zxid, err=f.err, socketClosed=failing.wait_closed(5))
    failing.close()
    back = Raw(rec, "acl.badscheme.back", hp, session_id=resp.session_id, passwd=resp.passwd, timeout_ms=40000)
    back.call("acl.badscheme.back.whoami", R.OP_WHO_AM_I, b"", back.d_whoami)
    back.close("acl.badscheme.back.close")

    # super (superDigest from zoo.cfg) bypasses every ACL.
    sup = Raw(rec, "acl.super", hp, timeout_ms=40000)
    f = sup.conn.auth("digest", f"super:{SUPER_PASSWORD}".encode())
    rec.add("acl.super.auth", xid=f.xid, zxid=f.zxid, err=f.err)
    sup.call("acl.super.whoami", R.OP_WHO_AM_I, b"", sup.d_whoami)
    sup.call("acl.super.get-secret", R.OP_GET_DATA, R.path_watch_body("/secret"), sup.d_data_stat)
    sup.call("acl.super.getacl-ro", R.OP_GET_ACL, R.ustring("/ro"), sup.d_acl_stat)
    sup.call("acl.super.set-secret", R.OP_SET_DATA, R.set_data_body("/secret", b"by-super", 0), sup.d_stat,
             write=True)
    sup.call("acl.super.setacl-ro", R.OP_SET_ACL,
             R.set_acl_body("/ro", [(1, "world", "anyone"), (31, "digest", ALICE), (3, "digest", BOB)], 0),
             sup.d_stat, write=True)
    sup.call("acl.super.create-auth-acl", R.OP_CREATE2, R.create_body("/superauth", b"", acl=[(31, "auth", "")]),
             sup.d_path_stat, write=True)
    sup.call("acl.super.getacl-auth-acl", R.OP_GET_ACL, R.ustring("/superauth"), sup.d_acl_stat)
    sup.close("acl.super.close")

    # kazoo add_auth on a live session: the new identity applies to the next request.
    late = Kz(rec, "lateauth", hp)
    late.op("acl.lateauth.get-secret-before", "get", "/secret")
    late.op("acl.lateauth.add_auth", "add_auth", "digest", "alice:alice-pw")
    late.op("acl.lateauth.get-secret-after", "get", "/secret")
    late.op("acl.lateauth.getacl-ro (unmasked)", "get_acls", "/ro")
    late.stop("acl.lateauth.stop")

    alice.op("acl.alice.set-secret", "set", "/secret", b"by-alice", version=1, write=True)
    alice.op("acl.alice.setacl-ro-stale", "set_acls", "/ro", [world_read], version=0, write=True)
    alice.op("acl.alice.getacl-ro", "get_acls", "/ro")
    alice.op("acl.alice.whoami-children", "get_children", "/secret", sort=True)
    alice.stop("acl.alice.stop")


def phase_watches(rec: Recorder, hp: str, zk: Kz) -> None:
    w = Raw(rec, "w", hp, timeout_ms=40000)
    zk.op("watch.setup", "create", "/w", b"0", write=True)
    zk.op("watch.setup-child", "create", "/w/x", b"0", write=True)

    # Same connection: the event frame comes before the reply to the write that fired it.
    w.call("watch.get+watch", R.OP_GET_DATA, R.path_watch_body("/w", True), w.d_data_stat)
    w.call("watch.set-own (event before reply)", R.OP_SET_DATA, R.set_data_body("/w", b"1"), w.d_stat, write=True)
    w.call("watch.set-own-again (one-shot: no event)", R.OP_SET_DATA, R.set_data_body("/w", b"2"), w.d_stat,
           write=True)
    w.call("watch.exists-missing+watch", R.OP_EXISTS, R.path_watch_body("/w/new", True), w.d_stat)
    w.call("watch.children+watch", R.OP_GET_CHILDREN, R.path_watch_body("/w", True), w.d_children)
    w.call("watch.create-own (NodeCreated then NodeChildrenChanged)", R.OP_CREATE,
           R.create_body("/w/new", b""), w.d_path, write=True)
    w.call("watch.get x+watch", R.OP_GET_DATA, R.path_watch_body("/w/x", True), w.d_data_stat)
    w.call("watch.children2+watch", R.OP_GET_CHILDREN2, R.path_watch_body("/w", True), w.d_children_stat)
    w.call("watch.delete-own (NodeDeleted then NodeChildrenChanged)", R.OP_DELETE,
           R.path_version_body("/w/x"), write=True)
    w.call("watch.children-missing+watch (no watch left)", R.OP_GET_CHILDREN,
           R.path_watch_body("/w/gone", True), w.d_children)
    w.call("watch.get-missing+watch (no watch left)", R.OP_GET_DATA, R.path_watch_body("/w/gone", True),
           w.d_data_stat)

    # Another session's writes: events arrive on w unasked.
    w.call("watch.get+watch (for kazoo write)", R.OP_GET_DATA, R.path_watch_body("/w", True), w.d_data_stat)
    w.call("watch.exists+watch (for kazoo delete)", R.OP_EXISTS, R.path_watch_body("/w/new", True), w.d_stat)
    zk.op("watch.kazoo-set", "set", "/w", b"3", write=True)
    w.events("watch.events-after-kazoo-set", 1)
    zk.op("watch.kazoo-delete", "delete", "/w/new", write=True)
    w.events("watch.events-after-kazoo-delete", 1)
    zk.op("watch.kazoo-set-unwatched", "set", "/w", b"4", write=True)
    w.quiet("watch.no-event-after-one-shot")

    # kazoo's own watch callbacks.
    zk.op("watch.kazoo-get+watch", "get", "/w", watch=zk.watcher("data"))
    zk.op("watch.kazoo-exists+watch", "exists", "/w/k", watch=zk.watcher("exists"))
    zk.op("watch.kazoo-children+watch", "get_children", "/w", watch=zk.watcher("children"), sort=True)
    w.call("watch.raw-set", R.OP_SET_DATA, R.set_data_body("/w", b"5"), w.d_stat, write=True)
    zk.take_events("watch.kazoo-events-after-set", 1)
    w.call("watch.raw-create", R.OP_CREATE, R.create_body("/w/k", b""), w.d_path, write=True)
    zk.take_events("watch.kazoo-events-after-create", 2)

    # checkWatches (17) and removeWatches (18).
    w.call("watch.get+watch /w/k", R.OP_GET_DATA, R.path_watch_body("/w/k", True), w.d_data_stat)
    w.call("watch.children+watch /w/k", R.OP_GET_CHILDREN, R.path_watch_body("/w/k", True), w.d_children)
    for kind in (1, 2, 3, 4, 5):
        w.call(f"watch.check type {kind}", R.OP_CHECK_WATCHES, R.path_type_body("/w/k", kind))
    w.call("watch.check other path", R.OP_CHECK_WATCHES, R.path_type_body("/w", 3))
    w.call("watch.remove data", R.OP_REMOVE_WATCHES, R.path_type_body("/w/k", 2))
    w.call("watch.check data after remove", R.OP_CHECK_WATCHES, R.path_type_body("/w/k", 2))
    w.call("watch.check children after data remove", R.OP_CHECK_WATCHES, R.path_type_body("/w/k", 1))
    w.call("watch.remove data again", R.OP_REMOVE_WATCHES, R.path_type_body("/w/k", 2))
    w.call("watch.remove any", R.OP_REMOVE_WATCHES, R.path_type_body("/w/k", 3))
    w.call("watch.remove any again", R.OP_REMOVE_WATCHES, R.path_type_body("/w/k", 3))
    w.call("watch.remove type 4", R.OP_REMOVE_WATCHES, R.path_type_body("/w/k", 4))
    zk.op("watch.set removed", "set", "/w/k", b"x", write=True)
    zk.op("watch.create under removed", "create", "/w/k/c", b"", write=True)
    w.quiet("watch.no-event-after-remove")
    zk.take_events("watch.kazoo-no-events", 0)

    # addWatch: persistent (mode 0) and persistent recursive (mode 1).
    w.call("watch.add persistent /pw", R.OP_ADD_WATCH, R.path_type_body("/pw", 0), w.d_int)
    w.call("watch.add recursive /rw", R.OP_ADD_WATCH, R.path_type_body("/rw", 1), w.d_int)
    w.call("watch.check persistent", R.OP_CHECK_WATCHES, R.path_type_body("/pw", 3))
    w.call("watch.check persistent data", R.OP_CHECK_WATCHES, R.path_type_body("/pw", 2))
    w.call("watch.check persistent children", R.OP_CHECK_WATCHES, R.path_type_body("/pw", 1))
    for i, (method, path, value) in enumerate([
            ("create", "/pw", b""), ("set", "/pw", b"1"), ("set", "/pw", b"2"), ("create", "/pw/c", b""),
            ("create", "/pw/c/g", b""), ("set", "/pw/c", b"3"), ("delete", "/pw/c/g", None),
            ("delete", "/pw/c", None),
            ("create", "/rw", b""), ("create", "/rw/a", b""), ("create", "/rw/a/b", b""),
            ("set", "/rw/a/b", b"1"), ("delete", "/rw/a/b", None), ("set", "/rw", b"2")]):
        args = (path,) if value is None else (path, value)
        zk.op(f"watch.persistent-trigger.{i} {method} {path}", method, *args, write=True)
        expect = 0 if path in ("/pw/c/g",) or (path == "/pw/c" and method == "set") else 1
        if expect:
            w.events(f"watch.persistent-events.{i}", expect)
    w.quiet("watch.persistent-no-extra")

    # 3.8: one watch mode per (connection, path, table); a later standard watch replaces the
    # persistent one in the data table only.
    w.call("watch.get+watch on persistent /pw", R.OP_GET_DATA, R.path_watch_body("/pw", True), w.d_data_stat)
    for i in range(3):
        zk.op(f"watch.mode-mix.set.{i}", "set", "/pw", b"m%d" % i, write=True)
    w.events("watch.mode-mix.events", 1)
    zk.op("watch.mode-mix.child", "create", "/pw/after", b"", write=True)
    w.events("watch.mode-mix.child-event", 1)
    w.quiet("watch.mode-mix.no-extra")

    # Events are filtered by READ permission (Debian's 3.8.0 carries the CVE-2024-23944 fix).
    alice = Kz(rec, "walice", hp, auth=[("digest", "alice:alice-pw")])
    alice.op("watch.acl.create-secret-under-rw", "create", "/rw/secret", b"",
             acl=[ACL(31, Id("digest", ALICE))], write=True)
    alice.op("watch.acl.create-open-under-rw", "create", "/rw/open", b"", write=True)
    w.events("watch.acl.events (secret filtered)", 1)
    alice.op("watch.acl.delete-secret", "delete", "/rw/secret", write=True)
    w.quiet("watch.acl.no-event-for-secret-delete")
    alice.stop("watch.acl.alice-stop")

    w.call("watch.remove recursive via any", R.OP_REMOVE_WATCHES, R.path_type_body("/rw", 3))
    w.call("watch.remove persistent children", R.OP_REMOVE_WATCHES, R.path_type_body("/pw", 1))
    w.call("watch.check persistent after", R.OP_CHECK_WATCHES, R.path_type_body("/pw", 3))
    zk.op("watch.after-remove.set rw", "set", "/rw", b"3", write=True)
    zk.op("watch.after-remove.create pw child", "create", "/pw/after2", b"", write=True)
    w.quiet("watch.after-remove.no-events")
    w.close("watch.close")


def phase_set_watches(rec: Recorder, hp: str, zk: Kz) -> None:
    """Watches re-armed with SetWatches/SetWatches2 after a reconnect."""
    for p in ["/sw", "/sw/d", "/sw/same", "/sw/gone", "/sw/kids", "/sw/p", "/sw/r"]:
        zk.op(f"sw.setup {p}", "create", p, b"", write=True)
    x = Raw(rec, "sw.x", hp, timeout_ms=40000)
    x.call("sw.get d", R.OP_GET_DATA, R.path_watch_body("/sw/d", True), x.d_data_stat)
    x.call("sw.get same", R.OP_GET_DATA, R.path_watch_body("/sw/same", True), x.d_data_stat)
    x.call("sw.get gone", R.OP_GET_DATA, R.path_watch_body("/sw/gone", True), x.d_data_stat)
    x.call("sw.exists new", R.OP_EXISTS, R.path_watch_body("/sw/new", True), x.d_stat)
    x.call("sw.exists never", R.OP_EXISTS, R.path_watch_body("/sw/never", True), x.d_stat)
    x.call("sw.children sw", R.OP_GET_CHILDREN, R.path_watch_body("/sw", True), x.d_children)
    x.call("sw.children kids", R.OP_GET_CHILDREN, R.path_watch_body("/sw/kids", True), x.d_children)
    relative = x.conn.last_zxid
    rec.add("sw.relative-zxid", zxid=relative)
    sid, pw = x.conn.session_id, x.conn.passwd
    x.conn.close()   # drop the socket; the session lives on

    zk.op("sw.change d", "set", "/sw/d", b"changed", write=True)
    zk.op("sw.change new", "create", "/sw/new", b"", write=True)
    zk.op("sw.change kids", "create", "/sw/kids/k", b"", write=True)
    zk.op("sw.change gone", "delete", "/sw/gone", write=True)

    y = Raw(rec, "sw.y", hp, session_id=sid, passwd=pw, timeout_ms=40000, last_zxid=relative)
    y.call("sw.setwatches", R.OP_SET_WATCHES,
           R.set_watches_body(relative, data=["/sw/d", "/sw/same", "/sw/gone"],
                              exist=["/sw/new", "/sw/never"], child=["/sw", "/sw/kids"]))
    zk.op("sw.rearmed.set same", "set", "/sw/same", b"1", write=True)
    y.events("sw.rearmed.events.same", 1)
    zk.op("sw.rearmed.create never", "create", "/sw/never", b"", write=True)
    y.events("sw.rearmed.events.never", 1)
    zk.op("sw.rearmed.set d (already fired)", "set", "/sw/d", b"again", write=True)
    y.quiet("sw.rearmed.no-event-for-fired")

    # SetWatches2 (op 105) carries persistent and persistent-recursive lists, and a C-client
    # style xid of -8.
    y.call("sw.setwatches2", R.OP_SET_WATCHES2,
           R.set_watches_body(y.conn.last_zxid, persistent=["/sw/p"], recursive=["/sw/r"]), xid=-8)
    zk.op("sw2.set p", "set", "/sw/p", b"1", write=True)
    y.events("sw2.events.p", 1)
    zk.op("sw2.create r child", "create", "/sw/r/c", b"", write=True)
    y.events("sw2.events.r", 1)
    zk.op("sw2.create p child", "create", "/sw/p/c", b"", write=True)
    y.events("sw2.events.p-child", 1)
    y.call("sw2.check", R.OP_CHECK_WATCHES, R.path_type_body("/sw/r", 3))
    y.close("sw.y.close")


def phase_multi(rec: Recorder, zk: Kz, raw: Raw) -> None:
    zk.op("multi.setup", "create", "/tx", b"", write=True)
    zk.op("multi.setup-old", "create", "/tx/old", b"", write=True)
    t = zk.client.transaction()
    t.create("/tx/a", b"1")
    t.check("/tx", 0)
    t.set_data("/tx", b"x", version=0)
    t.delete("/tx/old")
    t.create("/tx/seq-", b"", sequence=True)
    zk.commit("multi.kazoo-ok", t)
    zk.op("multi.kazoo-ok.stat", "exists", "/tx")
    t = zk.client.transaction()
    t.create("/tx/b", b"1")
    t.set_data("/tx", b"y", version=99)
    t.create("/tx/c", b"1")
    zk.commit("multi.kazoo-fail", t)
    zk.op("multi.kazoo-fail.not-created", "exists", "/tx/b")
    t = zk.client.transaction()
    t.check("/tx", 5)
    t.delete("/tx/a")
    zk.commit("multi.kazoo-fail-check", t)
    t = zk.client.transaction()
    t.create("/tx/d", b"")
    t.delete("/tx/d")
    t.create("/tx/d", b"again")
    zk.commit("multi.kazoo-create-delete-create", t)
    zk.op("multi.kazoo-create-delete-create.stat", "get", "/tx/d")

    # Sub-op result layouts only a raw client can see.
    raw.call("multi.raw-create-kinds (quirk-3.8.0: create2 answers type 1)", R.OP_MULTI, R.multi_body([
        (R.OP_CREATE, R.create_body("/tx/m1", b"")),
        (R.OP_CREATE2, R.create_body("/tx/m2", b"")),
        (R.OP_CREATE_CONTAINER, R.create_body("/tx/m3", b"", flags=4)),
        (R.OP_CREATE_TTL, R.create_ttl_body("/tx/m4", b"", 5, 3_600_000)),
        (R.OP_CREATE, R.create_body("/tx/m3/keep", b"")),
        (R.OP_CHECK, R.path_version_body("/tx/m1", 0)),
        (R.OP_SET_DATA, R.set_data_body("/tx/m1", b"set", 0)),
        (R.OP_DELETE, R.path_version_body("/tx/m2", 0))]), raw.d_multi, write=True)
    raw.call("multi.raw-fail-middle", R.OP_MULTI, R.multi_body([
        (R.OP_CREATE, R.create_body("/tx/f1", b"")),
        (R.OP_DELETE, R.path_version_body("/tx/nope")),
        (R.OP_CREATE, R.create_body("/tx/f2", b""))]), raw.d_multi, write=True)
    raw.call("multi.raw-fail-first", R.OP_MULTI, R.multi_body([
        (R.OP_CREATE, R.create_body("/tx/m1", b"")),
        (R.OP_CREATE, R.create_body("/tx/f3", b""))]), raw.d_multi, write=True)
    raw.call("multi.raw-notempty", R.OP_MULTI, R.multi_body([
        (R.OP_DELETE, R.path_version_body("/tx"))]), raw.d_multi, write=True)
    raw.call("multi.raw-bad-flags (quirk-3.8.0: per-op -8)", R.OP_MULTI, R.multi_body([
        (R.OP_CREATE, R.create_body("/tx/f4", b"", flags=9))]), raw.d_multi, write=True)
    raw.call("multi.raw-empty", R.OP_MULTI, R.multi_body([]), raw.d_multi, write=True)
    raw.call("multi.raw-read-op-in-multi", R.OP_MULTI, R.multi_body([
        (R.OP_GET_DATA, R.path_watch_body("/tx"))]), raw.d_multi, write=True)
    raw.call("multi.raw-ephemeral", R.OP_MULTI, R.multi_body([
        (R.OP_CREATE, R.create_body("/tx/eph", b"", flags=1)),
        (R.OP_CREATE, R.create_body("/tx/eph/child", b""))]), raw.d_multi, write=True)
    raw.call("multi.raw-sequential", R.OP_MULTI, R.multi_body([
        (R.OP_CREATE, R.create_body("/tx/q-", b"", flags=2)),
        (R.OP_CREATE, R.create_body("/tx/q-", b"", flags=2))]), raw.d_multi, write=True)
    raw.call("multi.raw-after.stat", R.OP_EXISTS, R.path_watch_body("/tx"), raw.d_stat)
    raw.call("multi.multiread", R.OP_MULTI_READ, R.multi_body([
        (R.OP_GET_DATA, R.path_watch_body("/tx/m1", True)),
        (R.OP_GET_CHILDREN, R.path_watch_body("/tx", True)),
        (R.OP_GET_DATA, R.path_watch_body("/tx/nope")),
        (R.OP_GET_CHILDREN, R.path_watch_body("/tx/nope"))]), raw.d_multi)
    raw.call("multi.multiread-empty", R.OP_MULTI_READ, R.multi_body([]), raw.d_multi)
    raw.call("multi.multiread-no-watch-left", R.OP_CHECK_WATCHES, R.path_type_body("/tx/m1", 3))


def phase_session_close(rec: Recorder, hp: str, zk: Kz) -> None:
    """Ephemerals of a closed session vanish; watchers in other sessions see it."""
    for p in ["/eph", "/eph/a", "/eph/b", "/eph/c"]:
        zk.op(f"close.setup {p}", "create", p, b"", write=True)
    doomed = Kz(rec, "doomed", hp)
    doomed.op("close.doomed.create a/x", "create", "/eph/a/x", b"", ephemeral=True, include_data=True, write=True)
    seq = doomed.op("close.doomed.create b/q-", "create", "/eph/b/q-", b"", ephemeral=True, sequence=True,
                    write=True)
    doomed.op("close.doomed.create c/z", "create", "/eph/c/z", b"", ephemeral=True, write=True)
    o = Raw(rec, "close.observer", hp, timeout_ms=40000)
    o.call("close.observer.get a/x", R.OP_GET_DATA, R.path_watch_body("/eph/a/x", True), o.d_data_stat)
    o.call("close.observer.exists b/q", R.OP_EXISTS, R.path_watch_body(seq, True), o.d_stat)
    o.call("close.observer.children a", R.OP_GET_CHILDREN, R.path_watch_body("/eph/a", True), o.d_children)
    o.call("close.observer.children b", R.OP_GET_CHILDREN2, R.path_watch_body("/eph/b", True), o.d_children_stat)
    o.call("close.observer.ephemerals (own: none)", R.OP_GET_EPHEMERALS, R.ustring("/"), o.d_children)
    rw = Raw(rec, "close.recursive", hp, timeout_ms=40000)
    rw.call("close.recursive.add", R.OP_ADD_WATCH, R.path_type_body("/eph", 1), rw.d_int)
    zk.op("close.kazoo-children+watch", "get_children", "/eph/c", watch=zk.watcher("children-c"), sort=True)

    doomed.stop("close.doomed.stop")

    def by_node(events):
        """Cut the events into runs, one per deleted node, and sort the runs.

        Apache deletes the session's ephemerals one by one in Java hash-set order; each
        deletion fires NodeDeleted and then the parent's NodeChildrenChanged.  Sorting whole
        runs removes the hash order but keeps the order (and contiguity) inside each run.
        """
        owners = [p for p in ("/eph/a/x", seq, "/eph/c/z") if p]
        runs: list[dict] = []
        for ev in events:
            node = ev["path"]
            if ev["type"] != "NodeDeleted":   # a parent's event belongs to its only ephemeral
                node = next((p for p in owners if p.rsplit("/", 1)[0] == ev["path"]), ev["path"])
            if not runs or runs[-1]["node"] != node:
                runs.append({"node": node, "events": []})
            runs[-1]["events"].append(ev)
        return sorted(runs, key=lambda run: run["node"])

    o.events("close.observer.events", 4, canonical=by_node)
    rw.events("close.recursive.events", 3, canonical=lambda evs: sorted(evs, key=lambda e: e["path"]))
    zk.take_events("close.kazoo-events", 1)
    for p in ["/eph/a", "/eph/b", "/eph/c"]:
        zk.op(f"close.after {p}", "get_children", p, include_data=True, sort=True)
    o.quiet("close.observer.no-extra")
    o.close("close.observer.close")
    rw.close("close.recursive.close")


def phase_dump(rec: Recorder, hp: str) -> None:
    """The whole tree, read as super: every path, its data, Stat and ACL."""
    d = Raw(rec, "dump", hp, timeout_ms=40000)
    f = d.conn.auth("digest", f"super:{SUPER_PASSWORD}".encode())
    rec.add("dump.auth", err=f.err)
    todo = ["/"]
    while todo:
        path = todo.pop(0)
        _, g = d.conn.call(R.OP_GET_DATA, R.path_watch_body(path))
        _, a = d.conn.call(R.OP_GET_ACL, R.ustring(path))
        _, c = d.conn.call(R.OP_GET_CHILDREN, R.path_watch_body(path))
        if g.err or a.err or c.err:
            rec.add("dump.node", path=path, errors=[g.err, a.err, c.err])
            continue
        data, stat = g.body.buffer(), g.body.stat()
        kids = sorted(c.body.string_vector())
        rec.add("dump.node", path=path, data=Recorder.data(data) if len(data or b"") < 200 else
                f"<{len(data)} bytes>", stat=rec.stat(stat), acl=[list(x) for x in a.body.acl_list()])
        todo += [(path.rstrip("/") + "/" + k) for k in kids]
    d.call("dump.allchildren", R.OP_GET_ALL_CHILDREN_NUMBER, R.ustring("/"), d.d_int)
    d.close("dump.close")


def four_letter_lines(hp: str) -> dict:
    host, port = hp.rsplit(":", 1)
    out = four_letter(int(port), "srvr", host)
    keep = {}
    for line in out.splitlines():
        k, _, v = line.partition(":")
        if k in ("Zxid", "Mode", "Node count"):
            keep[k] = v.strip()
    return keep


def run(hostport: str, sink=None) -> list[str]:
    """Run the whole scenario against a fresh server; return the normalized JSON lines.

    `sink`, if given, also receives every line as soon as it is recorded.
    """
    logging.getLogger("kazoo").setLevel(logging.CRITICAL)
    rec = Recorder()
    rec.sink = sink
    try:
        scenario(rec, hostport)
    except Exception as e:  # the diff shows where the server under test diverged
        rec.add("CRASH", error=f"{type(e).__name__}: {e}")
    finally:
        for c in rec.clients:
            try:
                c.stop()
                c.close()
            except Exception:
                pass
    return rec.lines


def scenario(rec: Recorder, hostport: str) -> None:
    rec.add("start.srvr", **four_letter_lines(hostport))
    phase_handshakes(rec, hostport)
    zk = Kz(rec, "zk", hostport)
    raw = Raw(rec, "raw", hostport, timeout_ms=40000)
    phase_builtin(rec, raw)
    phase_create(rec, zk, raw)
    phase_reads(rec, zk, raw)
    phase_writes(rec, zk, raw)
    phase_acl(rec, hostport, zk, raw)
    raw.close("raw.close (its ephemerals go)")
    phase_watches(rec, hostport, zk)
    phase_set_watches(rec, hostport, zk)
    raw = Raw(rec, "raw2", hostport, timeout_ms=40000)
    phase_multi(rec, zk, raw)
    raw.close("raw2.close")
    phase_session_close(rec, hostport, zk)
    zk.op("end.ephemerals-of-zk", "get_children", "/p", sort=True)
    zk.stop("zk.stop")
    phase_dump(rec, hostport)
    rec.add("end.srvr", **four_letter_lines(hostport))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("hostport")
    ap.add_argument("--out", type=Path, help="write the lines to FILE instead of stdout")
    args = ap.parse_args()
    if args.out:
        lines = run(args.hostport)
        args.out.write_text("\n".join(lines) + "\n")
    else:
        run(args.hostport, sink=lambda line: print(line, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
