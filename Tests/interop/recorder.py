"""Recording client outcomes for the differential scenario, normalized for comparison.

`Recorder` turns results into JSON lines (session ids relabelled, wall-clock times masked);
`Kz` wraps a kazoo client and `Raw` a rawzk connection so that every call is recorded with the
zxid of its reply.  The normalization rules are described in scenario.py.
"""

from __future__ import annotations

import json
import threading
import time

import rawzk as R
from kazoo.client import KazooClient
from kazoo.exceptions import KazooException
from kazoo.protocol.states import ZnodeStat
from kazoo.security import ACL

EVENT_WAIT_S = 10.0
OP_TIMEOUT_S = 15.0   # a reply that never comes ends the scenario (CRASH) instead of hanging it


def now_ms() -> int:
    return int(time.time() * 1000)


class Recorder:
    """Collects normalized records and owns the session-id relabelling."""

    def __init__(self):
        self.lines: list[str] = []
        self.sink = None    # optional callable receiving each line as soon as it is recorded
        self.labels: dict[int, str] = {}
        self.last_write_ms = 0
        self.clients: list[KazooClient] = []   # stopped at the end even after a crash

    # -- normalization

    def session(self, sid: int) -> str | int:
        if sid == 0:
            return 0
        if sid not in self.labels:
            self.labels[sid] = f"s{len(self.labels) + 1}"
        return self.labels[sid]

    def stat(self, st) -> dict:
        d = st._asdict() if isinstance(st, ZnodeStat) else dict(st)
        out = {k: d[k] for k in R.STAT_FIELDS}
        out["ctime==mtime"] = d["ctime"] == d["mtime"]
        out["ctime"] = out["mtime"] = "<t>"
        out["ephemeralOwner"] = self.session(d["ephemeralOwner"])
        return out

    @staticmethod
    def data(b: bytes | None):
        if b is None:
            return None
        try:
            return b.decode("utf-8")
        except UnicodeDecodeError:
            return "hex:" + b.hex()

    @staticmethod
    def event(ev) -> dict:
        if isinstance(ev, dict):
            return {"type": R.EVENT_NAMES.get(ev["type"], ev["type"]), "state": ev["state"], "path": ev["path"]}
        # kazoo WatchedEvent: type/state are names already
        return {"type": ev.type, "state": ev.state, "path": ev.path}

    def value(self, v):
        """Normalize a kazoo result (or a piece of one)."""
        if isinstance(v, ZnodeStat):
            return {"stat": self.stat(v)}
        if isinstance(v, ACL):
            return [v.perms, v.id.scheme, v.id.id]
        if isinstance(v, Exception):
            return {"error": type(v).__name__, "code": getattr(v, "code", None)}
        if isinstance(v, bytes):
            return self.data(v)
        if isinstance(v, (list, tuple)):
            return [self.value(x) for x in v]
        return v

    # -- output

    def add(self, step: str, **fields) -> dict:
        rec = {"step": step, **fields}
        line = json.dumps(rec, sort_keys=True, ensure_ascii=False)
        self.lines.append(line)
        if self.sink is not None:
            self.sink(line)
        return rec

    def before_write(self) -> None:
        """Wait until the wall clock is past the previous write's reply (see module doc)."""
        while now_ms() <= self.last_write_ms:
            time.sleep(0.0005)

    def after_write(self) -> None:
        self.last_write_ms = now_ms()


class Kz:
    """A kazoo client plus a log of the watch events its callbacks saw."""

    def __init__(self, rec: Recorder, name: str, hostport: str, auth=None):
        self.rec, self.name = rec, name
        self.client = KazooClient(hosts=hostport, timeout=10.0, auth_data=auth)
        rec.clients.append(self.client)
        self.client.start(timeout=15)
        self.events: list[tuple[str, object]] = []
        self.cv = threading.Condition()
        rec.add(f"{name}.connect", session=rec.session(self.client.client_id[0]), zxid=self.client.last_zxid)

    def watcher(self, tag: str):
        def cb(ev):
            with self.cv:
                self.events.append((tag, ev))
                self.cv.notify_all()
        return cb

    def take_events(self, step: str, count: int) -> None:
        """Wait (with a deadline) for `count` watch callbacks, record them and clear the log."""
        end = time.monotonic() + EVENT_WAIT_S
        with self.cv:
            while len(self.events) < count and time.monotonic() < end:
                self.cv.wait(0.05)
            got = self.events[:]
            self.events.clear()
        self.rec.add(step, client=self.name, events=[{"watch": t, **Recorder.event(e)} for t, e in got])

    def op(self, step: str, method: str, *args, write: bool = False, sort: bool = False, **kw):
        """Call a kazoo method and record its normalized outcome and the reply zxid."""
        if write:
            self.rec.before_write()
        try:
            res = getattr(self.client, method + "_async")(*args, **kw).get(timeout=OP_TIMEOUT_S)
            if sort:
                res = (sorted(res[0]), res[1]) if isinstance(res, tuple) else sorted(res)
            out = {"result": self.rec.value(res)}
        except KazooException as e:
            out = {"error": type(e).__name__, "code": getattr(e, "code", None)}
        if write:
            self.rec.after_write()
        self.rec.add(step, client=self.name, op=method, zxid=self.client.last_zxid, **out)
        return out.get("result")

    def commit(self, step: str, txn) -> None:
        self.rec.before_write()
        res = txn.commit_async().get(timeout=OP_TIMEOUT_S)
        self.rec.after_write()
        self.rec.add(step, client=self.name, op="transaction", zxid=self.client.last_zxid,
                     result=self.rec.value(res))

    def stop(self, step: str) -> None:
        self.client.stop()
        self.client.close()
        self.rec.add(step, client=self.name, closed=True)


class Raw:
    """A rawzk connection whose every reply is recorded with its zxid and preceding events."""

    def __init__(self, rec: Recorder, name: str, hostport: str, **connect):
        host, port = hostport.rsplit(":", 1)
        self.rec, self.name, self.hostport = rec, name, hostport
        self.conn = R.RawZK(host, int(port))
        self.connect_args = connect
        resp = self.conn.connect(**connect)
        rec.add(f"{name}.connect", **self.describe(resp))

    def describe(self, resp: R.ConnectResponse) -> dict:
        return {"protocolVersion": resp.protocol_version, "timeOut": resp.timeout,
                "session": self.rec.session(resp.session_id), "passwdLen": len(resp.passwd),
                "passwdZero": resp.passwd == b"\0" * len(resp.passwd), "readOnly": resp.read_only,
                "frameLen": len(resp.raw)}

    def call(self, step: str, op: int, body: bytes = b"", decode=None, write: bool = False, xid=None):
        if write:
            self.rec.before_write()
        before, f = self.conn.call(op, body, xid)
        if write:
            self.rec.after_write()
        out = {"conn": self.name, "op": op, "zxid": f.zxid, "err": f.err}
        if before:
            out["eventsBefore"] = [Recorder.event(e) for e in before]
        result = None
        if f.err == 0 and decode is not None:
            result = decode(f.body)
            out["result"] = result
        if f.body.remaining():
            out["unreadBytes"] = f.body.remaining()
        self.rec.add(step, **out)
        return result

    def events(self, step: str, count: int, canonical=None) -> None:
        """Read `count` notifications (a shortfall is recorded, not raised)."""
        try:
            got, timed_out = self.conn.read_events(count, EVENT_WAIT_S), False
        except R.EventTimeout as e:
            got, timed_out = e.events, True
        evs = [Recorder.event(e) for e in got]
        if canonical and not timed_out:
            evs = canonical(evs)
        out = {"conn": self.name, "events": evs}
        if timed_out:
            out["timedOut"] = True
        self.rec.add(step, **out)

    def quiet(self, step: str) -> None:
        """Record whether any frame arrives unasked within a short window (it should not)."""
        self.rec.add(step, conn=self.name, silent=self.conn.no_more_frames(0.3))

    def close(self, step: str) -> None:
        before, f = self.conn.call(R.OP_CLOSE)
        out = {"conn": self.name, "zxid": f.zxid, "err": f.err, "socketClosed": self.conn.wait_closed(5)}
        if before:
            out["eventsBefore"] = [Recorder.event(e) for e in before]
        self.rec.add(step, **out)
        self.conn.close()

    # -- decoders (bound to the recorder for Stat normalization)

    def d_stat(self, r: R.Reader):
        return self.rec.stat(r.stat())

    def d_path(self, r: R.Reader):
        return r.ustring()

    def d_path_stat(self, r: R.Reader):
        return {"path": r.ustring(), "stat": self.rec.stat(r.stat())}

    def d_data_stat(self, r: R.Reader):
        return {"data": Recorder.data(r.buffer()), "stat": self.rec.stat(r.stat())}

    def d_children(self, r: R.Reader):
        v = r.string_vector()
        return None if v is None else sorted(v)

    def d_children_stat(self, r: R.Reader):
        return {"children": self.d_children(r), "stat": self.rec.stat(r.stat())}

    def d_acl_stat(self, r: R.Reader):
        return {"acl": [list(a) for a in r.acl_list()], "stat": self.rec.stat(r.stat())}

    def d_int(self, r: R.Reader):
        return r.i32()

    def d_multi(self, r: R.Reader):
        out = []
        for item in r.multi_results():
            if "stat" in item:
                item["stat"] = self.rec.stat(item["stat"])
            if "data" in item:
                item["data"] = Recorder.data(item["data"])
            if "children" in item:
                item["children"] = sorted(item["children"])
            out.append(item)
        return out

    def d_whoami(self, r: R.Reader):
        """ClientInfo list, sorted: the server lists a connection's ids in Java hash order."""
        n = r.i32()
        return sorted([r.ustring(), r.ustring()] for _ in range(n))
