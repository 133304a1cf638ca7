"""kill -9 under write load: every acknowledged write survives the restart.

Three raw clients each keep a window of creates and setData requests in flight (one session
each, so the server's group commit always has work). At a random moment after all of them have
been answered a few times, the server gets SIGKILL. It is restarted on the same data directory
(forceSync=yes, the default) and must hold:
- every create and setData that was answered with success before the kill;
- for each client, a prefix of what it sent (the log is written in order: no holes);
- zxids that keep growing across restarts;
- the writing sessions themselves: one resumes with its id and password, its ephemeral intact.
Writes that were sent but not answered may or may not be there.
"""

from __future__ import annotations

import random
import subprocess
import threading
import time
from collections import deque

import rawzk as R
import treedump
import zkservers

WRITERS = 3
WINDOW = 40
ACKS_BEFORE_KILL = 30
DEADLINE_S = 30.0


class Writer(threading.Thread):
    """One session writing `/dur/<tag>-<n>` creates and `/dur/<tag>-counter` setData, pipelined."""

    def __init__(self, port: int, tag: str):
        super().__init__(daemon=True)
        self.tag = tag
        self.conn = treedump.connect(port)
        self.counter = f"/dur/{self.tag}-counter"
        _, f = self.conn.call(R.OP_CREATE, R.create_body(self.counter, b"-1"))
        assert f.err == 0, f.err
        self.first_zxid = f.zxid
        self.creates_sent: list[int] = []      # n of every create sent, in order
        self.creates_acked: set[int] = set()
        self.counter_acked = -1
        self.counter_sent: set[int] = {-1}
        self.max_zxid = f.zxid
        self.acks = 0
        self.failure: str | None = None

    def path(self, n: int) -> str:
        return f"/dur/{self.tag}-{n:06d}"

    def run(self) -> None:
        inflight: deque = deque()
        n = 0
        try:
            while True:
                while len(inflight) < WINDOW:
                    if n % 4 == 3:
                        xid = self.conn.send(R.OP_SET_DATA, R.set_data_body(self.counter, str(n).encode()))
                        self.counter_sent.add(n)
                    else:
                        xid = self.conn.send(R.OP_CREATE, R.create_body(self.path(n), f"{self.tag}:{n}".encode()))
                        self.creates_sent.append(n)
                    inflight.append((xid, n))
                    n += 1
                f = self.conn.read()
                xid, k = inflight.popleft()
                if f.xid != xid or f.err != 0:
                    self.failure = f"reply xid {f.xid} err {f.err} for request {xid} ({k})"
                    return
                if k % 4 == 3:
                    self.counter_acked = max(self.counter_acked, k)
                else:
                    self.creates_acked.add(k)
                self.max_zxid = max(self.max_zxid, f.zxid)
                self.acks += 1
        except (R.ConnectionClosed, OSError):
            return   # the server was killed
        finally:
            self.conn.close()


def _wait_for(cond, what: str, deadline_s: float = DEADLINE_S) -> None:
    end = time.monotonic() + deadline_s
    while not cond():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def _children(c: R.RawZK, path: str) -> set[str]:
    _, f = c.call(R.OP_GET_CHILDREN, R.path_watch_body(path))
    assert f.err == 0, f.err
    return set(f.body.string_vector())


def _get(c: R.RawZK, path: str) -> bytes | None:
    _, f = c.call(R.OP_GET_DATA, R.path_watch_body(path))
    assert f.err == 0, (path, f.err)
    return f.body.buffer()


def _check_after_restart(server, writers: list[Writer], acked_before: set[str], last_zxid: int) -> None:
    c = treedump.connect(server.port)
    try:
        present = _children(c, "/dur")
        lost = sorted(p for p in acked_before if p.rsplit("/", 1)[1] not in present)
        assert not lost, f"{len(lost)} acknowledged creates from earlier cycles are gone: {lost[:5]}"
        for w in writers:
            names = {int(x.rsplit("-", 1)[1]) for x in present
                     if x.startswith(w.tag + "-") and not x.endswith("counter")}
            kept = sum(1 for n in w.creates_sent if n in names)
            assert names == set(w.creates_sent[:kept]), \
                f"{w.tag}: creates on disk are not a prefix of those sent (holes or strays)"
            missing = sorted(w.creates_acked - names)
            assert not missing, f"{w.tag}: acknowledged creates lost: {missing[:10]} of {len(w.creates_acked)}"
            value = int(_get(c, w.counter).decode())
            assert value in w.counter_sent, f"{w.tag}: counter holds {value}, never sent"
            assert value >= w.counter_acked, f"{w.tag}: counter {value} < acknowledged {w.counter_acked}"
        zxid = treedump.server_zxid(server)
        assert zxid >= last_zxid, f"server zxid {zxid:#x} below the last acknowledged {last_zxid:#x}"
        _, f = c.call(R.OP_SET_DATA, R.set_data_body("/dur", b"after restart"))
        assert f.err == 0 and f.zxid > last_zxid, (f.err, hex(f.zxid), hex(last_zxid))
        c.close_session()
    finally:
        c.close()


def _resume_session(server, session_id: int, passwd: bytes, ephemeral: str) -> None:
    """The session that owned `ephemeral` reconnects with its id and password after the restart."""
    c = R.RawZK("127.0.0.1", server.port)
    try:
        resp = c.connect(session_id=session_id, passwd=passwd, timeout_ms=30000)
        assert resp.timeout > 0 and resp.session_id == session_id, \
            f"session {session_id:#x} was not resumed after the restart (timeout {resp.timeout})"
        _, f = c.call(R.OP_EXISTS, R.path_watch_body(ephemeral))
        assert f.err == 0, f"ephemeral {ephemeral} of the resumed session is gone ({f.err})"
        assert f.body.stat()["ephemeralOwner"] == session_id
        c.close_session()
    finally:
        c.close()


def _kill_restart_cycles(zk_start, settings: dict, cycles: int, name: str, seed: int) -> None:
    rng = random.Random(seed)
    server = zk_start("swzk", settings, name)
    c = treedump.connect(server.port)
    assert c.call(R.OP_CREATE, R.create_body("/dur", b""))[1].err == 0
    c.close_session()
    c.close()
    acked: set[str] = set()
    last_zxid = 0
    for cycle in range(cycles):
        writers = [Writer(server.port, f"c{cycle:02d}w{i}") for i in range(WRITERS)]
        assert writers[0].first_zxid > last_zxid, "zxids went backwards after the restart"
        owner = writers[0].conn
        ephemeral = f"/dur-eph-{cycle:02d}"
        _, f = owner.call(R.OP_CREATE, R.create_body(ephemeral, b"", flags=1))
        assert f.err == 0, f.err
        resume = (owner.session_id, owner.passwd)
        for w in writers:
            w.start()
        _wait_for(lambda: all(w.acks >= ACKS_BEFORE_KILL or not w.is_alive() for w in writers),
                  "the writers' first acknowledgements")
        time.sleep(rng.uniform(0.0, 0.4))   # the kill lands at a random point of the load
        server.kill9()
        for w in writers:
            w.join(DEADLINE_S)
            assert not w.is_alive(), f"{w.tag} still running after the kill"
            assert w.failure is None, f"{w.tag}: {w.failure}"
        in_flight = sum(len(w.creates_sent) + len(w.counter_sent) - 1 - w.acks for w in writers)
        assert in_flight > 0, "no write was in flight at the kill"
        server = zk_start.restart(server)
        log = server.log.read_text()
        assert "snapshot passed over" not in log, log
        _check_after_restart(server, writers, acked, last_zxid)
        _resume_session(server, *resume, ephemeral)
        for w in writers:
            acked |= {w.path(n) for n in w.creates_acked}
            last_zxid = max(last_zxid, w.max_zxid)
    server.stop()


def test_kill9_under_load_loses_no_acknowledged_write(zk_start):
    """Eight cycles with snapshots now and then (snapCount=2000)."""
    _kill_restart_cycles(zk_start, {**treedump.SETTINGS, "snapCount": "2000"}, 8, "kill9", seed=1)


def test_kill9_while_snapshots_are_written(zk_start):
    """Four cycles with a snapshot every few dozen txns, so kills land during snapshot writes."""
    _kill_restart_cycles(zk_start, {**treedump.SETTINGS, "snapCount": "40", "forceSync": "yes"}, 4,
                         "kill9-snap", seed=2)


def test_kill9_during_startup_recovery(zk_start):
    """Kills land while the server loads, cuts tails and writes its start-up snapshot; the next
    start still serves exactly the tree the directory held."""
    rng = random.Random(3)
    server = zk_start("swzk", {**treedump.SETTINGS, "snapCount": "700"}, "kill9-startup")
    c = treedump.connect(server.port)
    reqs = [(R.OP_CREATE, R.create_body("/boot", b""))]
    reqs += [(R.OP_CREATE, R.create_body(f"/boot/n{i:05d}", b"x" * (i % 200))) for i in range(3000)]
    reqs += [(R.OP_SET_DATA, R.set_data_body(f"/boot/n{i:05d}", b"y")) for i in range(0, 3000, 2)]
    assert all(f.err == 0 for f in treedump.pipeline(c, reqs))
    c.close_session()
    c.close()
    before = treedump.dump(server.port)
    server.stop()
    load = server.log.read_text()
    cfg = server.dir / "zoo.cfg"
    for attempt in range(5):
        with open(server.dir / f"killed-start-{attempt}.log", "wb") as log:
            proc = subprocess.Popen([str(zkservers.swzk_bin()), "server", "-c", str(cfg)], cwd=server.dir,
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        time.sleep(rng.uniform(0.0, 0.6))   # a random point of the start-up
        proc.kill()
        proc.wait(DEADLINE_S)
    server = zk_start.restart(server)
    problems = treedump.diff(before, treedump.dump(server.port))
    assert not problems, problems
    assert "snapshot passed over" not in server.log.read_text(), load


def test_sessions_restored_after_kill9_expire_on_their_own(zk_start):
    """A session that never comes back after the crash expires after its timeout, and its
    ephemerals go with it, as ZooKeeper does for sessions restored from disk."""
    server = zk_start("swzk", treedump.SETTINGS, "kill9-expiry")
    owner = treedump.connect(server.port, timeout_ms=4000)
    assert owner.call(R.OP_CREATE, R.create_body("/lonely", b"", flags=1))[1].err == 0
    server.kill9()
    owner.close()
    server = zk_start.restart(server)
    c = treedump.connect(server.port)
    _, f = c.call(R.OP_EXISTS, R.path_watch_body("/lonely"))
    assert f.err == 0, "the ephemeral of a restored session vanished at once"
    end = time.monotonic() + DEADLINE_S
    while f.err == 0:
        assert time.monotonic() < end, "the restored session never expired"
        time.sleep(0.1)
        _, f = c.call(R.OP_EXISTS, R.path_watch_body("/lonely"))
    assert f.err == -101
    c.close_session()
    c.close()
