"""`swzk purge` against Apache's PurgeTxnLog, and the server's autopurge.

Data directories come from a server run with a small snapCount (many snapshots and logs), from
swzk and from Apache. Each purge runs on one copy while PurgeTxnLog runs on an identical copy:
the same files must remain, the dry run must plan exactly that and change nothing, N < 3 is
refused, and a server started on the purged directory serves the tree it had.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import diskformat as D
import rawzk as R
import treedump
import zkservers

SETTINGS = {**treedump.SETTINGS, "snapCount": "20"}


def _write(port: int, count: int = 120) -> None:
    c = treedump.connect(port)
    assert c.call(R.OP_CREATE, R.create_body("/p", b""))[1].err == 0
    for i in range(count):
        assert c.call(R.OP_CREATE, R.create_body(f"/p/n{i:03d}", str(i).encode()))[1].err == 0
        if i % 4 == 0:
            assert c.call(R.OP_SET_DATA, R.set_data_body("/p", str(i).encode()))[1].err == 0
    c.close_session()
    c.close()


@pytest.fixture(scope="module")
def written(zk_start, tmp_path_factory):
    """{kind: (pristine data directory with many snapshots and logs, its dump)}."""
    out = {}
    for kind in ("swzk", "apache"):
        server = zk_start(kind, SETTINGS, f"purge-{kind}")
        _write(server.port)
        before = treedump.dump(server.port)
        server.stop()
        copy = tmp_path_factory.mktemp(f"purge-src-{kind}") / "data"
        zkservers.copy_data_dir(server.data_dir, copy)
        assert len(D.snapshot_files(copy)) >= 6, [p.name for p in D.snapshot_files(copy)]
        out[kind] = (copy, before)
    return out


def _names(data_dir: Path) -> set[str]:
    return {p.name for p in D.version2(data_dir).iterdir()}


def _listed(output: str, prefix: str) -> set[str]:
    """File names on the lines starting with `prefix` (`Removing file:`, `Would remove:`)."""
    return {Path(line.rsplit("\t", 1)[1]).name for line in output.splitlines() if line.startswith(prefix)}


CASES = [("swzk", 3, None), ("swzk", 5, None), ("apache", 3, None), ("swzk", 3, "truncated-newest")]


@pytest.mark.parametrize("writer,count,damage", CASES,
                         ids=[f"{w}-n{n}" + (f"-{d}" if d else "") for w, n, d in CASES])
def test_purge_matches_apache_purgetxnlog(zk_start, written, writer, count, damage, tmp_path):
    source, before = written[writer]
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    zkservers.copy_data_dir(source, ours)
    if damage == "truncated-newest":
        # An unfinished newest snapshot: not valid, so neither tool counts it, and neither deletes it.
        newest = D.snapshot_files(ours)[-1]
        data = newest.read_bytes()
        newest.write_bytes(data[:len(data) // 2])
    zkservers.copy_data_dir(ours, theirs)
    all_files = _names(ours)

    dry = D.swzk("purge", ours, "-n", count, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert _names(ours) == all_files, "--dry-run removed files"
    planned = _listed(dry.stdout, "Would remove:")

    apache = D.apache_tool("purge", theirs, "-n", count)
    assert apache.returncode == 0, apache.stdout + apache.stderr
    res = D.swzk("purge", ours, "-n", count)
    assert res.returncode == 0, res.stderr
    assert _names(ours) == _names(theirs), \
        f"swzk kept {sorted(_names(ours))}, PurgeTxnLog kept {sorted(_names(theirs))}"
    removed = all_files - _names(ours)
    assert planned == removed, f"dry run planned {sorted(planned)}, purge removed {sorted(removed)}"
    assert _listed(res.stdout, "Removing file:") == removed == _listed(apache.stdout, "Removing file:")

    valid = [p for p in D.snapshot_files(ours) if D.snapshot_looks_complete(p)]
    assert len(valid) == count
    if damage is None and count == 3:
        server = zk_start("swzk", SETTINGS, f"after-purge-{writer}", data_from=ours)
        problems = treedump.diff(before, treedump.dump(server.port))
        assert not problems, problems
        server.stop()


@pytest.mark.parametrize("count", [2, 0])
def test_purge_refuses_fewer_than_three(written, count, tmp_path):
    data = tmp_path / "data"
    zkservers.copy_data_dir(written["swzk"][0], data)
    files = _names(data)
    for extra in ([], ["--dry-run"]):
        res = D.swzk("purge", data, "-n", count, *extra)
        assert res.returncode != 0
        assert "3" in res.stderr
        assert _names(data) == files


def _wait_for_snapshots(server, count: int) -> None:
    end = time.monotonic() + 30
    while len(D.snapshot_files(server.data_dir)) != count:
        assert time.monotonic() < end, f"autopurge left {[p.name for p in D.snapshot_files(server.data_dir)]}"
        time.sleep(0.1)


@pytest.mark.parametrize("retain", [3, 4])
def test_autopurge_keeps_the_newest_snapshots(zk_start, retain):
    settings = {**SETTINGS, "autopurge.purgeInterval": "1s", "autopurge.snapRetainCount": str(retain)}
    server = zk_start("swzk", settings, f"autopurge-{retain}")
    _write(server.port)
    before = treedump.dump(server.port)
    # Purges run every second; once writes stop, the directory comes down to `retain` snapshots.
    _wait_for_snapshots(server, retain)
    assert "Removing file:" in server.log.read_text()
    server.stop()
    # A restart writes one more snapshot and purges at once; with no writes after it, no new
    # snapshot can be under way, so what autopurge keeps must be final.
    server = zk_start.restart(server)
    _wait_for_snapshots(server, retain)
    problems = treedump.diff(before, treedump.dump(server.port))
    assert not problems, problems
    server.stop()
    newest = D.snapshot_files(server.data_dir)[-1]
    assert D.file_zxid(newest.name, "snapshot") >= max(s["mzxid"] for _, s, _ in before.values())
    # Nothing left for a purge with the same count to remove: the newest snapshots and the logs
    # they need are exactly what autopurge kept.
    dry = D.swzk("purge", server.data_dir, "-n", retain, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert not _listed(dry.stdout, "Would remove:"), dry.stdout
