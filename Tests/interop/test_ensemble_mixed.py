"""Mixed ensembles: swzk and Debian's Apache ZooKeeper 3.8 in one quorum (election, Zab, sync).

Two three-member ensembles started with `apache-zk.sh ensemble ... --swzk BIN --swzk-ids ...`
on a random free loopback port range, one ensemble per scenario; the phases of a scenario run
in order as separate tests (a failed phase skips the later ones of its scenario):

* A: Apache 1, 2 + swzk 3.
  a1 swzk leads (highest sid) two Apache followers; writes through every member.
  a2/a3 the swzk leader syncs a restarted Apache follower by DIFF (5 writes) and SNAP (600).
  a4 kill -9 of the swzk leader: Apache 2 leads, commits, and syncs swzk 3 by DIFF.
  a6 kill -9 of the Apache leader: swzk 3 leads again; it logs a proposal no follower sees
     (followers frozen with SIGSTOP, then everything killed), the Apache pair elects without
     it, and the Apache leader syncs swzk by TRUNC (the lost node is gone everywhere).
  a7 the same with roles swapped: an Apache leader's lost proposal, swzk leads, TRUNC to Apache.
  a7b the swzk leader takes that learner on its first connection (no 'ahead of the leader' drop once established).
  a8 kill -9 of the swzk leader, 600 writes, the Apache leader syncs swzk by SNAP.
* B: swzk 1, 2 + Apache 3. b1 writes through every member of a fresh ensemble; b2 Apache leads
  two swzk followers (after a kill -9 of the swzk leader if swzk won the first election), DIFF
  from Apache to swzk; b3 kill -9 of the Apache leader: swzk 2 leads swzk 1 and syncs the
  restarted Apache member by DIFF.

Which sync a leader chose is read from its log: swzk's "Synchronizing server N by DIFF|TRUNC|SNAP",
Apache's LearnerHandler "Synchronizing with Learner sid: N ..." followed by "Sending DIFF" or
"Sending snapshot" (a plain TRUNC is DEBUG-level there: it is the peerLastZxid > maxCommittedLog
case of that line); the learner's log confirms a TRUNC. Both leaders SNAP instead of TRUNC when
the learner's extra txn is followed by a newer epoch's txn, so the TRUNC phases commit nothing
before the old leader rejoins. Convergence = the same srvr Zxid on every live member and the same
tree (data, ACLs, every Stat field; /zookeeper/config's local times excepted) read through each.
Zoo.cfg extras: tickTime=500, snapshotSizeFactor=-1 (Apache SNAPs past commitLogCount instead of
using on-disk logs). No fixed sleeps: every wait polls with a deadline. Every server started here
is stopped by `apache-zk.sh stop DIR` in a finalizer (after SIGCONT of anything frozen).
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

import diskformat
import rawzk as R
import treedump
import zkservers
from conftest import require_swzk

HOST = "127.0.0.1"
# Fast ticks; initLimit/syncLimit leave room for a JVM under load. snapshotSizeFactor=-1 makes
# Apache's leader sync from its in-memory committed log only (no on-disk DIFF), so that a
# learner more than commitLogCount (500) txns behind gets a SNAP, as from swzk's leader.
SETTINGS = {"tickTime": "500", "initLimit": "40", "syncLimit": "10", "snapshotSizeFactor": "-1",
            "DigestAuthenticationProvider.superDigest": treedump.scenario.SUPER_DIGEST}
ROLE_DEADLINE_S = 90.0
CONVERGE_DEADLINE_S = 60.0
SNAP_WRITES = 600   # > commitLogCount's minimum 500


# --------------------------------------------------------------------------------------------
# The ensemble

def _ports_free(base: int) -> bool:
    for off in (1, 2, 3, 11, 12, 13, 21, 22, 23):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((HOST, base + off))
            except OSError:
                return False
    return True


def _ephemeral_low() -> int:
    """The kernel's first ephemeral port: outgoing connections take source ports from there on."""
    try:
        return int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _free_base() -> int:
    # Below the ephemeral range: a port chosen there can be taken by some connection's source
    # port between this check and the server's bind (it happened: Apache's election port).
    top = max(_ephemeral_low(), 11000) - 30
    for _ in range(200):
        base = random.randrange(10000, top, 30)
        if _ports_free(base):
            return base
    raise RuntimeError("no free port range found")


def _all_threads_stopped(pid: int) -> bool:
    states = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue   # a thread that just exited
        states.append(stat[stat.rindex(")") + 2])
    return bool(states) and all(s in "Tt" for s in states)


class Ensemble:
    """Three members under `root` (apache-zk.sh layout root/zkN/{zoo.cfg,data,server.log,pid})."""

    def __init__(self, root: Path, swzk_ids: set[int], size: int = 3):
        self.root, self.swzk_ids, self.size = root, swzk_ids, size
        self.base = 0
        self.live: set[int] = set()
        self.frozen: set[int] = set()
        self.started_at: dict[int, int] = {}   # log size when a member was last started

    # -- processes

    def _sh(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", str(zkservers.apache_zk_sh()), *args], capture_output=True,
                              text=True, env=zkservers.tool_env(), timeout=timeout)

    def start(self) -> None:
        last = ""
        for attempt in range(3):
            self.root = self.root.with_name(self.root.name.split("~")[0] + f"~{attempt}")
            self.base = _free_base()
            cmd = ["ensemble", str(self.root), "--base-port", str(self.base), "--size", str(self.size),
                   "--swzk", str(zkservers.swzk_bin()), "--swzk-ids", ",".join(map(str, sorted(self.swzk_ids)))]
            for k, v in SETTINGS.items():
                cmd += ["--set", f"{k}={v}"]
            self.live = set(range(1, self.size + 1))
            try:
                res = self._sh(*cmd)
                if res.returncode == 0:
                    return
                last = f"rc {res.returncode}: {res.stderr}"
            except subprocess.TimeoutExpired:
                last = "apache-zk.sh ensemble timed out"
            last += "\n" + "\n".join(f"--- zk{i}\n{self.log_tail(i)}" for i in self.live)
            self.stop()
        raise RuntimeError(f"ensemble did not start: {last}")

    def stop(self) -> None:
        """Stop exactly the members started under root (thawing frozen ones first)."""
        for i in list(self.frozen):
            self.thaw(i)
        if self.root.exists():
            try:
                self._sh("stop", str(self.root), timeout=120)
            except subprocess.TimeoutExpired:
                pass
            for i in range(1, self.size + 1):   # whatever apache-zk.sh missed
                pid = self._owned_pid(i)
                if pid:
                    os.kill(pid, signal.SIGKILL)
        self.live.clear()

    def member(self, i: int, what: str) -> None:
        if what == "start":
            assert i not in self.live, f"member {i} already running"
            self.started_at[i] = self.log_size(i)
        res = self._sh("member", str(self.root), str(i), what)
        assert res.returncode == 0, f"member {i} {what}: {res.stderr}"
        if what == "start":
            self.live.add(i)
        else:
            self.live.discard(i)
            self.frozen.discard(i)

    def _owned_pid(self, i: int) -> int | None:
        pf = self.root / f"zk{i}" / "pid"
        try:
            pid = int(pf.read_text().strip())
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            return None
        return pid if str(self.root / f"zk{i}" / "zoo.cfg").encode() in args else None

    def freeze(self, i: int) -> None:
        pid = self._owned_pid(i)
        assert pid, f"member {i} is not running"
        os.kill(pid, signal.SIGSTOP)
        self.frozen.add(i)
        # kill() only queues the signal: wait until every thread is really stopped, or a packet
        # sent right after could still be read (a lost proposal then reaches a follower's log).
        end = time.monotonic() + 10
        while not _all_threads_stopped(pid):
            assert time.monotonic() < end, f"member {i} (pid {pid}) did not stop on SIGSTOP"
            time.sleep(0.01)

    def thaw(self, i: int) -> None:
        pid = self._owned_pid(i)
        if pid:
            os.kill(pid, signal.SIGCONT)
        self.frozen.discard(i)

    # -- inspection

    def kind(self, i: int) -> str:
        return "swzk" if i in self.swzk_ids else "apache"

    def port(self, i: int) -> int:
        return self.base + i

    def data_dir(self, i: int) -> Path:
        return self.root / f"zk{i}" / "data"

    def log_path(self, i: int) -> Path:
        return self.root / f"zk{i}" / "server.log"

    def log_size(self, i: int) -> int:
        try:
            return self.log_path(i).stat().st_size
        except OSError:
            return 0

    def log_since(self, i: int, offset: int) -> str:
        try:
            with open(self.log_path(i), "rb") as f:
                f.seek(offset)
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def log_tail(self, i: int, n: int = 30) -> str:
        return "\n".join(self.log_since(i, 0).splitlines()[-n:])

    def srvr(self, i: int) -> dict[str, str]:
        try:
            out = zkservers.four_letter(self.port(i), "srvr", timeout=2)
        except OSError:
            return {}
        return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)

    def logs(self, ids=None, n: int = 25) -> str:
        return "\n".join(f"--- zk{i} ({self.kind(i)}) server.log tail:\n{self.log_tail(i, n)}"
                         for i in sorted(ids or range(1, self.size + 1)))

    def name(self, i: int) -> str:
        return f"{self.kind(i)} sid {i}"


# --------------------------------------------------------------------------------------------
# Waiting and checking

def wait_roles(ens: Ensemble, deadline_s: float = ROLE_DEADLINE_S) -> int:
    """Poll until every live member serves, exactly one as leader and the rest as followers;
    returns the leader's sid."""
    end = time.monotonic() + deadline_s
    modes: dict[int, str] = {}
    while time.monotonic() < end:
        modes = {i: ens.srvr(i).get("Mode", "-") for i in sorted(ens.live)}
        leaders = [i for i, m in modes.items() if m == "leader"]
        if len(leaders) == 1 and all(m == "follower" for i, m in modes.items() if i != leaders[0]):
            return leaders[0]
        time.sleep(0.2)
    raise AssertionError(f"no stable leader/followers among {sorted(ens.live)} within {deadline_s}s: "
                         f"{modes}\n{ens.logs(ens.live)}")


def retry(fn, what: str, deadline_s: float = 30.0):
    """fn() until it returns without an OSError/ConnectionClosed/RuntimeError."""
    end = time.monotonic() + deadline_s
    while True:
        try:
            return fn()
        except (OSError, R.ConnectionClosed, RuntimeError) as e:
            if time.monotonic() > end:
                raise AssertionError(f"{what}: {e!r}") from e
            time.sleep(0.2)


def connect(ens: Ensemble, i: int) -> R.RawZK:
    return retry(lambda: treedump.connect(ens.port(i), timeout_ms=30000, io_timeout=30.0),
                 f"session on {ens.name(i)}")


def create_many(ens: Ensemble, i: int, paths: list[str], data: bytes = b"v") -> None:
    """Create `paths` (pipelined, one session) through member i; every create must succeed."""
    c = connect(ens, i)
    try:
        replies = treedump.pipeline(c, [(R.OP_CREATE, R.create_body(p, data)) for p in paths])
        bad = [(p, f.err) for p, f in zip(paths, replies) if f.err != 0]
        assert not bad, f"creates through {ens.name(i)} failed: {bad[:5]}"
        c.close_session()
    finally:
        c.close()


def zxid_of(ens: Ensemble, i: int) -> int | None:
    z = ens.srvr(i).get("Zxid")
    return int(z, 16) if z else None


def wait_same_zxid(ens: Ensemble, deadline_s: float = CONVERGE_DEADLINE_S) -> int:
    end = time.monotonic() + deadline_s
    zx: dict[int, int | None] = {}
    while time.monotonic() < end:
        zx = {i: zxid_of(ens, i) for i in sorted(ens.live)}
        if None not in zx.values() and len(set(zx.values())) == 1:
            return next(iter(zx.values()))
        time.sleep(0.1)
    raise AssertionError(f"srvr Zxid differs: { {i: hex(z) if z else z for i, z in zx.items()} }\n"
                         f"{ens.logs(ens.live)}")


# Each server writes /zookeeper/config itself at start-up, outside Zab (Apache members differ
# from one another there too): its times are local, everything else must agree.
LOCAL_TIMES = {"/zookeeper/config": ("ctime", "mtime")}


def dump(ens: Ensemble, i: int) -> dict[str, tuple]:
    tree = retry(lambda: treedump.dump(ens.port(i)), f"dump through {ens.name(i)}")
    for path, fields in LOCAL_TIMES.items():
        if path in tree:
            data, stat, acl = tree[path]
            tree[path] = (data, {k: (0 if k in fields else v) for k, v in stat.items()}, acl)
    return tree


def assert_converged(ens: Ensemble) -> dict[str, tuple]:
    """Same srvr Zxid everywhere, then the same tree through every live member; returns it."""
    wait_same_zxid(ens)
    dumps = {i: dump(ens, i) for i in sorted(ens.live)}
    first = min(dumps)
    for i, d in dumps.items():
        diff = treedump.diff(dumps[first], d)
        assert not diff, f"tree through {ens.name(i)} differs from {ens.name(first)}:\n{diff}"
    wait_same_zxid(ens)   # the dump sessions' own txns
    return dumps[first]


# Log lines after which waiting for a member to serve is pointless (it fails and retries forever).
FATAL = re.compile(r"[^\n]*bad snapshot from the leader[^\n]*")


def wait_serving(ens: Ensemble, i: int, deadline_s: float = ROLE_DEADLINE_S) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if ens.srvr(i).get("Mode"):
            return
        fatal = FATAL.search(ens.log_since(i, ens.started_at.get(i, 0)))
        assert not fatal, f"{ens.name(i)} cannot join: {fatal.group(0)}\n{ens.logs([i])}"
        time.sleep(0.2)
    raise AssertionError(f"{ens.name(i)} not serving within {deadline_s}s\n{ens.logs([i])}")


def restart_and_wait(ens: Ensemble, i: int) -> int:
    """Start member i again, wait for it to join; returns the leader."""
    ens.member(i, "start")
    wait_serving(ens, i)
    return wait_roles(ens)


SWZK_SYNC = re.compile(r"Synchronizing server (\d+) by (DIFF|TRUNC|SNAP)\b[^\n]*")
APACHE_SYNC = re.compile(r"Synchronizing with Learner sid: (\d+) [^\n]*")
APACHE_SEND = re.compile(r"Sending (DIFF|TRUNC|snapshot)\b[^\n]*")


def sync_kind(ens: Ensemble, leader: int, learner: int, since: int) -> tuple[str, str]:
    """How `leader` synced `learner` according to the leader's log written after `since`:
    ("DIFF" | "TRUNC" | "SNAP", the log lines)."""
    text = ens.log_since(leader, since)
    if ens.kind(leader) == "swzk":
        hits = [m for m in SWZK_SYNC.finditer(text) if int(m.group(1)) == learner]
        assert hits, f"no 'Synchronizing server {learner}' in {ens.name(leader)}'s log:\n{text[-3000:]}"
        return hits[-1].group(2), hits[-1].group(0)
    starts = [m for m in APACHE_SYNC.finditer(text) if int(m.group(1)) == learner]
    assert starts, (f"no 'Synchronizing with Learner sid: {learner}' in {ens.name(leader)}'s log:\n"
                    f"{text[-3000:]}")
    after = text[starts[-1].start():]
    sends = list(APACHE_SEND.finditer(after))
    if not sends:
        # A plain TRUNC ("Sending TRUNC to follower zxidToSend=...") is logged at DEBUG: it is the
        # case syncFollower takes when peerLastZxid > maxCommittedLog (LearnerHandler 3.8).
        z = dict(re.findall(r"(\w+)=0x([0-9a-f]+)", starts[-1].group(0)))
        peer, max_committed = int(z["peerLastZxid"], 16), int(z["maxCommittedLog"], 16)
        assert peer > max_committed, f"no 'Sending DIFF/TRUNC/snapshot' after the sync start:\n{after[:3000]}"
        return "TRUNC", starts[-1].group(0) + f"  (peerLastZxid > maxCommittedLog: TRUNC to {max_committed:#x})"
    kinds = [m.group(1) for m in sends]
    # Apache may send TRUNC followed by a DIFF of the rest (TRUNC+DIFF): the first decides.
    kind = {"snapshot": "SNAP"}.get(kinds[0], kinds[0])
    return kind, "\n".join([starts[-1].group(0)] + [m.group(0) for m in sends])


def resync(ens: Ensemble, leader: int, learner: int, writes: int, tag: str) -> tuple[str, str]:
    """Stop `learner`, commit `writes` creates through the leader, start it again: how the
    leader synced it (kind, log lines). The whole ensemble must converge afterwards."""
    ens.member(learner, "stop")
    create_many(ens, leader, [f"/mix/{tag}-{k:04d}" for k in range(writes)])
    since = ens.log_size(leader)
    assert restart_and_wait(ens, learner) == leader
    tree = assert_converged(ens)
    assert f"/mix/{tag}-{writes - 1:04d}" in tree
    return sync_kind(ens, leader, learner, since)


def lose_a_proposal(ens: Ensemble, leader: int, path: str) -> None:
    """Make `leader` log a proposal for `path` that no follower ever sees: freeze every follower
    (SIGSTOP), send the create, wait until it is in the leader's txn log, then kill -9 the leader
    and the frozen followers (they never read it from their sockets)."""
    c = connect(ens, leader)   # the session's own txn commits while the quorum is intact
    try:
        wait_same_zxid(ens)
        followers = sorted(ens.live - {leader})
        for f in followers:
            ens.freeze(f)
        c.send(R.OP_CREATE, R.create_body(path, b"lost"))
        end = time.monotonic() + 20
        while not any(r.path == path for r in diskformat.read_logs(ens.data_dir(leader))):
            assert time.monotonic() < end, (f"{ens.name(leader)} never logged the proposal for {path}\n"
                                            f"{ens.logs([leader])}")
            time.sleep(0.05)
        ens.member(leader, "kill")
        for f in followers:
            ens.member(f, "kill")
    finally:
        c.close()


# --------------------------------------------------------------------------------------------
# Fixtures

class Scenario:
    """One ensemble and what its phases pass on: the current leader, the first failed phase."""

    def __init__(self, ens: Ensemble):
        self.ens = ens
        self.failed: str | None = None
        self.leader = 0
        self.rejoin: tuple[int, int, int] | None = None   # a7: (old leader, leader log, its log offsets)

    def phase(self):
        if self.failed:
            pytest.skip(f"an earlier phase of this scenario failed ({self.failed})")


def _scenario(request, tmp_path_factory, swzk_ids: set[int]):
    require_swzk()
    if not zkservers.apache_zk_sh().exists():
        pytest.fail(f"{zkservers.apache_zk_sh()} not found", pytrace=False)
    ens = Ensemble(tmp_path_factory.mktemp("mixed") / "ens", swzk_ids)
    request.addfinalizer(ens.stop)
    try:
        ens.start()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    return Scenario(ens)


@pytest.fixture(scope="module")
def scen_a(request, tmp_path_factory):
    return _scenario(request, tmp_path_factory, {3})


@pytest.fixture(scope="module")
def scen_b(request, tmp_path_factory):
    return _scenario(request, tmp_path_factory, {1, 2})


@contextlib.contextmanager
def phase(s: Scenario, name: str):
    """Runs one phase: skipped when an earlier one failed; a failure here skips the later ones."""
    s.phase()
    try:
        yield s.ens
    except BaseException as e:
        if not isinstance(e, pytest.skip.Exception):
            s.failed = name
        raise


# --------------------------------------------------------------------------------------------
# Scenario A: Apache 1, 2 + swzk 3

def test_a1_swzk_leads_apache_followers_writes_everywhere(scen_a):
    s = scen_a
    with phase(s, "test_a1_swzk_leads_apache_followers_writes_everywhere") as ens:
        s.leader = wait_roles(ens)
        assert s.leader == 3, f"fresh ensemble: the highest sid (swzk 3) should lead, got {s.leader}"
        create_many(ens, 3, ["/mix"])
        for i in (1, 2, 3):
            create_many(ens, i, [f"/mix/via{i}-{k}" for k in range(5)])
        tree = assert_converged(ens)
        assert all(f"/mix/via{i}-4" in tree for i in (1, 2, 3))


def test_a2_swzk_leader_diff_to_apache(scen_a):
    s = scen_a
    with phase(s, "test_a2_swzk_leader_diff_to_apache") as ens:
        kind, lines = resync(s.ens, s.leader, 1, 5, "a-diff")
        assert kind == "DIFF", lines


def test_a3_swzk_leader_snap_to_apache(scen_a):
    s = scen_a
    with phase(s, "test_a3_swzk_leader_snap_to_apache") as ens:
        kind, lines = resync(s.ens, s.leader, 1, SNAP_WRITES, "a-snap")
        assert kind == "SNAP", lines


def test_a4_kill_swzk_leader_apache_leads_diff_to_swzk(scen_a):
    s = scen_a
    with phase(s, "test_a4_kill_swzk_leader_apache_leads_diff_to_swzk") as ens:
        ens.member(3, "kill")
        s.leader = wait_roles(ens)
        assert s.leader == 2, f"Apache 1 and 2 at the same zxid: sid 2 should lead, got {s.leader}"
        create_many(ens, 1, [f"/mix/a-reelect1-{k}" for k in range(3)])
        create_many(ens, 2, [f"/mix/a-reelect2-{k}" for k in range(3)])
        since = ens.log_size(2)
        assert restart_and_wait(ens, 3) == 2
        tree = assert_converged(ens)
        assert "/mix/a-reelect1-2" in tree and "/mix/a-reelect2-2" in tree
        kind, lines = sync_kind(ens, 2, 3, since)
        assert kind == "DIFF", lines
        create_many(ens, 3, [f"/mix/a-swzkfollower-{k}" for k in range(3)])
        assert "/mix/a-swzkfollower-2" in assert_converged(ens)


def test_a6_apache_leader_trunc_to_swzk(scen_a):
    s = scen_a
    with phase(s, "test_a6_apache_leader_trunc_to_swzk") as ens:
        # Kill the Apache leader: swzk 3 (same zxid as Apache 1, higher sid) leads again.
        ens.member(s.leader, "kill")
        dead = s.leader
        s.leader = wait_roles(ens)
        assert s.leader == 3, f"swzk 3 should lead Apache 1, got {s.leader}"
        create_many(ens, 1, ["/mix/a-swzk-leads-again"])
        # swzk 3 logs a proposal nobody sees; the Apache members elect without it.
        lose_a_proposal(ens, 3, "/mix/a-lost-on-swzk")
        ens.member(1, "start")
        ens.member(dead, "start")
        s.leader = wait_roles(ens)
        assert s.leader in (1, 2)
        # No write before swzk rejoins: Apache 3.8 TRUNCs only a learner ahead of its newest
        # committed txn. Had the new epoch committed anything, its LearnerHandler would log
        # "Cannot send TRUNC to peer sid: 3 peer zxid is from different epoch" and fall back to
        # SNAP (seen while writing this test; SNAP to swzk is test_a8).
        since = ens.log_size(s.leader)
        assert restart_and_wait(ens, 3) == s.leader
        create_many(ens, 3, ["/mix/a-after-swzk-loss"])
        tree = assert_converged(ens)
        assert "/mix/a-lost-on-swzk" not in tree and "/mix/a-after-swzk-loss" in tree
        kind, lines = sync_kind(ens, s.leader, 3, since)
        assert kind == "TRUNC", lines
        to = int(re.search(r"TRUNC to (0x[0-9a-f]+)", lines).group(1), 16)
        assert re.search(rf"truncated the log after {to:#x}\b", ens.log_since(3, ens.started_at[3])), (
            f"{lines}\nbut swzk 3 did not log 'truncated the log after {to:#x}':\n{ens.logs([3])}")


def test_a7_swzk_leader_trunc_to_apache(scen_a):
    s = scen_a
    with phase(s, "test_a7_swzk_leader_trunc_to_apache") as ens:
        old = s.leader   # an Apache member
        lose_a_proposal(ens, old, "/mix/a-lost-on-apache")
        other = ({1, 2} - {old}).pop()
        ens.member(other, "start")
        ens.member(3, "start")
        s.leader = wait_roles(ens)
        assert s.leader == 3, f"swzk 3 (same zxid as Apache {other}, higher sid) should lead, got {s.leader}"
        # As in a6, nothing is committed before the old leader rejoins: swzk follows Apache's
        # rule and, had the new epoch a txn, would SNAP instead of TRUNC across the epoch boundary
        # (seen while writing this test: "by SNAP at 0x500000003 from 0x40000000b").
        since = ens.log_size(3)
        s.rejoin = (old, since, ens.started_at[old])
        assert restart_and_wait(ens, old) == 3
        create_many(ens, 3, ["/mix/a-after-apache-loss"])
        tree = assert_converged(ens)
        assert "/mix/a-lost-on-apache" not in tree and "/mix/a-after-apache-loss" in tree
        kind, lines = sync_kind(ens, 3, old, since)
        assert kind == "TRUNC", lines
        to = int(re.search(r"TRUNC to (0x[0-9a-f]+)", lines).group(1), 16)
        assert f"Truncating log to get in sync with the leader 0x{to:x}" in ens.log_since(old, ens.started_at[old]), (
            f"{lines}\nbut Apache {old} did not log 'Truncating log to get in sync with the leader 0x{to:x}'"
            f"\n{ens.logs([old])}")


def test_a7b_swzk_leader_takes_an_ahead_learner_after_establishment(scen_a):
    """Reads the logs test_a7 left: the rejoining Apache member must be synced on its first
    connection, as an Apache leader would do."""
    s = scen_a
    if s.failed or s.rejoin is None:
        pytest.skip(f"needs test_a7 ({s.failed or 'not run'})")
    old, since, learner_since = s.rejoin
    leader_log = s.ens.log_since(3, since)
    dropped = re.findall(r"[^\n]*closing learner connection[^\n]*ahead of the leader[^\n]*", leader_log)
    learner_log = s.ens.log_since(old, learner_since)
    bounced = re.findall(r"[^\n]*Exception when following the leader[^\n]*\n[^\n]*", learner_log)
    assert not dropped and not bounced, (
        "swzk leader 3 (epoch established) dropped the rejoining Apache member before syncing it:\n"
        + "\n".join(dropped) + f"\nApache {old}:\n" + "\n".join(bounced))


def test_a8_apache_leader_snap_to_swzk(scen_a):
    s = scen_a
    with phase(s, "test_a8_apache_leader_snap_to_swzk") as ens:
        # swzk 3 leads after a7: kill -9 it, an Apache member leads, 600 txns pass swzk by.
        assert s.leader == 3
        ens.member(3, "kill")
        s.leader = wait_roles(ens)
        assert s.leader in (1, 2)
        create_many(ens, s.leader, [f"/mix/a-snap2-{k:04d}" for k in range(SNAP_WRITES)])
        since = ens.log_size(s.leader)
        assert restart_and_wait(ens, 3) == s.leader
        tree = assert_converged(ens)
        assert f"/mix/a-snap2-{SNAP_WRITES - 1:04d}" in tree
        kind, lines = sync_kind(ens, s.leader, 3, since)
        assert kind == "SNAP", lines


# --------------------------------------------------------------------------------------------
# Scenario B: swzk 1, 2 + Apache 3

def test_b1_fresh_ensemble_writes_everywhere(scen_b):
    s = scen_b
    with phase(s, "test_b1_fresh_ensemble_writes_everywhere") as ens:
        # Sid 3 wins an election of all three, but the swzk pair starts faster than the JVM and
        # may elect 2 before Apache 3 is up (then 3 follows): either is correct ZooKeeper.
        s.leader = wait_roles(ens)
        assert s.leader in (2, 3), f"sid 2 or 3 should lead a fresh ensemble, got {s.leader}"
        create_many(ens, 1, ["/mix"])
        for i in (1, 2, 3):
            create_many(ens, i, [f"/mix/via{i}-{k}" for k in range(5)])
        tree = assert_converged(ens)
        assert all(f"/mix/via{i}-4" in tree for i in (1, 2, 3))


def test_b2_apache_leads_two_swzk_followers(scen_b):
    s = scen_b
    with phase(s, "test_b2_apache_leads_two_swzk_followers") as ens:
        if s.leader != 3:
            # kill -9 of the swzk leader: Apache 3 (same zxid as swzk 1, higher sid) takes over.
            ens.member(s.leader, "kill")
            dead = s.leader
            s.leader = wait_roles(ens)
            assert s.leader == 3, f"Apache 3 should lead swzk 1, got {s.leader}"
            create_many(ens, 1, [f"/mix/b-reelect1-{k}" for k in range(3)])
            create_many(ens, 3, [f"/mix/b-reelect3-{k}" for k in range(3)])
            since = ens.log_size(3)
            assert restart_and_wait(ens, dead) == 3
            kind, lines = sync_kind(ens, 3, dead, since)
            assert kind == "DIFF", lines
        assert {i: ens.srvr(i).get("Mode") for i in (1, 2, 3)} == {1: "follower", 2: "follower", 3: "leader"}
        for i in (1, 2, 3):
            create_many(ens, i, [f"/mix/b-apache-leads-via{i}"])
        tree = assert_converged(ens)
        assert all(f"/mix/b-apache-leads-via{i}" in tree for i in (1, 2, 3))


def test_b3_kill_apache_leader_swzk_leads_swzk_and_apache(scen_b):
    s = scen_b
    with phase(s, "test_b3_kill_apache_leader_swzk_leads_swzk_and_apache") as ens:
        ens.member(3, "kill")
        s.leader = wait_roles(ens)
        assert s.leader == 2, f"swzk 1 and 2 at the same zxid: sid 2 should lead, got {s.leader}"
        create_many(ens, 1, [f"/mix/b-swzk1-{k}" for k in range(3)])
        create_many(ens, 2, [f"/mix/b-swzk2-{k}" for k in range(3)])
        assert "/mix/b-swzk1-2" in assert_converged(ens)
        since = ens.log_size(2)
        assert restart_and_wait(ens, 3) == 2
        tree = assert_converged(ens)
        assert "/mix/b-swzk2-2" in tree
        kind, lines = sync_kind(ens, 2, 3, since)
        assert kind == "DIFF", lines
        for i in (1, 2, 3):
            create_many(ens, i, [f"/mix/b-swzk-leads-via{i}"])
        tree = assert_converged(ens)
        assert all(f"/mix/b-swzk-leads-via{i}" in tree for i in (1, 2, 3))
