"""The fault proxy on its own, and the CI subset of the fault matrix on a 3-node swzk ensemble.

Proxy tests run a tiny echo server behind a `Link`. Row tests run rows.run_row (kill -9
leader, isolate leader, pause leader, kill all) on a proxied `swzk cluster-local 3` with
tickTime 200 and assert: no acknowledged write lost, the final write commits, every member
ends with the same tree, and the history holds ok writes. Every process is reaped by the
row itself (Cluster.close in a finally), and each test checks that no pid it saw survives.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import pid_alive, swzk_bin   # noqa: E402
from proxy import Link, Network, pick_ports   # noqa: E402
import rows   # noqa: E402


# --------------------------------------------------------------------------------------------
# The proxy


@pytest.fixture
def echo_port():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    stop = threading.Event()

    def serve(conn):
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                conn.sendall(data)

    def accept():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield srv.getsockname()[1]
    stop.set()
    srv.close()


@pytest.fixture
def link(echo_port):
    link = Link("a", "b", {"echo": (0, echo_port)}).start()
    yield link
    link.close()


def dial(link) -> socket.socket:
    return socket.create_connection(("127.0.0.1", link.ports["echo"]), timeout=2)


def recv_exactly(s: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            break
        out += chunk
    return out


def test_link_passes_bytes_both_ways(link):
    with dial(link) as s:
        payload = bytes(range(256)) * 1000
        s.sendall(payload)
        assert recv_exactly(s, len(payload)) == payload
    assert link.stats["bytes_a_to_b"] >= len(payload) and link.stats["bytes_b_to_a"] >= len(payload)


@pytest.mark.parametrize("direction", ["a_to_b", "b_to_a", "both"])
def test_block_holds_bytes_until_unblock(link, direction):
    with dial(link) as s:
        s.sendall(b"before")
        assert recv_exactly(s, 6) == b"before"
        link.block(direction)
        s.sendall(b"held")
        s.settimeout(0.5)
        with pytest.raises(socket.timeout):
            s.recv(10)
        assert link.connections() == 1            # blackhole: the connection stays open
        link.unblock()
        s.settimeout(2)
        assert recv_exactly(s, 4) == b"held"      # released in order


def test_block_one_direction_lets_the_other_through(echo_port):
    """b_to_a blocked: what a sends still reaches b (seen at a second, non-echoing target)."""
    got = []
    sink = socket.socket()
    sink.bind(("127.0.0.1", 0))
    sink.listen()

    def read():
        conn, _ = sink.accept()
        with conn:
            conn.sendall(b"from-b")
            got.append(recv_exactly(conn, 6))

    t = threading.Thread(target=read, daemon=True)
    t.start()
    link = Link(1, 2, {"q": (0, sink.getsockname()[1])}).start()
    try:
        link.block("b_to_a")
        with socket.create_connection(("127.0.0.1", link.ports["q"]), timeout=2) as s:
            s.sendall(b"from-a")
            t.join(3)
            assert got == [b"from-a"]
            s.settimeout(0.5)
            with pytest.raises(socket.timeout):
                s.recv(10)
            link.unblock()
            s.settimeout(2)
            assert recv_exactly(s, 6) == b"from-b"
    finally:
        link.close()
        sink.close()


def test_delay(link):
    with dial(link) as s:
        s.sendall(b"x")
        assert recv_exactly(s, 1) == b"x"
        link.delay(200)
        start = time.monotonic()
        s.sendall(b"y")
        assert recv_exactly(s, 1) == b"y"
        elapsed = time.monotonic() - start
        assert 0.35 < elapsed < 2.0                # 200 ms each way
        link.delay(0)
        start = time.monotonic()
        s.sendall(b"z")
        assert recv_exactly(s, 1) == b"z"
        assert time.monotonic() - start < 0.2


def test_reset_aborts_connections_with_rst(link):
    with dial(link) as s:
        s.sendall(b"a")
        assert recv_exactly(s, 1) == b"a"
        link.block("b_to_a")
        s.sendall(b"half a message")
        time.sleep(0.1)
        assert link.reset() == 1
        s.settimeout(2)
        with pytest.raises(ConnectionResetError):
            s.recv(10)
        assert link.connections() == 0
    link.unblock()
    with dial(link) as s:                           # the listener still accepts
        s.sendall(b"again")
        assert recv_exactly(s, 5) == b"again"


def test_network_faults_map_onto_links():
    real = {sid: tuple(pick_ports(2)) for sid in (1, 2, 3)}
    net = Network(real).start()
    try:
        assert net.proxy_ports(1, 2) != net.proxy_ports(3, 2)
        net.isolate(1)
        assert {k for k, l in net.links.items() if l.blocked} == {(1, 2), (2, 1), (1, 3), (3, 1)}
        net.heal()
        net.cut_one_way(1, 2)
        assert net.link(1, 2).blocked == "a_to_b" and net.link(2, 1).blocked == "b_to_a"
        assert net.link(1, 3).blocked is None
        net.partition([[1], [2, 3]])
        assert not net.link(1, 2).blocked or net.link(1, 2).blocked == "both"
        assert net.link(2, 3).blocked is None and net.link(1, 2).blocked == "both"
        net.heal()
        assert net.describe() == "healed"
    finally:
        net.close()


# --------------------------------------------------------------------------------------------
# Rows on a real ensemble


@pytest.mark.skipif(not swzk_bin().exists(), reason="no swzk binary (set SWZK_BIN)")
@pytest.mark.parametrize("row", ["kill_leader", "isolate_leader", "pause_leader", "kill_all"])
def test_fault_row(row, tmp_path, monkeypatch):
    seen: list = []
    original = rows.Cluster.close

    def close_and_remember(self):
        seen.append(set(self.all_pids) | ({self.proc.pid} if self.proc else set()))
        original(self)
    monkeypatch.setattr(rows.Cluster, "close", close_and_remember)

    result = rows.run_row(row, "swzk", 3, seed=7, duration=3.0, out=tmp_path)
    assert result.error is None, result.error
    assert result.lost == 0
    assert result.violations == "0", f"checker: {result.violations} (see {tmp_path}/swzk-3-{row}/check.txt)"
    assert result.final_write
    assert result.converged
    assert result.ops > 100
    history = [json.loads(l) for l in (tmp_path / f"swzk-3-{row}" / "history.jsonl").read_text().splitlines()]
    ok_writes = [op for op in history if op["op"] in ("write", "cas") and op["outcome"] == "ok"]
    assert len(ok_writes) > 20
    assert any(op["arg"]["value"] == "final" for op in ok_writes)
    assert result.recover_s is not None and result.recover_s < 20
    assert seen and not [p for p in seen[0] if pid_alive(p)], "processes left behind"
