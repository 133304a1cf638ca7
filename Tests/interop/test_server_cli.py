"""`swzk server` as an operator meets it: signals, bad configurations, the ensemble refusal."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

import zkservers


def _start(tmp_path: Path, name: str) -> zkservers.ZKServer:
    return zkservers.start_swzk(tmp_path / name, {})


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_the_server_cleanly(tmp_path, sig):
    server = _start(tmp_path, sig.name)
    try:
        assert server.word("ruok") == "imok"
        server.proc.send_signal(sig)
        assert server.proc.wait(zkservers.STOP_DEADLINE_S) == 0
        assert "shutting down" in server.log_tail()
    finally:
        server.stop()


@pytest.mark.parametrize("threads", ["0", "2"])
def test_io_threads_setting_serves_reads_writes_and_watches(tmp_path, threads):
    """Connections on the core's loop (0, the default) and on I/O threads of their own (2)."""
    from kazoo.client import KazooClient
    server = zkservers.start_swzk(tmp_path / f"io{threads}", {"swzk.ioThreads": threads})
    clients = [KazooClient(hosts=f"127.0.0.1:{server.port}", timeout=10.0) for _ in range(3)]
    try:
        assert "unknown key" not in server.log_tail()
        for c in clients:
            c.start(timeout=15)
        a, b, c = clients
        events = []
        b.get("/", watch=lambda e: None)
        b.exists("/w", watch=events.append)
        a.create("/w", b"x")
        for i in range(200):
            a.create(f"/w/n{i}", str(i).encode())
        assert sorted(c.get_children("/w"), key=lambda n: int(n[1:])) == [f"n{i}" for i in range(200)]
        assert c.get("/w/n199")[0] == b"199"
        deadline = time.monotonic() + 10
        while not events and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [(e.type, e.path) for e in events] == [("CREATED", "/w")]
    finally:
        for c in clients:
            c.stop()
            c.close()
        server.stop()


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(zkservers.swzk_bin()), *args], capture_output=True, text=True,
                          timeout=30, cwd=tmp_path)


@pytest.mark.parametrize("lines,line_no,key", [
    (["tickTime=abc", "dataDir=/tmp/x", "clientPort=2181"], 1, "tickTime"),
    (["tickTime=2000", "dataDir=/tmp/x", "clientPort=99999"], 3, "clientPort"),
    (["tickTime=2000", "dataDir=/tmp/x", "clientPort=2181", "maxClientCnxns=-5"], 4, "maxClientCnxns"),
    (["tickTime=2000", "dataDir=/tmp/x", "clientPort=2181", "swzk.ioThreads=-1"], 4, "swzk.ioThreads"),
])
def test_bad_value_is_one_line_naming_file_line_and_key(tmp_path, lines, line_no, key):
    cfg = tmp_path / "zoo.cfg"
    cfg.write_text("\n".join(lines) + "\n")
    res = _run(["server", "-c", str(cfg)], tmp_path)
    assert res.returncode == 2
    errors = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, res.stderr
    assert f"{cfg}:{line_no}: {key}:" in errors[0]


def test_an_ensemble_member_needs_its_myid_and_an_unknown_key_is_a_warning(tmp_path):
    cfg = tmp_path / "zoo.cfg"
    data = tmp_path / "data"
    data.mkdir()
    ports = [zkservers.free_port() for _ in range(5)]
    cfg.write_text(f"tickTime=2000\ndataDir={data}\nclientPort={ports[0]}\nclientPortAddress=127.0.0.1\n"
                   f"noSuchKey=1\ninitLimit=10\nsyncLimit=5\n"
                   f"server.1=127.0.0.1:{ports[1]}:{ports[2]}\nserver.2=127.0.0.1:{ports[3]}:{ports[4]}\n")
    # Without myid: one line naming the file, exit 2, nothing started.
    res = _run(["server", "-c", str(cfg)], tmp_path)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{data}/myid: missing" in lines[0], res.stderr
    # With it, the member starts and looks for a leader; the unknown key is only a warning.
    (data / "myid").write_text("1\n")
    proc = subprocess.Popen([str(zkservers.swzk_bin()), "server", "-c", str(cfg)], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True, cwd=tmp_path)
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any("New election" in line for line in seen):
            line = proc.stderr.readline()
            if not line:
                break
            seen.append(line)
        assert any(f"{cfg}:5: noSuchKey: unknown key" in line for line in seen), "".join(seen)
        assert any("New election. My id = 1" in line for line in seen), "".join(seen)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_missing_config_file(tmp_path):
    res = _run(["server", "-c", str(tmp_path / "nope.cfg")], tmp_path)
    assert res.returncode == 2
    assert str(tmp_path / "nope.cfg") in res.stderr


def test_unknown_flag_is_a_usage_error(tmp_path):
    res = _run(["server", "--no-such-flag"], tmp_path)
    assert res.returncode != 0
    assert "--no-such-flag" in res.stderr


@pytest.mark.parametrize("argv, names", [
    (["bench", "--sessions", "abc"], "--sessions"),
    (["cluster-local", "3", "--observers", "abc"], "--observers"),
    (["server", "--bogus"], "--bogus"),
    (["log-dump"], "<file-or-dir>"),
    (["client", "--timeout", "soon"], "--timeout"),
    (["no-such-command"], "no-such-command"),
])
def test_a_bad_flag_is_one_line_naming_it_and_exit_2(tmp_path, argv, names):
    res = _run(argv, tmp_path)
    assert res.returncode == 2, res
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and names in lines[0], res.stderr
    assert res.stdout == ""
