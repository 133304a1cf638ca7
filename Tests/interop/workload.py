"""A varied write workload for the storage tests: every kind of txn a data directory can hold.

Persistent, ephemeral, sequential, container and TTL nodes, null/binary/large data, digest,
auth, ip and read-only ACLs, setACL, setData with versions, deletes, failed writes (error txns),
a successful and a failed multi, then a pipelined bulk of creates, setData and deletes so a
small snapCount rolls the log and takes several snapshots.

The session that did the writes is left open (its socket is closed without closeSession), so
its ephemerals are still in the tree when the server stops and must come back with it.
Needs the server to run with scenario.SETTINGS (extendedTypesEnabled and the super digest).
"""

from __future__ import annotations

import rawzk as R
import treedump
from scenario import ALICE, BOB

OK, NO_NODE, NO_AUTH, BAD_VERSION, NODE_EXISTS, NOT_EMPTY = 0, -101, -102, -103, -110, -111
PERSISTENT, EPHEMERAL, PERSISTENT_SEQ, EPHEMERAL_SEQ, CONTAINER, TTL, TTL_SEQ = 0, 1, 2, 3, 4, 5, 6
TTL_MS = 3_600_000   # long enough that no TTL node is reaped while a test runs


def _big(n: int) -> bytes:
    return bytes((i * 7 + 3) % 251 for i in range(n))


def run(port: int, bulk: int = 150) -> R.RawZK:
    """Run the workload; returns the still-open connection that owns the ephemerals."""
    c = treedump.connect(port)

    def w(op: int, body: bytes, err: int = OK) -> R.Frame:
        _, f = c.call(op, body)
        assert f.err == err, f"op {op} {body[:40]!r}: error {f.err}, expected {err}"
        return f

    assert c.auth("digest", b"alice:alice-pw").err == 0
    w(R.OP_CREATE, R.create_body("/app", b"root"))
    w(R.OP_CREATE2, R.create_body("/app/cfg", b"v0"))
    for i in range(1, 6):
        w(R.OP_SET_DATA, R.set_data_body("/app/cfg", f"v{i}".encode(), version=i - 1))
    w(R.OP_SET_DATA, R.set_data_body("/app/cfg", b"stale", version=0), BAD_VERSION)
    w(R.OP_CREATE, R.create_body("/app/eph", b"e", flags=EPHEMERAL))
    for i in range(3):
        w(R.OP_CREATE, R.create_body("/app/seq-", bytes([i]), flags=PERSISTENT_SEQ))
    for _ in range(2):
        w(R.OP_CREATE2, R.create_body("/app/eseq-", b"", flags=EPHEMERAL_SEQ))
    w(R.OP_CREATE, R.create_body("/app", b"again"), NODE_EXISTS)
    w(R.OP_CREATE_CONTAINER, R.create_body("/box", b"c", flags=CONTAINER))
    w(R.OP_CREATE, R.create_body("/box/item", b"i"))
    w(R.OP_CREATE_TTL, R.create_ttl_body("/ttl", b"t", TTL, TTL_MS))
    w(R.OP_CREATE_TTL, R.create_ttl_body("/ttl/s-", b"", TTL_SEQ, TTL_MS))
    w(R.OP_CREATE, R.create_body("/nulldata", None))
    w(R.OP_CREATE, R.create_body("/binary", bytes(range(256))))
    w(R.OP_CREATE, R.create_body("/big", _big(300_000)))
    w(R.OP_SET_DATA, R.set_data_body("/big", _big(200_000)[::-1], version=0))

    w(R.OP_CREATE, R.create_body("/acl", b""))
    w(R.OP_CREATE, R.create_body("/acl/digest", b"d", acl=[(R.PERM_ALL, "digest", BOB)]))
    w(R.OP_CREATE, R.create_body("/acl/auth", b"a", acl=[(R.PERM_ALL, "auth", "")]))
    w(R.OP_CREATE, R.create_body("/acl/mixed", b"m", acl=[(R.PERM_READ, "world", "anyone"),
                                                           (R.PERM_ALL, "digest", ALICE),
                                                           (7, "ip", "127.0.0.1")]))
    w(R.OP_CREATE, R.create_body("/acl/cidr", b"", acl=[(R.PERM_ALL, "ip", "127.0.0.0/8")]))
    w(R.OP_CREATE, R.create_body("/acl/readonly", b"r", acl=[(R.PERM_READ, "world", "anyone")]))
    w(R.OP_SET_ACL, R.set_acl_body("/acl/auth", [(3, "digest", ALICE), (R.PERM_READ, "world", "anyone")], 0))
    w(R.OP_SET_ACL, R.set_acl_body("/acl/mixed", [(R.PERM_READ, "world", "anyone")], 5), BAD_VERSION)
    w(R.OP_SET_ACL, R.set_acl_body("/acl/readonly", [(R.PERM_ALL, "world", "anyone")]), NO_AUTH)
    w(R.OP_SET_DATA, R.set_data_body("/acl/readonly", b"x"), NO_AUTH)
    w(R.OP_SET_DATA, R.set_data_body("/acl/digest", b"x"), NO_AUTH)

    w(R.OP_CREATE, R.create_body("/gone", b"g"))
    w(R.OP_CREATE, R.create_body("/gone/child", b""))
    w(R.OP_DELETE, R.path_version_body("/gone"), NOT_EMPTY)
    w(R.OP_DELETE, R.path_version_body("/gone/child"))
    w(R.OP_DELETE, R.path_version_body("/gone", 1), BAD_VERSION)
    w(R.OP_DELETE, R.path_version_body("/gone", 0))
    w(R.OP_DELETE, R.path_version_body("/gone"), NO_NODE)

    w(R.OP_MULTI, R.multi_body([
        (R.OP_CREATE, R.create_body("/m", b"m")),
        (R.OP_CREATE, R.create_body("/m/a", b"a")),
        (R.OP_CREATE2, R.create_body("/m/b", b"b")),
        (R.OP_SET_DATA, R.set_data_body("/m/a", b"a2", 0)),
        (R.OP_CHECK, R.path_version_body("/app/cfg", 5)),
        (R.OP_DELETE, R.path_version_body("/m/b")),
        (R.OP_CREATE_TTL, R.create_ttl_body("/m/ttl", b"", TTL, TTL_MS)),
    ]))
    _, f = c.call(R.OP_MULTI, R.multi_body([
        (R.OP_CREATE, R.create_body("/m/never", b"")),
        (R.OP_SET_DATA, R.set_data_body("/no/such/node", b"")),
        (R.OP_DELETE, R.path_version_body("/m/a")),
    ]))   # fails as a whole: logged as a multi of error txns, changes nothing

    w(R.OP_CREATE, R.create_body("/bulk", b""))
    reqs = [(R.OP_CREATE, R.create_body(f"/bulk/n{i:04d}", f"value {i}".encode() * (i % 5)))
            for i in range(bulk)]
    reqs += [(R.OP_SET_DATA, R.set_data_body(f"/bulk/n{i:04d}", b"changed", 0)) for i in range(0, bulk, 3)]
    reqs += [(R.OP_DELETE, R.path_version_body(f"/bulk/n{i:04d}")) for i in range(0, bulk, 5)]
    for f in treedump.pipeline(c, reqs, window=50):
        assert f.err == OK, f"bulk write failed: {f.err}"
    return c


def tail(c: R.RawZK, n: int = 5) -> None:
    """A few more writes: txns that come after the newest snapshot."""
    for i in range(n):
        _, f = c.call(R.OP_SET_DATA, R.set_data_body("/app", f"tail {i}".encode()))
        assert f.err == OK
