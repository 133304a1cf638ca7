"""swzk ensembles on 127.0.0.1: election, replication, failover, observers, learner sync (SNAP and
DIFF), client failover, session expiry and bad input on the quorum and election ports.

Every member is a real `swzk server -c zoo.cfg` process (ensemble.py); trees are compared by
dumping every node through a session on ONE member at a time. tickTime=200, initLimit=10,
syncLimit=5, so the maximum session timeout is 4 s and a lost quorum is noticed within ~1 s.
Figures (election time, failover time) are printed with a MEASURE prefix (run with -s to see them).
"""

from __future__ import annotations

import socket
import struct
import subprocess
import threading
import time

import pytest

import conftest
import ensemble as E
import rawzk as R
import treedump
import zkservers

from kazoo.exceptions import KazooException
from kazoo.handlers.threading import KazooTimeoutError
from kazoo.protocol.states import KazooState


def measure(text: str) -> None:
    print(f"MEASURE {text}", flush=True)


class Harness:
    """Ensembles and kazoo clients made by one test; all are stopped and killed at teardown."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.ensembles: list[E.Ensemble] = []
        self.clients = []

    def new(self, voters: int = 3, observers: int = 0, settings: dict[str, str] | None = None) -> E.Ensemble:
        conftest.require_swzk()
        e = E.Ensemble(self.tmp_path / f"ens{len(self.ensembles)}", voters, observers, settings)
        self.ensembles.append(e)
        return e

    def kazoo(self, e: E.Ensemble, sids, **kw):
        c = e.kazoo(sids, start=False, **kw)
        self.clients.append(c)
        c.start(timeout=15)
        return c

    def close(self) -> None:
        for c in self.clients:
            try:
                c.stop()
                c.close()
            except Exception:   # noqa: BLE001 - teardown goes on regardless
                pass
        for e in self.ensembles:
            e.cleanup()


@pytest.fixture
def h(tmp_path):
    harness = Harness(tmp_path)
    yield harness
    harness.close()


def started(h: Harness, voters: int = 3, observers: int = 0, settings=None) -> tuple[E.Ensemble, int]:
    e = h.new(voters, observers, settings)
    e.start()
    leader = e.leader()
    e.wait_serving()
    return e, leader


def write_via(h: Harness, e: E.Ensemble, sid: int, path: str, data: bytes, timeout: float = 10.0) -> str:
    """Create `path` through a single-host client on member `sid`; returns the created path."""
    c = h.kazoo(e, sid)
    try:
        return c.create_async(path, data).get(timeout=timeout)
    finally:
        c.stop()
        c.close()


def assert_nodes(tree: dict, expected: dict[str, bytes]) -> None:
    for path, data in expected.items():
        assert path in tree, f"{path} missing from the tree"
        assert tree[path][0] == data, f"{path}: data {tree[path][0]!r}, expected {data!r}"


# ---------------------------------------------------------------- 1. three members

def test_three_members_elect_one_leader_and_replicate_writes_from_every_member(h):
    e = h.new(3)
    t0 = time.monotonic()
    e.start()
    leader = e.leader()
    measure(f"fresh 3-member ensemble: leader {leader} reported {time.monotonic() - t0:.3f}s after process start")
    e.wait_serving()
    modes = e.modes()
    assert sorted(modes.values()) == ["follower", "follower", "leader"], modes

    expected: dict[str, bytes] = {}
    clients = {sid: h.kazoo(e, sid) for sid in e.ids}
    for sid, c in clients.items():
        base = f"/via{sid}"
        c.create(base, f"from member {sid}".encode())
        expected[base] = f"from member {sid}".encode()
        for k in range(5):
            p = c.create(f"{base}/seq-", f"{sid}.{k}".encode(), sequence=True)
            expected[p] = f"{sid}.{k}".encode()
        c.set(base, f"changed by {sid}".encode())
        expected[base] = f"changed by {sid}".encode()
        # read-your-writes on the member that took the write
        assert c.get(base)[0] == expected[base]
    # a write through one member is visible through every other after a sync
    for sid, c in clients.items():
        c.sync("/")
        for path, data in expected.items():
            assert c.get(path)[0] == data, f"member {sid} serves {path} wrong"

    tree = e.wait_same_trees()
    assert_nodes(tree, expected)
    zxids = {sid: e.zxid(sid) for sid in e.ids}
    assert len(set(zxids.values())) == 1, zxids
    assert zxids[1] >> 32 >= 1, f"zxid {zxids[1]:#x} has no epoch"
    assert e.modes() == modes, "the roles changed while writing"


# ---------------------------------------------------------------- 2. leader killed under load

class Writer(threading.Thread):
    """Creates sequential nodes /load/w-NNN with data = the attempt number, recording acknowledgements."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.client = client
        self.stop_flag = threading.Event()
        self.acked: list[tuple[int, str, float, float]] = []   # (attempt, path, sent, acked)
        self.failures: list[str] = []
        self.lock = threading.Lock()

    def run(self):
        i = 0
        while not self.stop_flag.is_set():
            sent = time.monotonic()
            try:
                path = self.client.create_async("/load/w-", str(i).encode(), sequence=True).get(timeout=10)
                with self.lock:
                    self.acked.append((i, path, sent, time.monotonic()))
            except Exception as ex:   # noqa: BLE001 - connection loss is expected around the kill
                self.failures.append(type(ex).__name__)
                self.stop_flag.wait(0.02)
            i += 1

    def count(self) -> int:
        with self.lock:
            return len(self.acked)


def test_leader_kill9_under_write_load_loses_no_acknowledged_write(h):
    e, leader = started(h, 3)
    client = h.kazoo(e, e.ids)
    client.ensure_path("/load")
    writer = Writer(client)
    writer.start()
    try:
        E.wait_for(lambda: writer.count() >= 100, 30, "100 acknowledged writes before the kill")
        t_kill = e.kill9(leader)
        new_leader = e.leader(deadline_s=10)
        t_elected = time.monotonic()
        assert new_leader != leader
        first_after = E.wait_for(lambda: next((a for a in writer.acked if a[2] > t_kill), None), 15,
                                 "a write sent after the kill is acknowledged")
        base = writer.count()
        E.wait_for(lambda: writer.count() >= base + 100, 30, "100 more acknowledged writes")
    finally:
        writer.stop_flag.set()
        writer.join(15)
    measure(f"kill -9 of leader {leader}: new leader {new_leader} after {t_elected - t_kill:.3f}s; "
            f"first write sent after the kill committed {first_after[3] - t_kill:.3f}s after it "
            f"({len(writer.acked)} acked, {len(writer.failures)} failed: {sorted(set(writer.failures))})")
    assert t_elected - t_kill < 5, "re-election took more than 5 s"

    e.restart(leader)
    e.wait_serving([leader])
    assert e.leader() == new_leader
    assert e.mode(leader) == "follower"
    tree = e.wait_same_trees()
    missing = [(i, p) for i, p, _, _ in writer.acked if p not in tree]
    assert not missing, f"{len(missing)} acknowledged creates lost, e.g. {missing[:5]}"
    for i, p, _, _ in writer.acked:
        assert tree[p][0] == str(i).encode(), f"{p}: data {tree[p][0]!r}, expected attempt {i}"
    attempts = [tree[p][0] for p in tree if p.startswith("/load/")]
    assert len(attempts) == len(set(attempts)), "an attempt was created twice"


# ---------------------------------------------------------------- 3. five members

def test_five_members_survive_two_failures_not_three_and_recover(h):
    e, leader = started(h, 5)
    for sid in e.ids:
        write_via(h, e, sid, f"/five-{sid}", b"before")
    e.wait_same_trees()

    follower = next(s for s in e.ids if s != leader)
    e.kill9(leader)
    e.kill9(follower)
    survivors = [s for s in e.ids if s not in (leader, follower)]
    second = e.leader(among=survivors, deadline_s=10)
    for sid in survivors:
        write_via(h, e, sid, f"/two-down-{sid}", b"still commits")
    e.wait_same_trees(survivors)

    third = next(s for s in survivors if s != second)
    client = h.kazoo(e, [s for s in survivors if s != third])
    client.create("/before-third", b"")
    e.kill9(third)
    left = [s for s in survivors if s != third]
    t = time.monotonic()
    with pytest.raises((KazooException, KazooTimeoutError)) as lost:
        client.create_async("/three-down", b"must not commit").get(timeout=5)
    measure(f"5 members, 3 down: the write failed after {time.monotonic() - t:.3f}s with {type(lost.value).__name__}")
    e.wait_not_serving(left, deadline_s=10)
    # no member may lead while only 2 of 5 run
    end = time.monotonic() + 2
    while time.monotonic() < end:
        assert all(m is None for m in e.modes(left).values()), e.modes(left)
        time.sleep(0.1)

    e.restart(leader, follower, third)
    final = e.leader(deadline_s=20)
    e.wait_serving()
    for sid in e.ids:
        write_via(h, e, sid, f"/recovered-{sid}", b"after")
    tree = e.wait_same_trees()
    assert_nodes(tree, {**{f"/five-{s}": b"before" for s in e.ids},
                        **{f"/two-down-{s}": b"still commits" for s in survivors},
                        **{f"/recovered-{s}": b"after" for s in e.ids}})
    assert sorted(e.modes().values()) == ["follower"] * 4 + ["leader"], (final, e.modes())


# ---------------------------------------------------------------- 4. observers

def test_observers_receive_every_write_and_never_count_for_the_quorum(h):
    # Two observers, so the last check discriminates: if observers voted, 1 voter + 2 observers
    # would be 3 of 5, a majority.
    e, leader = started(h, voters=3, observers=2)
    observers = [4, 5]
    for o in observers:
        assert e.mode(o) == "observer", e.modes()
    assert sorted(e.modes(e.voters).values()) == ["follower", "follower", "leader"]
    for sid in e.ids:
        write_via(h, e, sid, f"/obs-{sid}", f"via {sid}".encode())
    tree = e.wait_same_trees()
    assert_nodes(tree, {f"/obs-{s}": f"via {s}".encode() for s in e.ids})

    through_observer = h.kazoo(e, 4)
    through_observer.create("/obs-before", b"")
    follower = next(s for s in e.voters if s != leader)
    e.kill9(leader)
    e.kill9(follower)
    with pytest.raises((KazooException, KazooTimeoutError)) as failed:
        through_observer.create_async("/obs-no-quorum", b"").get(timeout=5)
    print(f"write through observer without a voter quorum: {type(failed.value).__name__}")
    end = time.monotonic() + 3
    while time.monotonic() < end:
        modes = e.modes()
        assert "leader" not in modes.values(), f"a leader with 1 voter + 2 observers: {modes}"
        time.sleep(0.1)
    e.restart(leader, follower)
    e.leader(deadline_s=20)
    e.wait_serving()
    for o in observers:
        assert e.mode(o) == "observer"
    write_via(h, e, 5, "/obs-after", b"again")
    tree = e.wait_same_trees()
    assert_nodes(tree, {"/obs-after": b"again", "/obs-before": b""})


# ---------------------------------------------------------------- 5. learner sync: SNAP and DIFF

def restart_after_missing(h, e: E.Ensemble, leader: int, writes: int, kind: str) -> tuple[int, list[str]]:
    """Kill a follower, create `writes` nodes through the others (pipelined), restart it, and wait
    for the leader to log `Synchronizing server N by <kind>`; returns (follower, new sync lines)."""
    follower = next(s for s in e.ids if s != leader)
    client = h.kazoo(e, [s for s in e.ids if s != follower])
    client.ensure_path(f"/{kind}")
    pattern = rf"Synchronizing server {follower} by (SNAP|DIFF|TRUNC)\b"
    e.kill9(follower)
    results = [client.create_async(f"/{kind}/n{i:04d}", b"x" * (i % 7)) for i in range(writes)]
    for r in results:
        r.get(timeout=30)
    before = len(e.grep_logs(leader, pattern))
    e.restart(follower)
    e.wait_serving([follower])
    E.wait_for(lambda: len(e.grep_logs(leader, pattern)) > before, 10, "the leader logs its sync plan")
    new = e.grep_logs(leader, pattern)[before:]
    print("\n".join(new[:3]))
    return follower, new


def test_follower_restarted_after_more_than_commit_log_count_txns_syncs_by_snap(h):
    # Found here: a SNAP of more than ~2 KiB was misread by the follower ("bad snapshot from the
    # leader: SNAP stream: corrupt at offset 2044"), which then re-elected and retried forever.
    # commitLogCount: 500 is swzk's (and ZooKeeper's) minimum; lower values are raised with a warning.
    e, leader = started(h, 3, settings={"zookeeper.commitLogCount": "500"})
    follower, syncs = restart_after_missing(h, e, leader, 600, "SNAP")
    assert syncs[0].split(f"server {follower} by ")[1].startswith("SNAP"), syncs
    tree = e.wait_same_trees(deadline_s=10)
    assert sum(1 for p in tree if p.startswith("/SNAP/")) == 600
    assert e.mode(follower) == "follower"


def test_snap_streamed_while_writes_go_on_converges_without_digest_mismatches(h):
    # The leader streams a SNAP in chunks between its other work, so the tree changes under the
    # stream (fuzzy, as Apache's); packets for the learner wait behind it. The learner must end
    # equal to the others, and no member may count a digest mismatch once it has caught up.
    # syncLimit 4 s: as in Apache, the learner is silent from its NEWLEADER ACK until it has
    # worked through every packet held behind the stream (thousands here, in a debug build).
    e, leader = started(h, 3, settings={"zookeeper.commitLogCount": "500", "syncLimit": "20"})
    client = h.kazoo(e, e.ids)
    client.ensure_path("/fz")
    for start in range(0, 20_000, 500):  # 500 in flight at a time: debug builds are slow
        for r in [client.create_async(f"/fz/n{i:05d}", b"v" * 20) for i in range(start, start + 500)]:
            r.get(timeout=60)
    follower = next(s for s in e.ids if s != leader)
    others = [s for s in e.ids if s != follower]
    writer = h.kazoo(e, others)
    e.kill9(follower)
    for r in [writer.create_async(f"/fz/m{i:04d}", b"m") for i in range(600)]:
        r.get(timeout=30)
    stop = threading.Event()
    done = []

    def keep_writing():
        i = 0
        while not stop.is_set():
            batch = [writer.set_async(f"/fz/n{(i + k) * 7 % 20_000:05d}", b"w%d" % (i + k)) for k in range(50)]
            batch += [writer.create_async(f"/fz/w{i + k:06d}", b"w") for k in range(0, 50, 5)]
            for r in batch:
                r.get(timeout=30)
            i += 50
            done.append(i)
            time.sleep(0.02)  # steady load, not an overload a debug build on 2 cores cannot follow

    thread = threading.Thread(target=keep_writing, daemon=True)
    thread.start()
    try:
        E.wait_for(lambda: len(done) >= 2, 20, "writes under way")
        e.restart(follower)
        # Writes go on until the stream has ended (that is what makes it fuzzy), then stop.
        E.wait_for(lambda: e.grep_logs(leader, rf"sent the snapshot to learner"), 30, "the SNAP stream ends")
    finally:
        stop.set()
        thread.join(timeout=30)
    e.wait_serving([follower], deadline_s=60)
    sent = e.grep_logs(leader, r"sent the snapshot to learner")
    print(sent[-1])
    assert e.grep_logs(leader, rf"Synchronizing server {follower} by SNAP"), "the follower was not synced by SNAP"
    tree = e.wait_same_trees(deadline_s=20)
    assert sum(1 for p in tree if p.startswith("/fz/n")) == 20_000
    for sid in e.ids:
        mntr = e[sid].word("mntr")
        assert "zk_digest_mismatches_count\t0" in mntr, f"member {sid}: " + next(
            (line for line in mntr.splitlines() if "digest_mismatches" in line), "no digest_mismatches line")


def test_follower_restarted_after_a_few_txns_syncs_by_diff(h):
    e, leader = started(h, 3, settings={"zookeeper.commitLogCount": "500"})
    follower, syncs = restart_after_missing(h, e, leader, 5, "DIFF")
    assert all(" by DIFF " in line for line in syncs), syncs
    assert syncs[0].endswith(", 5 txns"), syncs
    tree = e.wait_same_trees()
    assert sum(1 for p in tree if p.startswith("/DIFF/")) == 5
    assert e.leader() == leader and e.mode(follower) == "follower"


def test_follower_restarted_after_more_than_commit_log_count_txns_syncs_by_diff_from_the_logs(h):
    # The txn logs serve a learner older than the committed log when they total no more than
    # snapshotSizeFactor (at most 1) x the leader's newest snapshot, preallocation included, as
    # in Apache. So: a tree of about 2 MB first, and a snapshot of it; small preallocation.
    e, leader = started(h, 3, settings={"zookeeper.commitLogCount": "500", "zookeeper.snapshotSizeFactor": "1",
                                        "preAllocSize": "4", "snapCount": "40"})
    client = h.kazoo(e, e.ids)
    client.ensure_path("/big")
    for i in range(100):
        client.create(f"/big/n{i:02d}", b"b" * 20_000)
    version2 = e.members[leader].data_dir / "version-2"
    E.wait_for(lambda: any(p.name.startswith("snapshot.") and not p.name.endswith(".tmp") and p.stat().st_size > 500_000
                           for p in version2.iterdir()), 20, "a snapshot of the big tree on the leader")
    follower, syncs = restart_after_missing(h, e, leader, 600, "LOGDIFF")
    assert syncs[0].split(f"server {follower} by ")[1].startswith("DIFF"), syncs
    assert int(syncs[0].rsplit(", ", 1)[1].split()[0]) >= 600, syncs
    assert any("read the logs for a DIFF" in line for line in e.grep_logs(leader, "read the logs for a DIFF"))
    tree = e.wait_same_trees(deadline_s=10)
    assert sum(1 for p in tree if p.startswith("/LOGDIFF/")) == 600
    assert e.mode(follower) == "follower"


def test_four_letter_words_of_live_members_show_their_roles(h):
    # 3 voters + 1 observer: what srvr, mntr and conf say on each live member.
    e, leader = started(h, 3, observers=1)
    observer = max(e.ids)
    followers = [s for s in e.ids if s not in (leader, observer)]

    def mntr(sid: int) -> dict[str, str]:
        return dict(line.split("\t", 1) for line in e.members[sid].word("mntr").splitlines() if "\t" in line)

    E.wait_for(lambda: mntr(leader).get("zk_synced_followers") == "2", 10, "the leader counts two synced followers")
    lead = mntr(leader)
    assert lead["zk_server_state"] == "leader"
    assert lead["zk_peer_state"] == "leading - broadcast"
    assert lead["zk_quorum_size"] == "3"
    assert lead["zk_learners"] == "3"
    assert lead["zk_synced_observers"] == "1"
    assert lead["zk_pending_syncs"] == "0"
    for sid in followers:
        assert mntr(sid)["zk_server_state"] == "follower"
        assert mntr(sid)["zk_peer_state"] == "following - broadcast"
        assert "zk_synced_followers" not in mntr(sid)
    assert mntr(observer)["zk_server_state"] == "observer"
    srvr = e.members[leader].word("srvr")
    assert "Mode: leader" in srvr and "Proposal sizes last/min/max:" in srvr
    conf = e.members[followers[0]].word("conf")
    assert f"serverId={followers[0]}" in conf and "membership: " in conf
    assert f"server.{observer}=" in conf and ":observer" in conf and "version=0" in conf


def test_commit_log_count_below_the_minimum_is_raised(tmp_path):
    conftest.require_swzk()
    e = E.Ensemble(tmp_path, 3, settings={"zookeeper.commitLogCount": "100"})
    try:
        e.start(1)
        E.wait_for(lambda: e.grep_logs(1, "commitLogCount"), 10, "a commitLogCount warning")
        line = e.grep_logs(1, "commitLogCount")[0]
        assert "500" in line, line
    finally:
        e.cleanup()


# ---------------------------------------------------------------- 6. clients fail over

def test_kazoo_fails_over_with_same_session_ephemeral_and_watch(h):
    e, leader = started(h, 3)
    followers = [s for s in e.ids if s != leader]
    # the first host is a follower: the client connects there first
    client = h.kazoo(e, [followers[0], leader, followers[1]], randomize_hosts=False)
    other = h.kazoo(e, leader)
    connected_port = client._connection._socket.getpeername()[1]
    assert connected_port == e[followers[0]].client_port
    session = client.client_id[0]
    client.create("/eph", b"mine", ephemeral=True)
    client.create("/watched", b"v0")
    seen = []
    # kazoo 2.11 sends no SetWatches: on a connection loss it fires every one-shot watch with a
    # NONE event; its DataWatch recipe sets the watch again after the reconnect.
    client.DataWatch("/watched", lambda data, stat: seen.append(data))
    E.wait_for(lambda: seen == [b"v0"], 5, "the DataWatch's first call")
    states = []
    client.add_listener(lambda st: states.append(st))

    e.kill9(followers[0])
    E.wait_for(lambda: KazooState.SUSPENDED in states and client.state == KazooState.CONNECTED, 10,
               "the client reconnects")
    assert client.client_id[0] == session, "the session changed on failover"
    new_port = client._connection._socket.getpeername()[1]
    assert new_port != connected_port and new_port in (e[leader].client_port, e[followers[1]].client_port)
    assert KazooState.LOST not in states, states
    assert client.exists("/eph").ephemeralOwner == session

    other.set("/watched", b"v1")
    E.wait_for(lambda: seen[-1:] == [b"v1"], 10, "the data watch delivers the change after the failover")
    client.sync("/")
    assert client.get("/watched")[0] == b"v1"
    tree = e.wait_same_trees([leader, followers[1]])
    assert tree["/eph"][1]["ephemeralOwner"] == session


def test_watches_moved_with_set_watches_to_another_member(h):
    """What the Java client does on reconnect: the same session on another member, then SetWatches
    with the last zxid seen; a change made while disconnected fires at once, later ones as usual."""
    e, leader = started(h, 3)
    follower, survivor = [s for s in e.ids if s != leader]
    other = h.kazoo(e, leader)
    for p in ("/sw-changed", "/sw-later"):
        other.create(p, b"0")
    raw = treedump.connect(e[follower].client_port, timeout_ms=4000)
    for p in ("/sw-changed", "/sw-later"):
        _, f = raw.call(R.OP_GET_DATA, R.path_watch_body(p, watch=True))
        assert f.err == 0
    _, f = raw.call(R.OP_EXISTS, R.path_watch_body("/sw-created", watch=True))
    assert f.err == -101
    last_zxid = raw.last_zxid
    e.kill9(follower)
    raw.close()
    other.set("/sw-changed", b"while away")

    moved = R.RawZK(E.HOST, e[survivor].client_port)
    try:
        resp = moved.connect(session_id=raw.session_id, passwd=raw.passwd, timeout_ms=4000, last_zxid=last_zxid)
        assert resp.session_id == raw.session_id and resp.timeout > 0, resp
        before, reply = moved.call(R.OP_SET_WATCHES, R.set_watches_body(
            last_zxid, data=["/sw-changed", "/sw-later"], exist=["/sw-created"]), xid=-8)
        assert reply.err == 0, reply.err
        events = before + ([] if before else moved.read_events(1, 5))
        assert events == [{"type": 3, "state": 3, "path": "/sw-changed"}], events
        other.set("/sw-later", b"1")
        other.create("/sw-created", b"")
        got = moved.read_events(2, 5)
        assert sorted((ev["type"], ev["path"]) for ev in got) == [(1, "/sw-created"), (3, "/sw-later")], got
        assert moved.no_more_frames(0.3)
        moved.close_session()
    finally:
        moved.close()


def apache_cli(hosts: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(zkservers.apache_zk_sh()), "cli", hosts, *args], capture_output=True,
                          text=True, timeout=120, env=zkservers.tool_env())


def test_apache_zkcli_with_a_multi_host_connect_string(h):
    if not zkservers.apache_zk_sh().exists():
        pytest.skip(f"{zkservers.apache_zk_sh()} not found")
    e, leader = started(h, 3)
    r = apache_cli(e.connect_string(), "create", "/x", "y")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Created /x" in r.stdout + r.stderr
    r = apache_cli(e.connect_string(list(reversed(e.ids))), "get", "/x")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "y" in r.stdout.splitlines(), r.stdout
    tree = e.wait_same_trees()
    assert tree["/x"][0] == b"y"


def test_config_node_getconfig_and_zkcli_config_on_every_member(h):
    # reconfigEnabled=false: /zookeeper/config holds the server lines and version=0 on every
    # member (Apache 3.8's QuorumMaj text; the mixed tests compare it with Apache's own), with
    # dataVersion -1 and mzxid 0; a config watch registers; zkCli's `config` prints it.
    e, leader = started(h, 3)
    expected = "\n".join(line + ":participant" for line in e.server_lines()) + "\nversion=0"
    for sid in e.ids:
        client = h.kazoo(e, sid)
        fired = []
        data, stat = client.get("/zookeeper/config", watch=fired.append)
        assert data.decode() == expected, (sid, data)
        assert (stat.version, stat.mzxid, stat.czxid) == (-1, 0, 0), (sid, stat)
        client.create(f"/after-config-{sid}", b"")
        assert fired == [], "a static config never changes"
    if zkservers.apache_zk_sh().exists():
        r = apache_cli(e.connect_string(), "config")
        assert r.returncode == 0, r.stdout + r.stderr
        assert all(line in r.stdout.splitlines() for line in expected.splitlines()), r.stdout


# ---------------------------------------------------------------- 7. expired sessions

def test_ephemerals_of_an_expired_session_vanish_on_every_member(h):
    e, leader = started(h, 3)
    follower = next(s for s in e.ids if s != leader)
    sessions = []
    for sid, path in ((follower, "/exp-via-follower"), (leader, "/exp-via-leader")):
        c = treedump.connect(e[sid].client_port, timeout_ms=1000)
        _, f = c.call(R.OP_CREATE, R.create_body(path, b"e", flags=1))
        assert f.err == 0, f.err
        sessions.append((sid, path, c))
    tree = e.wait_same_trees()
    for sid, path, c in sessions:
        assert tree[path][1]["ephemeralOwner"] == c.session_id
    # the follower's client vanishes (socket closed, no closeSession); the leader's goes silent
    sessions[0][2].close()
    t = time.monotonic()

    def gone():
        return all(p not in treedump.dump(e[s].client_port) for s in e.ids for _, p, _ in sessions)

    E.wait_for(gone, 15, "the ephemerals of both expired sessions are gone on every member", interval=0.1)
    measure(f"ephemerals of 1 s sessions gone on every member {time.monotonic() - t:.3f}s after they went silent")
    assert sessions[1][2].wait_closed(5), "the silent leader session's connection was not closed"
    sessions[1][2].close()
    e.wait_same_trees()


# ---------------------------------------------------------------- 8. bad input on quorum ports

V1 = -65536


def dropped(sock: socket.socket, deadline_s: float = 5.0) -> bool:
    """True when the peer closes `sock` within the deadline."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        sock.settimeout(max(0.05, end - time.monotonic()))
        try:
            if not sock.recv(65536):
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
    return False


def handshake(sid: int, addr: bytes = b"127.0.0.1:1", length: int | None = None) -> bytes:
    return struct.pack(">qqi", V1, sid, len(addr) if length is None else length) + addr


def test_bad_input_on_election_and_quorum_ports_drops_only_that_connection(h):
    e, leader = started(h, 3)
    follower = next(s for s in e.ids if s != leader)
    roles = e.modes()
    garbage = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + bytes(range(256)) * 4
    cases = [
        # (port owner, port kind, bytes, must the connection be dropped?)
        ("garbage (text)", follower, "election", garbage, True),
        ("garbage (negative first long)", follower, "election", b"\xde\xad\xbe\xef" * 64, True),
        ("unknown protocol version -123", follower, "election", struct.pack(">qqi", -123, 9, 11) + b"127.0.0.1:1", True),
        ("5000-byte address length", follower, "election", handshake(99, b"a" * 5000, 5000), True),
        ("600 KiB message length", leader, "election", handshake(99) + struct.pack(">i", 600 * 1024) + b"\0" * 64, True),
        ("garbage on the leader's quorum port", leader, "quorum", garbage, True),
        # QuorumPacket{int type=COMMIT(4), long zxid, buffer data=null, vector authinfo=null}, no frame length
        ("bare COMMIT as first quorum packet", leader, "quorum", struct.pack(">iqii", 4, (1 << 32) | 1, -1, -1), True),
    ]
    for name, sid, kind, payload, must_drop in cases:
        port = e[sid].election_port if kind == "election" else e[sid].quorum_port
        s = socket.create_connection((E.HOST, port), timeout=5)
        try:
            try:
                s.sendall(payload)
            except (ConnectionResetError, BrokenPipeError):
                pass   # already dropped
            else:
                assert dropped(s) or not must_drop, f"{name}: member {sid} kept the connection open"
        finally:
            s.close()
        e.check_alive(e.ids)
        assert e.modes() == roles, f"after {name}: roles changed {e.modes()}"
    # protocol "version" 123: a first long >= 0 is the legacy header (that long is the sid); an
    # unknown sid 123 may be kept or dropped, the ensemble must not care.
    legacy = socket.create_connection((E.HOST, e[follower].election_port), timeout=5)
    legacy.sendall(struct.pack(">q", 123) + b"\x00\x00\x00\x05hello")

    c = h.kazoo(e, e.ids)
    c.create("/after-bad-input", b"ok")
    tree = e.wait_same_trees()
    assert tree["/after-bad-input"][0] == b"ok"
    assert e.modes() == roles
    legacy.close()
    # the members' own quorum and election connections were never disturbed
    for sid in e.ids:
        assert not e.grep_logs(sid, r"leaving following|New election.*round 0x2"), e[sid].log_tail()

    e.kill9(leader)
    new_leader = e.leader(deadline_s=10)
    assert new_leader != leader
    c.create("/after-reelection", b"ok")
    tree = e.wait_same_trees()
    assert tree["/after-reelection"][0] == b"ok"
