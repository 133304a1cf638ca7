"""A minimal ZooKeeper client that speaks Jute over a plain socket.

The interop suite needs to see what kazoo hides: the zxid in every ReplyHeader, the exact
order of notification frames relative to replies, and opcodes kazoo does not implement
(createContainer, createTTL, multiRead, setWatches, addWatch, checkWatches, removeWatches,
getEphemerals, getAllChildrenNumber, whoAmI).  This module builds and parses every frame
itself; it does nothing clever, so that a mismatch is never the client's fault.

Wire facts used here are in shared/spec/jute.md and client-protocol.md.
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass, field

# Opcodes (client-protocol.md §3.2).
OP_CREATE = 1
OP_DELETE = 2
OP_EXISTS = 3
OP_GET_DATA = 4
OP_SET_DATA = 5
OP_GET_ACL = 6
OP_SET_ACL = 7
OP_GET_CHILDREN = 8
OP_SYNC = 9
OP_PING = 11
OP_GET_CHILDREN2 = 12
OP_CHECK = 13
OP_MULTI = 14
OP_CREATE2 = 15
OP_CHECK_WATCHES = 17
OP_REMOVE_WATCHES = 18
OP_CREATE_CONTAINER = 19
OP_CREATE_TTL = 21
OP_MULTI_READ = 22
OP_AUTH = 100
OP_SET_WATCHES = 101
OP_GET_EPHEMERALS = 103
OP_GET_ALL_CHILDREN_NUMBER = 104
OP_SET_WATCHES2 = 105
OP_ADD_WATCH = 106
OP_WHO_AM_I = 107
OP_CLOSE = -11

XID_NOTIFICATION = -1
XID_PING = -2
XID_AUTH = -4

PERM_READ, PERM_WRITE, PERM_CREATE, PERM_DELETE, PERM_ADMIN = 1, 2, 4, 8, 16
PERM_ALL = 31

EVENT_NAMES = {1: "NodeCreated", 2: "NodeDeleted", 3: "NodeDataChanged", 4: "NodeChildrenChanged"}

STAT_FIELDS = ("czxid", "mzxid", "ctime", "mtime", "version", "cversion", "aversion",
               "ephemeralOwner", "dataLength", "numChildren", "pzxid")
_STAT = struct.Struct(">qqqqiiiqiiq")


# ---------------------------------------------------------------- encoding

def i32(v: int) -> bytes:
    return struct.pack(">i", v)


def i64(v: int) -> bytes:
    return struct.pack(">q", v)


def boolean(v: bool) -> bytes:
    return b"\x01" if v else b"\x00"


def buffer(b: bytes | None) -> bytes:
    return i32(-1) if b is None else i32(len(b)) + b


def ustring(s: str | None) -> bytes:
    return i32(-1) if s is None else buffer(s.encode("utf-8"))


def string_vector(items: list[str] | None) -> bytes:
    if items is None:
        return i32(-1)
    return i32(len(items)) + b"".join(ustring(s) for s in items)


def acl_list(acls: list[tuple[int, str, str]] | None) -> bytes:
    """Encode `[(perms, scheme, id), ...]`; None is the Jute null vector."""
    if acls is None:
        return i32(-1)
    return i32(len(acls)) + b"".join(i32(p) + ustring(s) + ustring(i) for p, s, i in acls)


OPEN_ACL = [(PERM_ALL, "world", "anyone")]


def create_body(path: str, data: bytes | None = b"", acl=None, flags: int = 0) -> bytes:
    return ustring(path) + buffer(data) + acl_list(OPEN_ACL if acl is None else acl) + i32(flags)


def create_ttl_body(path: str, data: bytes | None, flags: int, ttl: int, acl=None) -> bytes:
    return create_body(path, data, acl, flags) + i64(ttl)


def path_watch_body(path: str, watch: bool = False) -> bytes:
    return ustring(path) + boolean(watch)


def set_data_body(path: str, data: bytes | None, version: int = -1) -> bytes:
    return ustring(path) + buffer(data) + i32(version)


def path_version_body(path: str, version: int = -1) -> bytes:
    return ustring(path) + i32(version)


def set_acl_body(path: str, acl, version: int = -1) -> bytes:
    return ustring(path) + acl_list(acl) + i32(version)


def path_type_body(path: str, kind: int) -> bytes:
    return ustring(path) + i32(kind)


def multi_body(ops: list[tuple[int, bytes]]) -> bytes:
    """MultiOperationRecord: one MultiHeader{type, done=false, err=-1} per op, then the terminator."""
    out = b"".join(i32(op) + boolean(False) + i32(-1) + body for op, body in ops)
    return out + i32(-1) + boolean(True) + i32(-1)


def set_watches_body(relative_zxid: int, data=(), exist=(), child=(), persistent=None,
                     recursive=None) -> bytes:
    """SetWatches (op 101) or, when persistent lists are given, SetWatches2 (op 105)."""
    out = i64(relative_zxid) + string_vector(list(data)) + string_vector(list(exist)) \
        + string_vector(list(child))
    if persistent is not None or recursive is not None:
        out += string_vector(list(persistent or [])) + string_vector(list(recursive or []))
    return out


def auth_body(scheme: str, auth: bytes) -> bytes:
    return i32(0) + ustring(scheme) + buffer(auth)


# ---------------------------------------------------------------- decoding

class Reader:
    """Sequential Jute decoder over one frame body."""

    def __init__(self, data: bytes, offset: int = 0):
        self.data = data
        self.offset = offset

    def take(self, n: int) -> bytes:
        if n < 0 or self.offset + n > len(self.data):
            raise EOFError(f"need {n} bytes at {self.offset}, frame has {len(self.data)}")
        out = self.data[self.offset:self.offset + n]
        self.offset += n
        return out

    def remaining(self) -> int:
        return len(self.data) - self.offset

    def i32(self) -> int:
        return struct.unpack(">i", self.take(4))[0]

    def i64(self) -> int:
        return struct.unpack(">q", self.take(8))[0]

    def boolean(self) -> bool:
        return self.take(1) != b"\x00"

    def buffer(self) -> bytes | None:
        n = self.i32()
        return None if n < 0 else self.take(n)

    def ustring(self) -> str | None:
        b = self.buffer()
        return None if b is None else b.decode("utf-8")

    def string_vector(self) -> list[str] | None:
        n = self.i32()
        return None if n < 0 else [self.ustring() for _ in range(n)]

    def stat(self) -> dict:
        return dict(zip(STAT_FIELDS, _STAT.unpack(self.take(_STAT.size))))

    def acl_list(self) -> list[tuple[int, str, str]] | None:
        n = self.i32()
        if n < 0:
            return None
        return [(self.i32(), self.ustring(), self.ustring()) for _ in range(n)]

    def watcher_event(self) -> dict:
        kind, state, path = self.i32(), self.i32(), self.ustring()
        return {"type": kind, "state": state, "path": path}

    def multi_results(self, op_layouts: dict | None = None) -> list[dict]:
        """MultiResponse: results until a header with done=true (jute.md §4.3)."""
        results = []
        while True:
            kind, done, err = self.i32(), self.boolean(), self.i32()
            if done:
                return results
            item = {"type": kind, "err": err}
            if kind == -1:
                item["error"] = self.i32()
            elif kind == OP_CREATE:
                item["path"] = self.ustring()
            elif kind in (OP_CREATE2, OP_CREATE_CONTAINER, OP_CREATE_TTL):
                item["path"] = self.ustring()
                item["stat"] = self.stat()
            elif kind == OP_SET_DATA:
                item["stat"] = self.stat()
            elif kind == OP_GET_DATA:
                item["data"] = self.buffer()
                item["stat"] = self.stat()
            elif kind == OP_GET_CHILDREN:
                item["children"] = self.string_vector()
            elif kind in (OP_DELETE, OP_CHECK):
                pass
            else:
                raise ValueError(f"unexpected multi result type {kind}")
            results.append(item)


@dataclass
class Frame:
    """One server frame after the handshake: ReplyHeader plus the undecoded rest."""
    xid: int
    zxid: int
    err: int
    body: Reader
    raw: bytes

    @property
    def is_event(self) -> bool:
        return self.xid == XID_NOTIFICATION

    def event(self) -> dict:
        return Reader(self.raw, 16).watcher_event()


@dataclass
class ConnectResponse:
    protocol_version: int
    timeout: int
    session_id: int
    passwd: bytes
    read_only: bool | None
    raw: bytes


class ConnectionClosed(Exception):
    """The server closed the connection (EOF or reset)."""


class EventTimeout(TimeoutError):
    """Fewer notifications than expected arrived before the deadline; `events` has those that did."""

    def __init__(self, events: list, wanted: int):
        super().__init__(f"got {len(events)} of {wanted} events: {events}")
        self.events = events


@dataclass
class RawZK:
    """One TCP connection to a ZooKeeper server, driven one frame at a time."""
    host: str
    port: int
    io_timeout: float = 10.0
    sock: socket.socket = field(init=False)
    next_xid: int = field(init=False, default=0)
    session_id: int = field(init=False, default=0)
    passwd: bytes = field(init=False, default=b"\0" * 16)
    last_zxid: int = field(init=False, default=0)
    # Notifications read while waiting for some reply, in arrival order.
    events: list = field(init=False, default_factory=list)

    def __post_init__(self):
        self.sock = socket.create_connection((self.host, self.port), timeout=self.io_timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # -- framing

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_frame(self, payload: bytes) -> None:
        self.sock.sendall(i32(len(payload)) + payload)

    def _recv_exact(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            try:
                chunk = self.sock.recv(n - len(out))
            except (ConnectionResetError, BrokenPipeError) as e:
                raise ConnectionClosed(str(e)) from e
            if not chunk:
                raise ConnectionClosed(f"EOF after {len(out)} of {n} bytes")
            out += chunk
        return bytes(out)

    def recv_frame(self) -> bytes:
        (n,) = struct.unpack(">i", self._recv_exact(4))
        if n < 0 or n > 0xFFFFF:
            raise ValueError(f"server sent frame length {n}")
        return self._recv_exact(n)

    def read(self) -> Frame:
        raw = self.recv_frame()
        r = Reader(raw)
        frame = Frame(r.i32(), r.i64(), r.i32(), r, raw)
        if frame.xid not in (XID_NOTIFICATION, XID_PING) and frame.zxid > 0:
            self.last_zxid = max(self.last_zxid, frame.zxid)
        return frame

    # -- handshake

    def connect(self, session_id: int = 0, passwd: bytes | None = None, timeout_ms: int = 30000,
                last_zxid: int | None = None, read_only: bool | None = False) -> ConnectResponse:
        """Send a ConnectRequest (read_only=None omits the trailing byte) and read the response."""
        body = i32(0) + i64(self.last_zxid if last_zxid is None else last_zxid) + i32(timeout_ms) \
            + i64(session_id) + buffer(passwd if passwd is not None else b"\0" * 16)
        if read_only is not None:
            body += boolean(read_only)
        self.send_frame(body)
        raw = self.recv_frame()
        r = Reader(raw)
        resp = ConnectResponse(r.i32(), r.i32(), r.i64(), r.buffer() or b"",
                               r.boolean() if r.remaining() else None, raw)
        if resp.session_id:
            self.session_id, self.passwd = resp.session_id, resp.passwd
        return resp

    # -- requests

    def send(self, op: int, body: bytes = b"", xid: int | None = None) -> int:
        if xid is None:
            self.next_xid += 1
            xid = self.next_xid
        self.send_frame(i32(xid) + i32(op) + body)
        return xid

    def call(self, op: int, body: bytes = b"", xid: int | None = None) -> tuple[list[dict], Frame]:
        """Send one request; return (notifications that arrived before its reply, the reply)."""
        xid = self.send(op, body, xid)
        before = []
        while True:
            f = self.read()
            if f.is_event:
                ev = f.event()
                before.append(ev)
                self.events.append(ev)
                continue
            if f.xid != xid:
                raise ValueError(f"reply xid {f.xid} while waiting for {xid}")
            return before, f

    def read_events(self, count: int, deadline_s: float = 10.0) -> list[dict]:
        """Read exactly `count` more notification frames (fails on any other frame)."""
        out = []
        end = time.monotonic() + deadline_s
        while len(out) < count:
            left = end - time.monotonic()
            if left <= 0:
                raise EventTimeout(out, count)
            self.sock.settimeout(left)
            try:
                f = self.read()
            except socket.timeout:
                raise EventTimeout(out, count) from None
            finally:
                self.sock.settimeout(self.io_timeout)
            if not f.is_event:
                raise ValueError(f"expected a notification, got xid {f.xid}")
            ev = f.event()
            self.events.append(ev)
            out.append(ev)
        return out

    def no_more_frames(self, wait_s: float = 0.3) -> bool:
        """True when nothing arrives within `wait_s` (used to prove an event did NOT fire)."""
        self.sock.settimeout(wait_s)
        try:
            data = self.sock.recv(1, socket.MSG_PEEK)
            return False if data else True
        except socket.timeout:
            return True
        finally:
            self.sock.settimeout(self.io_timeout)

    def auth(self, scheme: str, credential: bytes) -> Frame:
        _, f = self.call(OP_AUTH, auth_body(scheme, credential), xid=XID_AUTH)
        return f

    def close_session(self) -> Frame:
        _, f = self.call(OP_CLOSE)
        return f

    def wait_closed(self, deadline_s: float = 5.0) -> bool:
        """True when the server closes the connection within the deadline (data is discarded)."""
        end = time.monotonic() + deadline_s
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                if not self.sock.recv(65536):
                    return True
            except (ConnectionResetError, BrokenPipeError):
                return True
            except socket.timeout:
                return False
            except OSError:
                return True

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
