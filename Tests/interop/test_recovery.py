"""Start-up recovery from damaged data directories, and a full disk while serving.

Directories are written by swzk's own server and then edited byte by byte, with offsets taken
from diskformat.py (an independent reader of disk-format §3):
- a torn last record (cut at several offsets, or zeroed in place) is cut off at start-up and
  everything before it is served;
- an empty (or header-less) newest log file does not stop the server;
- a corrupt record that is not the last makes the server refuse to start with one line naming
  file and offset, touching nothing; `log-dump --verify` finds it and `log-dump --repair` writes
  a log the server starts from, losing only the records from the bad one on;
- a missing or corrupt newest snapshot: the previous one plus the logs give the same tree;
- ENOSPC on a small tmpfs: one clear log line, no acknowledgement for what is not on disk, reads
  go on, and after freeing space a restart loses nothing acknowledged.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

import diskformat as D
import rawzk as R
import treedump
import zkservers

NODES = 30
SETTINGS = dict(treedump.SETTINGS)


def _value(i: int) -> bytes:
    return f"node {i} ".encode() * (i % 4 + 1)


@pytest.fixture(scope="module")
def single_log(zk_start, tmp_path_factory) -> Path:
    """A pristine data directory: snapshot.0, then one log holding createSession, create /r and
    the creates /r/n00../r/n29 in that order (the session is left open, so a create is last)."""
    server = zk_start("swzk", SETTINGS, "single-log")
    c = treedump.connect(server.port)
    assert c.call(R.OP_CREATE, R.create_body("/r", b""))[1].err == 0
    for i in range(NODES):
        _, f = c.call(R.OP_CREATE, R.create_body(f"/r/n{i:02d}", _value(i)))
        assert f.err == 0
    c.close()
    server.stop()
    copy = tmp_path_factory.mktemp("single-log") / "data"
    zkservers.copy_data_dir(server.data_dir, copy)
    assert len(D.log_files(copy)) == 1 and [p.name for p in D.snapshot_files(copy)] == ["snapshot.0"]
    records = D.read_logs(copy)
    assert len(records) == NODES + 2 and records[-1].path == f"/r/n{NODES - 1:02d}"
    return copy


def _r_children(port: int) -> dict[str, tuple[bytes, int]]:
    """{name: (data, czxid)} of every child of /r."""
    c = treedump.connect(port)
    try:
        _, f = c.call(R.OP_GET_CHILDREN, R.path_watch_body("/r"))
        assert f.err == 0, f.err
        out = {}
        for name in f.body.string_vector():
            _, g = c.call(R.OP_GET_DATA, R.path_watch_body(f"/r/{name}"))
            out[name] = (g.body.buffer(), g.body.stat()["czxid"])
        c.close_session()
        return out
    finally:
        c.close()


def _expect_first(records: list[D.LogRecord], count: int) -> dict[str, tuple[bytes, int]]:
    """What /r must hold when the log's records up to /r/n<count-1> are applied."""
    zxids = {r.path: r.zxid for r in records}
    return {f"n{i:02d}": (_value(i), zxids[f"/r/n{i:02d}"]) for i in range(count)}


def _write_and_restart(zk_start, server, path: str):
    """One more create after recovery, then a clean restart: the recovered directory keeps working."""
    c = treedump.connect(server.port)
    assert c.call(R.OP_CREATE, R.create_body(path, b"later"))[1].err == 0
    c.close_session()
    c.close()
    server.stop()
    again = zk_start.restart(server)
    c = treedump.connect(again.port)
    _, f = c.call(R.OP_EXISTS, R.path_watch_body(path))
    assert f.err == 0, f"{path}, written after recovery, is gone after a restart"
    c.close_session()
    c.close()
    return again


# ---------------------------------------------------------------- torn tail

TORN = {
    # The checksum is a long holding a 32-bit value: its first four bytes are zero, so a file
    # ending there ends in zeros, like the zero fill; reading stops there without a tear.
    "in-checksum-zero-half": lambda r: ("cut", r.offset + 3),
    "in-checksum": lambda r: ("cut", r.offset + 6),
    "after-length": lambda r: ("cut", r.offset + 12),
    "in-payload": lambda r: ("cut", r.payload_offset + 20),
    "no-end-marker": lambda r: ("cut", r.end - 1),
    "zeroed-in-place": lambda r: ("zero", r.payload_offset + 20),
}


@pytest.mark.parametrize("where", list(TORN))
def test_torn_last_record_is_cut_and_the_rest_served(zk_start, single_log, where, tmp_path):
    data = tmp_path / "data"
    zkservers.copy_data_dir(single_log, data)
    log = D.log_files(data)[0]
    records = D.read_log(log)[0]
    last = records[-1]
    how, at = TORN[where](last)
    if how == "cut":
        os.truncate(log, at)
    else:   # the page holding the record's end never reached the disk: zeros from `at` on
        with open(log, "r+b") as f:
            f.seek(at)
            f.write(b"\0" * (last.end - at))
    server = zk_start("swzk", SETTINGS, f"torn-{where}", data_from=data)
    served = _r_children(server.port)
    assert served == _expect_first(records, NODES - 1), f"after a tear {where}, /r is {sorted(served)}"
    cut_log = server.data_dir / "version-2" / log.name
    if where == "in-checksum-zero-half":
        assert cut_log.read_bytes()[last.offset:] in (b"", b"\0\0\0")
    else:
        assert os.path.getsize(cut_log) == last.offset, "the torn record was not cut off the file"
        assert "cut a torn log end" in server.log.read_text()
    server = _write_and_restart(zk_start, server, "/after-tear")
    server.stop()
    res = D.swzk("log-dump", "--verify", server.data_dir)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize("size", [0, 7], ids=["zero-length", "partial-header"])
def test_empty_newest_log_file_does_not_stop_the_server(zk_start, single_log, size, tmp_path):
    data = tmp_path / "data"
    zkservers.copy_data_dir(single_log, data)
    records = D.read_logs(data)
    empty = D.version2(data) / f"log.{records[-1].zxid + 1:x}"
    empty.write_bytes(b"ZKLG\0\0\0\x02"[:size])
    server = zk_start("swzk", SETTINGS, f"empty-log-{size}", data_from=data)
    assert _r_children(server.port) == _expect_first(records, NODES)
    server = _write_and_restart(zk_start, server, "/after-empty-log")
    server.stop()
    res = D.swzk("log-dump", "--verify", server.data_dir)
    assert res.returncode == 0, res.stdout + res.stderr


# ---------------------------------------------------------------- corrupt record in the middle

def test_corrupt_middle_record_refuses_start_and_repair_recovers(zk_start, single_log, tmp_path):
    data = tmp_path / "data"
    zkservers.copy_data_dir(single_log, data)
    log = D.log_files(data)[0]
    records = D.read_log(log)[0]
    bad = records[len(records) // 2]
    assert bad.path and bad is not records[-1]
    D.flip_byte(log, bad.payload_offset + len(bad.payload) - 30)   # inside the record, not its frame
    files_before = {p.name: p.read_bytes() for p in D.version2(data).iterdir()}

    port = zkservers.free_port()
    cfg = tmp_path / "zoo.cfg"
    cfg.write_text("\n".join(zkservers.config_lines(data, port, SETTINGS)) + "\n")
    res = zkservers.swzk_server_exit(cfg)
    assert res is not None, "the server started on a log with a corrupt record in the middle"
    assert res.returncode != 0
    lines = [line for line in (res.stdout + res.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert str(log) in lines[0] and str(bad.offset) in lines[0], lines[0]
    assert "swzk log-dump --repair" in lines[0], lines[0]
    assert {p.name: p.read_bytes() for p in D.version2(data).iterdir()} == files_before, \
        "the refused start changed the data directory"

    verify = D.swzk("log-dump", "--verify", data)
    assert verify.returncode != 0
    assert str(log) in verify.stdout + verify.stderr and str(bad.offset) in verify.stdout + verify.stderr, \
        verify.stdout + verify.stderr

    repaired = tmp_path / "log.repaired"
    res = D.swzk("log-dump", log, "--repair", repaired)
    assert repaired.exists(), res.stdout + res.stderr
    assert [r.zxid for r in D.read_log(repaired)[0]] == [r.zxid for r in records if r.zxid < bad.zxid]
    assert log.read_bytes() == files_before[log.name], "--repair changed its source"
    os.replace(repaired, log)
    assert D.swzk("log-dump", "--verify", data).returncode == 0

    server = zk_start("swzk", SETTINGS, "repaired", data_from=data)
    kept = int(bad.path.rsplit("n", 1)[1])
    assert _r_children(server.port) == _expect_first(records, kept)


# ---------------------------------------------------------------- snapshots

@pytest.fixture(scope="module")
def snapshotted(zk_start, tmp_path_factory) -> tuple[Path, dict]:
    """A data directory with several snapshots (snapCount=20) and every log, and its dump."""
    server = zk_start("swzk", {**SETTINGS, "snapCount": "20"}, "snapshotted")
    c = treedump.connect(server.port)
    assert c.call(R.OP_CREATE, R.create_body("/s", b""))[1].err == 0
    for i in range(90):
        _, f = c.call(R.OP_CREATE, R.create_body(f"/s/n{i:02d}", _value(i)))
        assert f.err == 0
        if i % 3 == 0:
            assert c.call(R.OP_SET_DATA, R.set_data_body("/s", str(i).encode()))[1].err == 0
        if i % 7 == 0:
            assert c.call(R.OP_DELETE, R.path_version_body(f"/s/n{i:02d}"))[1].err == 0
    c.close_session()
    c.close()
    before = treedump.dump(server.port)
    server.stop()
    copy = tmp_path_factory.mktemp("snapshotted") / "data"
    zkservers.copy_data_dir(server.data_dir, copy)
    snaps = D.snapshot_files(copy)
    assert len(snaps) >= 4, [p.name for p in snaps]
    assert all(D.snapshot_looks_complete(p) for p in snaps)
    return copy, before


def _start_and_compare(zk_start, data: Path, before: dict, name: str):
    server = zk_start("swzk", SETTINGS, name, data_from=data)
    problems = treedump.diff(before, treedump.dump(server.port))
    assert not problems, problems
    return server


def test_missing_newest_snapshot_falls_back_to_the_previous(zk_start, snapshotted, tmp_path):
    source, before = snapshotted
    data = tmp_path / "data"
    zkservers.copy_data_dir(source, data)
    snaps = D.snapshot_files(data)
    snaps[-1].unlink()
    server = _start_and_compare(zk_start, data, before, "no-newest-snapshot")
    assert f"loaded {server.data_dir / 'version-2' / snaps[-2].name} and" in server.log.read_text()


def test_corrupt_newest_snapshot_falls_back_to_the_previous(zk_start, snapshotted, tmp_path):
    source, before = snapshotted
    data = tmp_path / "data"
    zkservers.copy_data_dir(source, data)
    snaps = D.snapshot_files(data)
    D.flip_byte(snaps[-1], snaps[-1].stat().st_size // 2)
    assert D.snapshot_looks_complete(snaps[-1])   # only the checksum can tell
    server = _start_and_compare(zk_start, data, before, "corrupt-newest-snapshot")
    log = server.log.read_text()
    assert "snapshot passed over" in log and snaps[-1].name in log, log
    assert f"loaded {server.data_dir / 'version-2' / snaps[-2].name} and" in log


# ---------------------------------------------------------------- a full disk

ENOSPC_SIZE = "3m"
FILLER_BYTES = 1 << 20
VALUE_BYTES = 32 << 10
NO_REPLY_S = 3.0


def _mount_tmpfs(where: Path) -> None:
    where.mkdir(parents=True)
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={ENOSPC_SIZE}", "tmpfs", str(where)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs for the full-disk test: {res.stderr.strip() or res.returncode}")


def _no_success_within(c: R.RawZK, xid: int, seconds: float) -> bool:
    """True unless a successful reply to `xid` arrives within `seconds` (an error reply counts
    as no success)."""
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return True
        c.sock.settimeout(left)
        try:
            f = c.read()
        except (TimeoutError, OSError, R.ConnectionClosed):
            return True
        finally:
            c.sock.settimeout(c.io_timeout)
        if f.xid == xid:
            return f.err != 0


def test_full_disk_stops_acknowledging_and_loses_nothing(zk_start, tmp_path):
    mnt = tmp_path / "mnt"
    _mount_tmpfs(mnt)
    server = None
    try:
        filler = mnt / "filler"
        filler.write_bytes(b"\xa5" * FILLER_BYTES)
        (mnt / "data").mkdir()
        server = zk_start.on(mnt / "data", SETTINGS, "enospc")
        reader = treedump.connect(server.port)
        writer = treedump.connect(server.port)
        bystander = treedump.connect(server.port)
        keys = [f"/k{i}" for i in range(5)]
        for k in keys:
            assert writer.call(R.OP_CREATE, R.create_body(k, b"0"))[1].err == 0
        acked: dict[str, int] = {k: 0 for k in keys}
        sent: dict[str, set[int]] = {k: {0} for k in keys}
        failed_at = None
        for n in range(1, 400):   # overwrite the same five nodes: the log grows, the tree does not
            k = keys[n % 5]
            xid = writer.send(R.OP_SET_DATA, R.set_data_body(k, f"{n}:".encode() + b"v" * VALUE_BYTES))
            sent[k].add(n)
            if _no_success_within(writer, xid, NO_REPLY_S):
                failed_at = n
                break
            acked[k] = n
        assert failed_at is not None, "the disk never filled up"
        assert failed_at > 10, f"only {failed_at} writes fit: the test wrote too little before the disk filled"

        assert server.proc.poll() is None, "the server died when the disk filled up"
        lines = [line for line in server.log.read_text().splitlines() if "transaction log write failed" in line]
        assert len(lines) == 1, lines
        assert "No space left on device" in lines[0], lines[0]
        # Reads go on, on a session that has no write waiting.
        _, f = reader.call(R.OP_GET_DATA, R.path_watch_body(keys[0]))
        assert f.err == 0 and f.body.buffer().startswith(f"{acked[keys[0]]}:".encode())
        _, f = reader.call(R.OP_GET_CHILDREN, R.path_watch_body("/"))
        assert f.err == 0 and {k[1:] for k in keys} <= set(f.body.string_vector())
        assert server.word("ruok") == "imok"
        # Another session's write is not acknowledged either.
        xid = bystander.send(R.OP_CREATE, R.create_body("/never-acked", b""))
        assert _no_success_within(bystander, xid, NO_REPLY_S)
        assert server.proc.poll() is None
        for c in (reader, writer, bystander):
            c.close()

        filler.unlink()
        server.stop()
        assert server.proc.returncode == 0, f"the server did not stop cleanly on SIGTERM ({server.proc.returncode})"
        server = zk_start.restart(server)
        c = treedump.connect(server.port)
        for k in keys:
            _, f = c.call(R.OP_GET_DATA, R.path_watch_body(k))
            assert f.err == 0, (k, f.err)
            n = int(f.body.buffer().split(b":", 1)[0])
            assert n >= acked[k] and n in sent[k], f"{k}: holds write {n}, acknowledged {acked[k]}"
        assert c.call(R.OP_CREATE, R.create_body("/after-enospc", b""))[1].err == 0
        c.close_session()
        c.close()
        server.stop()
        res = D.swzk("log-dump", "--verify", mnt / "data")
        assert res.returncode == 0, res.stdout + res.stderr
        res = D.swzk("snapshot-dump", "--summary-only", mnt / "data")
        assert res.returncode == 0, res.stdout + res.stderr
    finally:
        if server is not None:
            server.stop()
        subprocess.run(["umount", str(mnt)], check=False)


# ---------------------------------------------------------------- fuzzy snapshots and digests

def _snapshot_summary(path: Path) -> dict:
    import json
    res = D.swzk("snapshot-dump", "--json", "--summary-only", path)
    assert res.returncode == 0, res.stdout + res.stderr
    return json.loads(res.stdout)


def test_replay_over_a_fuzzy_snapshot_reports_no_digest_mismatch(zk_start, tmp_path):
    """A snapshot written while writes go on holds some changes newer than its name; its digest
    section records the zxid serialization ended at. Replaying the txns in between finds trees
    that differ from the digests the log recorded, and that is expected: ZooKeeper compares no
    txn digest until replay passes the snapshot's digest zxid (`DataTree.compareDigest` returns
    early while `digestFromLoadedSnapshot` is set). Only a real divergence is worth a warning."""
    server = zk_start("swzk", {**SETTINGS, "snapCount": "1500"}, "fuzzy")
    c = treedump.connect(server.port)
    reqs = [(R.OP_CREATE, R.create_body("/f", b""))]
    reqs += [(R.OP_CREATE, R.create_body(f"/f/n{i:05d}", b"z" * (i % 100))) for i in range(4000)]
    assert all(f.err == 0 for f in treedump.pipeline(c, reqs))
    c.close_session()
    c.close()
    before = treedump.dump(server.port)
    server.stop()
    data = tmp_path / "data"
    zkservers.copy_data_dir(server.data_dir, data)
    fuzzy = None
    for snap in reversed(D.snapshot_files(data)):
        digest = _snapshot_summary(snap)["digest"]
        if digest and int(digest["zxid"], 16) > D.file_zxid(snap.name, "snapshot"):
            fuzzy = snap
            break
        snap.unlink()   # newer, not fuzzy: leave the fuzzy one the newest
    assert fuzzy is not None, "no snapshot was written while writes went on"
    assert D.read_logs(data)[-1].zxid > int(_snapshot_summary(fuzzy)["digest"]["zxid"], 16)

    # Apache ZooKeeper on the same files: the same tree, and no mismatch counted.
    apache = zk_start("apache", SETTINGS, "fuzzy-apache", data_from=data)
    problems = treedump.diff(before, treedump.dump(apache.port))
    assert not problems, problems
    assert "zk_digest_mismatches_count\t0" in apache.word("mntr"), apache.word("mntr")
    apache.stop()

    ours = zk_start("swzk", SETTINGS, "fuzzy-restart", data_from=data)
    problems = treedump.diff(before, treedump.dump(ours.port))
    assert not problems, problems
    ours.stop()
    log = ours.log.read_text()
    assert f"loaded {ours.data_dir / 'version-2' / fuzzy.name} and" in log
    mismatches = [line for line in log.splitlines() if "digest differs" in line]
    assert not mismatches, f"{len(mismatches)} digest warnings replaying over {fuzzy.name} " \
                           f"(digest zxid {_snapshot_summary(fuzzy)['digest']['zxid']}), first: {mismatches[0]}"
