"""Hostile and broken clients: the server closes the bad connection and keeps serving everyone else.

Every assertion here was first checked against Apache ZooKeeper 3.8.0 (the "apache" parameter
runs them there too), then applies unchanged to swzk.  After each test the server must still
answer `ruok`, `srvr` (with a Mode line) and a real create/get from kazoo.
"""

from __future__ import annotations

import itertools
import socket
import struct
import time

import pytest
from kazoo.client import KazooClient

import rawzk as R
import scenario
import zkservers

CLOSE_DEADLINE_S = 10.0
_names = itertools.count()


@pytest.fixture(scope="module", params=["apache", "swzk"])
def server(request, zk_start) -> zkservers.ZKServer:
    return zk_start(request.param, scenario.SETTINGS, "badinput")


def assert_healthy(server: zkservers.ZKServer) -> None:
    assert server.word("ruok") == "imok"
    assert any(line.startswith("Mode: ") for line in server.word("srvr").splitlines())
    path = f"/healthy-{next(_names)}"
    zk = KazooClient(hosts=server.hostport, timeout=10.0)
    zk.start(timeout=15)
    try:   # the *_async forms bound every wait: a server that stops answering fails, not hangs
        zk.create_async(path, b"still here").get(timeout=15)
        data, stat = zk.get_async(path).get(timeout=15)
        assert data == b"still here" and stat.version == 0
        zk.delete_async(path).get(timeout=15)
    finally:
        zk.stop()
        zk.close()


def connect_raw(server) -> socket.socket:
    s = socket.create_connection((zkservers.HOST, server.port), timeout=CLOSE_DEADLINE_S)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_until_closed(s: socket.socket) -> tuple[bool, bytes]:
    """(closed by the server within the deadline, every byte it sent before that)."""
    got = b""
    end = time.monotonic() + CLOSE_DEADLINE_S
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return False, got
        except (ConnectionResetError, BrokenPipeError):
            return True, got
        if not chunk:
            return True, got
        got += chunk
    return False, got


GARBAGE_BEFORE_HANDSHAKE = {
    "http-request": b"GET / HTTP/1.1\r\nHost: zk\r\n\r\n",
    "random-bytes": bytes((i * 167 + 13) % 256 for i in range(300)),
    "oversized-length-0x100000": struct.pack(">i", 0x100000),
    "negative-length": struct.pack(">i", -1),
    "negative-length-small": struct.pack(">i", -100),
    "zero-length": struct.pack(">i", 0),
    "short-connect-request": struct.pack(">i", 5) + b"hello",
    "connect-request-of-noise": struct.pack(">i", 45) + bytes(range(45)),
}


@pytest.mark.parametrize("name", GARBAGE_BEFORE_HANDSHAKE)
def test_garbage_before_handshake_is_closed_silently(server, name):
    with connect_raw(server) as s:
        s.sendall(GARBAGE_BEFORE_HANDSHAKE[name])
        closed, got = read_until_closed(s)
    assert closed, f"{name}: connection still open after {CLOSE_DEADLINE_S}s"
    assert got == b"", f"{name}: server answered {got.hex()}"
    assert_healthy(server)


def test_truncated_frame_then_close(server):
    """Length says 100, 10 bytes follow, the client goes away: nothing breaks."""
    for _ in range(20):
        with connect_raw(server) as s:
            s.sendall(struct.pack(">i", 100) + b"0123456789")
    # Same after a handshake: a request frame cut short.
    with R.RawZK(zkservers.HOST, server.port) as c:
        c.connect()
        c.send_raw(struct.pack(">i", 100) + b"\0\0\0\x01\0\0\0\x04")
    assert_healthy(server)


def test_truncated_frame_waits_for_the_rest(server):
    """A partial frame is not answered (nor closed) while the rest may still come."""
    with R.RawZK(zkservers.HOST, server.port) as c:
        c.connect()
        body = R.i32(1) + R.i32(R.OP_EXISTS) + R.path_watch_body("/")
        frame = R.i32(len(body)) + body
        c.send_raw(frame[:7])
        assert c.no_more_frames(1.0)
        c.send_raw(frame[7:])
        f = c.read()
        assert (f.xid, f.err) == (1, 0)
    assert_healthy(server)


def test_oversized_frame_after_handshake_closes(server):
    with R.RawZK(zkservers.HOST, server.port) as c:
        c.connect()
        c.send_raw(struct.pack(">i", 0x100000))
        assert c.wait_closed(CLOSE_DEADLINE_S)
    assert_healthy(server)


def test_frame_shorter_than_request_header_closes(server):
    with R.RawZK(zkservers.HOST, server.port) as c:
        c.connect()
        c.send_frame(b"\0\0")
        assert c.wait_closed(CLOSE_DEADLINE_S)
    assert_healthy(server)


def test_unknown_opcode_gets_unimplemented_then_close(server):
    with R.RawZK(zkservers.HOST, server.port) as c:
        c.connect()
        xid = c.send(99)
        raw = c.recv_frame()
        assert raw == R.i32(xid) + R.i64(-1) + R.i32(-6), raw.hex()
        assert c.wait_closed(CLOSE_DEADLINE_S)
    assert_healthy(server)


@pytest.mark.parametrize("op", [R.OP_GET_DATA, R.OP_CREATE])
def test_undecodable_body_is_marshalling_error(server, op):
    """A request whose body cannot be decoded gets err -5, no body; the connection stays usable."""
    with R.RawZK(zkservers.HOST, server.port) as c:
        c.connect()
        _, f = c.call(op, R.i32(1000) + b"/abc")
        assert (f.err, len(f.raw)) == (-5, 16)
        _, f = c.call(R.OP_EXISTS, R.path_watch_body("/"))
        assert f.err == 0
        c.close_session()
    assert_healthy(server)


def test_session_keeps_working_while_others_send_garbage(server):
    with R.RawZK(zkservers.HOST, server.port) as good:
        good.connect(timeout_ms=40000)
        path = f"/steady-{next(_names)}"
        _, f = good.call(R.OP_CREATE, R.create_body(path, b"0"))
        assert f.err == 0
        payloads = list(GARBAGE_BEFORE_HANDSHAKE.values())
        for i in range(60):
            with connect_raw(server) as bad:
                bad.sendall(payloads[i % len(payloads)])
            with R.RawZK(zkservers.HOST, server.port) as half:   # handshake, then junk
                half.connect()
                half.send_raw(struct.pack(">i", 0x7FFFFFFF) + b"junk")
            _, f = good.call(R.OP_SET_DATA, R.set_data_body(path, b"%d" % (i + 1), i))
            assert f.err == 0, f"setData #{i} failed with {f.err}"
        _, f = good.call(R.OP_GET_DATA, R.path_watch_body(path))
        assert f.err == 0 and f.body.buffer() == b"60"
        _, f = good.call(R.OP_DELETE, R.path_version_body(path))
        assert f.err == 0
        good.close_session()
    assert_healthy(server)


def test_ten_thousand_connections_opened_and_dropped(server):
    """10,000 connections in batches of 50; most reset (no TIME_WAIT pile-up), some closed cleanly."""
    deadline = time.monotonic() + 180
    total, batch = 10_000, 50
    reset = struct.pack("ii", 1, 0)   # SO_LINGER on, 0 s: close() sends RST
    for start in range(0, total, batch):
        assert time.monotonic() < deadline, f"only {start} connections within the time bound"
        socks = [connect_raw(server) for _ in range(batch)]
        for i, s in enumerate(socks):
            if (start + i) % 10:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, reset)
            s.close()
    assert_healthy(server)
