"""A data directory moves between Apache ZooKeeper 3.8 and swzk in both directions
(DESIGN §5), and each side's tools read the other side's files.

One server runs workload.py (every node type, ACL kind and txn kind, error txns, multis,
enough txns with snapCount=50 to roll the log and take several fuzzy snapshots, and writes
after the newest snapshot), its whole tree is dumped (path, data, every Stat field, ACLs, read
as the super user), and it stops with the writing session still open. The other server starts
on a copy of that directory and must serve the identical tree, ephemerals included.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import diskformat as D
import treedump
import zkservers
import workload

SETTINGS = {**treedump.SETTINGS, "snapCount": "50"}
OTHER = {"apache": "swzk", "swzk": "apache"}


def _newest_snapshot_zxid(data_dir: Path) -> int:
    snaps = D.snapshot_files(data_dir)
    return D.file_zxid(snaps[-1].name, "snapshot") if snaps else -1


@pytest.fixture(scope="module")
def written(zk_start, tmp_path_factory):
    """{kind: (pristine copy of the data directory it wrote, its dump before stopping)}."""
    out = {}
    for kind in ("apache", "swzk"):
        server = zk_start(kind, SETTINGS, f"writer-{kind}")
        conn = workload.run(server.port)
        # Txns after the newest snapshot: a snapshot needs more than snapCount/2 txns since the
        # last one, so once the newest one is a few txns behind, the tail stays after it.
        for _ in range(20):
            workload.tail(conn)
            if treedump.server_zxid(server) - _newest_snapshot_zxid(server.data_dir) >= 5:
                break
        before = treedump.dump(server.port)
        conn.close()   # no closeSession: the session and its ephemerals stay in the database
        server.stop()
        copy = tmp_path_factory.mktemp(f"written-by-{kind}") / "data"
        zkservers.copy_data_dir(server.data_dir, copy)
        out[kind] = (copy, before)
    return out


@pytest.mark.parametrize("writer", ["apache", "swzk"])
def test_written_directory_has_rolled_logs_and_several_snapshots(written, writer):
    data_dir, before = written[writer]
    logs, snaps = D.log_files(data_dir), D.snapshot_files(data_dir)
    assert len(logs) >= 3, [p.name for p in logs]
    assert len(snaps) >= 3, [p.name for p in snaps]
    records = D.read_logs(data_dir)
    assert records[-1].zxid > D.file_zxid(snaps[-1].name, "snapshot"), "no txn after the newest snapshot"
    # Session ids are positive; containers (0x8000...) and TTL nodes (0xFF...) read as negative.
    ephemerals = [p for p, (_, stat, _) in before.items() if stat["ephemeralOwner"] > 0]
    assert len(ephemerals) == 3, ephemerals
    types = {r.type for r in records}
    assert {-10, -11, -1, 1, 2, 5, 7, 14, 15, 19, 21} <= types, sorted(types)


@pytest.mark.parametrize("writer", ["apache", "swzk"], ids=["apache-to-swzk", "swzk-to-apache"])
def test_other_server_serves_the_identical_tree(zk_start, written, writer):
    data_dir, before = written[writer]
    reader = zk_start(OTHER[writer], SETTINGS, f"reader-of-{writer}", data_from=data_dir)
    try:
        last = D.read_logs(data_dir)[-1].zxid
        after = treedump.dump(reader.port)
        problems = treedump.diff(before, after)
        assert not problems, f"{OTHER[writer]} on {writer}'s directory serves a different tree:\n{problems}"
        assert treedump.server_zxid(reader) > last   # the dump's own session came after the log
        if reader.kind == "apache":
            # Apache checks swzk's TxnDigests and snapshot digest as it replays (DataTree.compareDigest).
            mntr = reader.word("mntr")
            assert "zk_digest_mismatches_count\t0" in mntr, mntr
    finally:
        reader.stop()


def _log_compare(path: Path) -> str | None:
    """Apache's TxnLogToolkit and `swzk log-dump --data text` print the same text."""
    apache = D.apache_tool("txnlog", path)
    ours = D.swzk("log-dump", "--data", "text", path)
    records = len(D.read_log(path)[0])
    if apache.returncode != 0 or ours.returncode != 0:
        return f"{path.name}: TxnLogToolkit exit {apache.returncode} {apache.stderr[-300:]}; " \
               f"log-dump exit {ours.returncode} {ours.stderr[-300:]}"
    if D.eof_count(apache.stdout) != records or D.eof_count(ours.stdout) != records:
        return f"{path.name}: {records} records, TxnLogToolkit counts {D.eof_count(apache.stdout)}, " \
               f"log-dump {D.eof_count(ours.stdout)}"
    if apache.stdout != ours.stdout:
        a, o = apache.stdout.splitlines(), ours.stdout.splitlines()
        first = next((i for i, (x, y) in enumerate(zip(a, o)) if x != y), min(len(a), len(o)))
        return f"{path.name}: first different line {first + 1}:\n  apache: {a[first:first + 1]}\n  swzk:   {o[first:first + 1]}"
    return None


def _node_blocks(text: str) -> tuple[str, list[str], str]:
    """SnapshotFormatter text split into (count line, node blocks sorted, sessions and last zxid).

    Apache prints children in its hash-set order, swzk in file order: compare as multisets."""
    text = text[text.index("ZNode Details"):]
    parts = text.split("----\n")
    return parts[0], sorted(parts[1:-1]), parts[-1]


def _snapshot_compare(path: Path) -> str | None:
    """SnapshotFormatter and `swzk snapshot-dump` list the same nodes with the same Stat fields."""
    apache = D.apache_tool("snapshot", path)
    ours = D.swzk("snapshot-dump", path)
    summary = D.swzk("snapshot-dump", "--json", "--summary-only", path)
    if apache.returncode != 0 or ours.returncode != 0:
        return f"{path.name}: SnapshotFormatter exit {apache.returncode} {apache.stderr[-300:]}; " \
               f"snapshot-dump exit {ours.returncode} {ours.stderr[-300:]}"
    nodes = json.loads(summary.stdout)["nodeCount"]
    if D.formatter_node_count(apache.stdout) != nodes:
        return f"{path.name}: SnapshotFormatter counts {D.formatter_node_count(apache.stdout)} nodes, snapshot-dump {nodes}"
    if not json.loads(summary.stdout)["checksumValid"]:
        return f"{path.name}: snapshot-dump says the checksum is invalid"
    if _node_blocks(apache.stdout) != _node_blocks(ours.stdout):
        a, o = _node_blocks(apache.stdout), _node_blocks(ours.stdout)
        diffs = [x for x in a[1] if x not in o[1]][:2] + [x for x in o[1] if x not in a[1]][:2]
        return f"{path.name}: node listings differ: {a[0]!r} vs {o[0]!r}; {diffs}"
    return None


def _files_for_apache_tools(data_dir: Path, writer: str) -> tuple[list[Path], list[Path]]:
    """Every one of swzk's logs and its oldest fuzzy and newest snapshots; for Apache's own files
    (which only check swzk's reading) the first log, with the multis, and the newest snapshot.
    Each Apache tool call is a JVM start, so the choice keeps the suite within its time."""
    logs, snaps = D.log_files(data_dir), D.snapshot_files(data_dir)
    if writer == "swzk":
        return logs, sorted({snaps[1], snaps[-1]})
    return logs[:1], snaps[-1:]


@pytest.mark.parametrize("writer", ["swzk", "apache"], ids=["apache-tools-read-swzk", "swzk-tools-read-apache"])
def test_tools_read_the_other_sides_files(written, writer):
    data_dir, _ = written[writer]
    logs, snaps = _files_for_apache_tools(data_dir, writer)
    with ThreadPoolExecutor(max_workers=2) as pool:
        problems = [p for p in pool.map(_log_compare, logs) if p]
        problems += [p for p in pool.map(_snapshot_compare, snaps) if p]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("writer", ["apache", "swzk"])
def test_swzk_tools_count_every_txn_and_node(written, writer):
    """swzk's log-dump and snapshot-dump over a whole directory agree with an independent reader."""
    data_dir, before = written[writer]
    total = 0
    for path in D.log_files(data_dir):
        res = D.swzk("log-dump", path)
        assert res.returncode == 0, res.stderr
        assert D.eof_count(res.stdout) == len(D.read_log(path)[0]), path.name
        total += len(D.read_log(path)[0])
    res = D.swzk("log-dump", "--verify", data_dir)
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"checked {total} txns" in res.stdout + res.stderr
    res = D.swzk("snapshot-dump", "--json", "--summary-only", data_dir)
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["checksumValid"] is True
    assert summary["file"].endswith(D.snapshot_files(data_dir)[-1].name)
    # The newest snapshot is fuzzy and older than the dump (how much older depends on how many
    # snapshot triggers came while one was still being written and were skipped, as ZooKeeper
    # skips them): it cannot hold more nodes than the dump plus the nodes deleted later (at most
    # the 30 bulk deletes), and it holds exactly what Apache's SnapshotFormatter counts in it.
    assert 4 <= summary["nodeCount"] <= len(before) + 30, (summary["nodeCount"], len(before))
    apache = D.apache_tool("snapshot", D.snapshot_files(data_dir)[-1])
    assert apache.returncode == 0, apache.stderr
    assert D.formatter_node_count(apache.stdout) == summary["nodeCount"]


@pytest.mark.parametrize("writer", ["apache", "swzk"], ids=["apache-to-swzk", "swzk-to-apache"])
def test_gzip_snapshots_move_between_servers(zk_start, writer, tmp_path):
    """snapshot.compression.method=gz: the writer's snapshot.<zxid>.gz files load in the other
    server (readers choose the codec by the file suffix), and SnapshotFormatter and
    snapshot-dump agree on them."""
    settings = {**SETTINGS, "snapshot.compression.method": "gz"}
    server = zk_start(writer, settings, f"gz-writer-{writer}")
    conn = workload.run(server.port, bulk=60)
    workload.tail(conn)
    before = treedump.dump(server.port)
    conn.close()
    server.stop()
    data = tmp_path / "data"
    zkservers.copy_data_dir(server.data_dir, data)
    snaps = D.snapshot_files(data)
    assert len(snaps) >= 2 and all(p.name.endswith(".gz") for p in snaps), [p.name for p in snaps]
    assert _snapshot_compare(snaps[-1]) is None, _snapshot_compare(snaps[-1])

    reader = zk_start(OTHER[writer], SETTINGS, f"gz-reader-{writer}", data_from=data)
    problems = treedump.diff(before, treedump.dump(reader.port))
    assert not problems, problems
    if reader.kind == "apache":
        assert "zk_digest_mismatches_count\t0" in reader.word("mntr")
    reader.stop()
