"""The fault rows: each one runs a whole experiment on a fresh proxied ensemble.

A row: start the ensemble; health check (every member serves, a write commits); load 2 s;
the fault; load during it (`duration` seconds); heal or recover; load 2 s more; a final write
that must succeed within FINAL_DEADLINE; then every member's final state (after waiting up to
30 s for the trees to agree). "Time to recover" is from the moment the fault ends (the kill
for kill rows, the heal, the resume, the restart) to the completion of the first write-like op
(write, cas, create, seq_create) invoked after it that committed.

Every row function gets (cluster, duration, rng) and returns the monotonic time the fault ended.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from harness import Cluster, wait_for
from workload import SESSION_TIMEOUT, History, Workload, lost_writes, new_client, perform

LOAD_BEFORE = 2.0
LOAD_AFTER = 2.0
FINAL_DEADLINE = 30.0
WRITE_OPS = ("write", "cas", "create", "seq_create")


@dataclass
class RowResult:
    row: str
    target: str
    servers: int
    ops: int = 0
    unknown: int = 0
    violations: str = "-"
    lost: int = 0
    recover_s: float | None = None
    final_write: bool = False
    converged: bool = False
    error: str | None = None
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Rows


def followers_of(cluster: Cluster, leader: int) -> list[int]:
    return [s for s in cluster.running() if s != leader]


def kill_leader(cluster: Cluster, duration: float, rng: random.Random) -> float:
    leader = cluster.leader()
    cluster.kill(leader)
    end = time.monotonic()
    time.sleep(duration)
    cluster.start_member(leader)
    return end


def isolate_leader(cluster: Cluster, duration: float, rng: random.Random) -> float:
    leader = cluster.leader()
    cluster.network.isolate(leader)
    time.sleep(duration)
    cluster.network.heal()
    return time.monotonic()


def pause_leader(cluster: Cluster, duration: float, rng: random.Random) -> float:
    leader = cluster.leader()
    cluster.pause(leader)
    # Past syncLimit x tickTime (and the session timeout), so the others must move on.
    time.sleep(max(duration, 2 * cluster.sync_limit * cluster.tick_ms / 1000.0))
    cluster.resume(leader)
    return time.monotonic()


def kill_all(cluster: Cluster, duration: float, rng: random.Random) -> float:
    cluster.kill_all()
    time.sleep(min(duration, 2.0))
    cluster.restart_all()
    return time.monotonic()


def split(cluster: Cluster, duration: float, rng: random.Random) -> float:
    """The leader and n//2 - 1 others on the minority side (2|3 on five servers, 1|2 on three)."""
    leader = cluster.leader()
    others = followers_of(cluster, leader)
    rng.shuffle(others)
    minority = [leader] + others[:cluster.n // 2 - 1]
    majority = [s for s in cluster.members if s not in minority]
    cluster.network.partition([minority, majority])
    time.sleep(duration)
    cluster.network.heal()
    return time.monotonic()


def bridge(cluster: Cluster, duration: float, rng: random.Random) -> float:
    """Two halves that cannot talk, and one server in the middle that reaches both; the leader
    on one side (on three servers: leader | middle | other)."""
    leader = cluster.leader()
    others = followers_of(cluster, leader)
    rng.shuffle(others)
    via = others[0]
    rest = others[1:]
    half = (cluster.n - 1) // 2
    left = [leader] + rest[:half - 1]
    right = rest[half - 1:]
    cluster.network.bridge(left, right, via=via)
    time.sleep(duration)
    cluster.network.heal()
    return time.monotonic()


def one_way_cut(cluster: Cluster, duration: float, rng: random.Random) -> float:
    """Nothing the leader sends reaches anyone; it still hears everybody."""
    leader = cluster.leader()
    for other in cluster.members:
        if other != leader:
            cluster.network.cut_one_way(leader, other)
    time.sleep(duration)
    cluster.network.heal()
    return time.monotonic()


def kill_follower(cluster: Cluster, duration: float, rng: random.Random) -> float:
    leader = cluster.leader()
    follower = rng.choice(followers_of(cluster, leader))
    cluster.kill(follower)
    end = time.monotonic()
    time.sleep(duration)
    cluster.start_member(follower)
    return end


def isolate_follower(cluster: Cluster, duration: float, rng: random.Random) -> float:
    """A follower cut off while clients are connected to it (worker k starts at member k mod n,
    so every member has clients)."""
    leader = cluster.leader()
    follower = rng.choice(followers_of(cluster, leader))
    connections = cluster.mntr(follower).get("zk_num_alive_connections", "?")
    cluster.network.isolate(follower)
    time.sleep(duration)
    cluster.network.heal()
    cluster.notes.append(f"n{follower} had {connections} client connections when cut off")
    return time.monotonic()


def snap_leader_kill(cluster: Cluster, duration: float, rng: random.Random) -> float:
    """A follower falls more than commitLogCount (500) txns behind, so it must be synced by SNAP
    (snapshotSizeFactor=0 rules out a DIFF from the logs); the leader is killed 0.3 s after the
    follower restarts, i.e. during its sync if the timing lands (best effort: not observable)."""
    leader = cluster.leader()
    follower = rng.choice(followers_of(cluster, leader))
    cluster.stop(follower)
    start_zxid = cluster.zxid(leader) or 0
    deadline = time.monotonic() + max(duration, 30)
    client = new_client([cluster.members[leader].hostport])
    client.start(timeout=5)
    try:                                  # the workload writes too; top it up to be sure
        # On a node of its own: these writes are not in the history, so they must not touch a
        # key the checker judges (they showed up there as reads of values nobody wrote).
        client.ensure_path("/bulk")
        while (cluster.zxid(leader) or 0) - start_zxid < 700 and time.monotonic() < deadline:
            for i in range(50):
                client.set_async("/bulk", b"bulk-%d" % i, -1)
            time.sleep(0.05)
    finally:
        client.stop()
        client.close()
    cluster.notes.append(f"n{follower} behind by {(cluster.zxid(leader) or 0) - start_zxid} txns")
    cluster.start_member(follower)
    time.sleep(0.3)
    cluster.kill(leader)
    end = time.monotonic()
    time.sleep(duration)
    cluster.start_member(leader)
    return end


ROWS = {
    "kill_leader": kill_leader,
    "isolate_leader": isolate_leader,
    "pause_leader": pause_leader,
    "kill_all": kill_all,
    "split": split,
    "bridge": bridge,
    "one_way_cut": one_way_cut,
    "kill_follower": kill_follower,
    "isolate_follower": isolate_follower,
    "snap_leader_kill": snap_leader_kill,
}
SETTINGS = {"snap_leader_kill": {"snapshotSizeFactor": "0", "commitLogCount": "500"}}


# --------------------------------------------------------------------------------------------
# Running one row


def health_check(cluster: Cluster) -> None:
    cluster.wait_serving(sids=list(cluster.members))
    client = new_client(cluster.connect.split(","))
    client.start(timeout=10)
    try:
        client.ensure_path("/health")
        client.set("/health", b"ok")
    finally:
        client.stop()
        client.close()


def final_write(cluster: Cluster, history: History, deadline_s: float = FINAL_DEADLINE) -> bool:
    """A write on /reg/k0 that must commit within the deadline (every attempt is recorded)."""
    end = time.monotonic() + deadline_s
    client = new_client(cluster.connect.split(","))
    try:
        while time.monotonic() < end:
            try:
                client.start(timeout=max(0.5, min(5.0, end - time.monotonic())))
                break
            except Exception:   # noqa: BLE001
                client.stop()
        while time.monotonic() < end:
            entry = perform(history, client, 10_000, "write", "/reg/k0", {"value": "final"})
            if entry["outcome"] == "ok":
                return True
            if entry["outcome"] == "fail":          # the register was deleted: recreate it
                perform(history, client, 10_000, "create", "/reg/k0", {"value": "final"})
            time.sleep(0.1)
        return False
    finally:
        try:
            client.stop()
            client.close()
        except Exception:   # noqa: BLE001
            pass


def checker_states(states: dict) -> dict:
    """The harness's final states in the checker's form (see checker.check_history)."""
    out = {}
    for sid, st in states.items():
        nodes = st.get("nodes")
        out[sid] = {"last_zxid": st.get("zxid"), "digest": None, "up": nodes is not None,
                    "nodes": {path: {"value": n.get("value"), "version": n.get("version"), "mzxid": n.get("mzxid"),
                                     "ephemeral_owner": n.get("ephemeralOwner", 0)}
                              for path, n in (nodes or {}).items()}}
    return out


def check(ops: list[dict], states: dict, out: Path | None = None) -> str:
    """Runs the checker (linearizability per key, version order, sessions, final state with no
    live sessions left, ephemerals, sequential creates). Returns the violations cell: a count
    with the kinds, '?' for keys whose search ran out of time. A run with a violation also writes
    the checker's report and the smallest failing sub-history it finds beside the history."""
    import checker   # noqa: PLC0415
    report = checker.check_history(ops, checker_states(states), live_sessions=set(), stale_reads_allowed=True)
    cell = str(len(report.violations))
    if report.violations:
        cell += " (" + ",".join(f"{k}:{n}" for k, n in sorted(report.kinds().items())) + ")"
    if report.inconclusive:
        cell += f" ?{len(report.inconclusive)}"
    if out is not None and (report.violations or report.inconclusive):
        lines = [report.summary()] + [str(v) for v in report.violations]
        (out / "check.txt").write_text("\n".join(lines) + "\n")
        lin = [v for v in report.violations if v.kind in ("linearizability", "stale-sync-read")]
        if lin:
            small = checker.smallest_failing(ops, key=lin[0].key)
            (out / "smallest.jsonl").write_text("".join(json.dumps(op if isinstance(op, dict) else op.__dict__) + "\n"
                                                        for op in small))
    return cell


def recover_time(ops: list[dict], fault_end: float) -> float | None:
    done = [op["complete"] for op in ops if op["op"] in WRITE_OPS and op["outcome"] == "ok"
            and op["invoke"] >= fault_end and op["client"] >= 0]
    return round(min(done) - fault_end, 3) if done else None


def run_row(name: str, target: str = "swzk", servers: int = 3, seed: int = 0, duration: float = 5.0,
            out: Path | None = None, tick_ms: int = 200, clients: int = 5) -> RowResult:
    rng = random.Random(f"{seed}-{name}")
    out = Path(out or "/tmp/swzk-faults") / f"{target}-{servers}-{name}"
    if out.exists():
        import shutil
        shutil.rmtree(out)
    out.mkdir(parents=True)
    result = RowResult(name, target, servers)
    cluster = Cluster(out / "cluster", servers, target=target, tick_ms=tick_ms, settings=SETTINGS.get(name))
    cluster.notes = result.notes
    history = History(out / "history.jsonl")
    workload = None
    try:
        cluster.start()
        health_check(cluster)
        workload = Workload([m.hostport for _, m in sorted(cluster.members.items())], clients=clients,
                            seed=rng.randrange(1 << 30), history=history)
        workload.setup()
        workload.start()
        time.sleep(LOAD_BEFORE)
        fault_end = ROWS[name](cluster, duration, rng)
        time.sleep(LOAD_AFTER)
        result.final_write = final_write(cluster, history)
        ops = workload.stop()
        workload = None
        cluster.wait_serving(sids=list(cluster.members), deadline_s=30)
        # Every session is closed now; one whose close was lost expires within its timeout.
        # Wait for their ephemerals to go before taking the final states the checker judges.
        deadline = time.monotonic() + 2 * SESSION_TIMEOUT + 5
        while time.monotonic() < deadline:
            first = cluster.final_states().get(min(cluster.members), {}).get("nodes") or {}
            if not any(p.startswith("/eph/") for p in first):
                break
            time.sleep(0.2)
        states = cluster.wait_converged(30)
        ops = history.snapshot()
        trees = [s["nodes"] for s in states.values()]
        result.converged = all(t is not None and t == trees[0] for t in trees)
        result.ops = len(ops)
        result.unknown = sum(op["outcome"] == "unknown" for op in ops)
        result.lost = max(len(lost_writes(ops, s["nodes"])) for s in states.values())
        result.recover_s = recover_time(ops, fault_end)
        result.violations = check(ops, states, out)
        (out / "final_states.json").write_text(json.dumps(states, indent=1, sort_keys=True))
    except Exception as e:   # noqa: BLE001 - a row that breaks is a result too
        result.error = f"{type(e).__name__}: {e}"[:2000]
    finally:
        if workload is not None:
            workload.stop()
        history.close()
        cluster.close()
        (out / "result.json").write_text(json.dumps(asdict(result), indent=1))
    return result
