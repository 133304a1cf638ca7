"""Whole-tree dumps for comparing what two servers (or one server before and after a restart)
serve, and a pipelining helper for writing many requests quickly.

A dump maps every path to (data, Stat, ACL list) as the wire carries them, read with the super
digest from scenario.SUPER_PASSWORD so no ACL hides anything. Requests are pipelined one tree
level at a time; one session, replies in xid order.
"""

from __future__ import annotations

import rawzk as R
import scenario

# The zoo.cfg extras every storage test uses: TTL and container nodes, and the super user.
SETTINGS = scenario.SETTINGS


def connect(port: int, host: str = "127.0.0.1", timeout_ms: int = 30000, io_timeout: float = 30.0,
            superuser: bool = False) -> R.RawZK:
    c = R.RawZK(host, port, io_timeout=io_timeout)
    resp = c.connect(timeout_ms=timeout_ms)
    if resp.timeout <= 0:
        raise RuntimeError(f"{host}:{port} refused the session")
    if superuser:
        f = c.auth("digest", f"super:{scenario.SUPER_PASSWORD}".encode())
        if f.err != 0:
            raise RuntimeError(f"super auth failed: {f.err}")
    return c


def pipeline(c: R.RawZK, requests: list[tuple[int, bytes]], window: int = 200) -> list[R.Frame]:
    """Send every (op, body) with at most `window` unanswered, return the replies in order.

    Notifications are not expected (no watches are set) and would fail the xid check."""
    replies: list[R.Frame] = []
    xids: list[int] = []
    sent = 0
    while len(replies) < len(requests):
        while sent < len(requests) and sent - len(replies) < window:
            op, body = requests[sent]
            xids.append(c.send(op, body))
            sent += 1
        f = c.read()
        want = xids[len(replies)]
        if f.xid != want:
            raise AssertionError(f"reply xid {f.xid}, expected {want}")
        replies.append(f)
    return replies


def dump(port: int) -> dict[str, tuple]:
    """{path: (data or None, stat dict, sorted ACL list)} for every node, /zookeeper included."""
    c = connect(port, superuser=True)
    try:
        out: dict[str, tuple] = {}
        level = ["/"]
        while level:
            reqs = []
            for p in level:
                reqs += [(R.OP_GET_DATA, R.path_watch_body(p)), (R.OP_GET_ACL, R.ustring(p)),
                         (R.OP_GET_CHILDREN, R.path_watch_body(p))]
            replies = pipeline(c, reqs)
            nxt = []
            for i, p in enumerate(level):
                fd, fa, fc = replies[3 * i:3 * i + 3]
                for f in (fd, fa, fc):
                    if f.err != 0:
                        raise AssertionError(f"reading {p}: error {f.err}")
                data = fd.body.buffer()
                stat = fd.body.stat()
                acl = sorted(fa.body.acl_list() or [])
                out[p] = (data, stat, acl)
                for name in sorted(fc.body.string_vector() or []):
                    nxt.append(("" if p == "/" else p) + "/" + name)
            level = nxt
        c.close_session()
        return out
    finally:
        c.close()


def diff(expected: dict[str, tuple], actual: dict[str, tuple], limit: int = 12) -> str:
    """Human-readable differences between two dumps ("" when identical)."""
    lines = []
    for p in sorted(set(expected) - set(actual)):
        lines.append(f"missing {p}")
    for p in sorted(set(actual) - set(expected)):
        lines.append(f"extra {p}")
    for p in sorted(set(expected) & set(actual)):
        (d1, s1, a1), (d2, s2, a2) = expected[p], actual[p]
        if d1 != d2:
            lines.append(f"{p}: data {d1[:40] if d1 else d1!r} != {d2[:40] if d2 else d2!r}")
        for k in s1:
            if s1[k] != s2[k]:
                lines.append(f"{p}: {k} {s1[k]:#x} != {s2[k]:#x}")
        if a1 != a2:
            lines.append(f"{p}: acl {a1} != {a2}")
    more = f"\n... and {len(lines) - limit} more" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more


def server_zxid(server) -> int:
    """The `Zxid:` line of `srvr` (the last zxid the server applied)."""
    for line in server.word("srvr").splitlines():
        if line.startswith("Zxid:"):
            return int(line.split(":", 1)[1].strip(), 16)
    raise AssertionError("srvr has no Zxid line")
