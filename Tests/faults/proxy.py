"""A userspace TCP fault proxy for ensembles on 127.0.0.1 (asyncio, standard library only).

Every server-to-server connection of an ensemble under test crosses a `Link`. There is one
`Link` per *directed* pair (i, j): it listens on two ports of its own, one forwarding to j's
real quorum port and one to j's real election port, and server i's zoo.cfg names server j at
those two proxy ports (server i's own `server.i` line keeps its real ports, which it binds).
So a connection that server i dials to server j always crosses link i->j, and the link's
direction names are relative to the dialler: "a_to_b" is what the dialler i sends, "b_to_a"
is what j answers.

Who dials what, in ZooKeeper's protocols:
  * election (QuorumCnxManager): one connection per pair; when the lower sid dials, the higher
    sid drops it and dials back, so the surviving election connection between i and j is
    normally on link max(i,j)->min(i,j) (a lower sid's dial may live briefly on the other link);
  * broadcast: each learner dials the leader's quorum port, so learner i talks to leader j over
    link i->j only.
Either way, all of i's traffic with j crosses link i->j or link j->i, and blocking both
directions of both links cuts the pair completely (`Network.isolate`, `Network.partition`).

A one-way cut "a -> b" (a's bytes never reach b, b's bytes still reach a) maps onto TCP like
this: a TCP connection carries both directions, so the cut must hold back the bytes flowing
from a to b on *every* connection between them, whoever dialled: on link a->b that is the
dialler's direction ("a_to_b"), on link b->a the answerer's ("b_to_a"). b's bytes keep flowing
on both. Consequences worth knowing when reading results: the dialler still sees its connect()
succeed (the proxy accepts locally and dials the target at once), so a new connection across a
cut looks established but is silent one way, exactly as an established connection does when
the cut starts; and because TCP is reliable, a one-way cut of an established connection in a
real network ends either with the bytes delivered late (short cut: retransmission) or with
the connection torn down by a timeout, never with bytes lost in the middle of the stream.

Blocking therefore *holds* bytes by default: the proxy stops reading in the blocked direction,
the kernel buffers fill and the sender's writes back up (a blackhole; the connection stays
open, no FIN, no RST). `unblock()` releases what was held, in order, like TCP retransmission
after a healed partition; an application that gave up meanwhile has closed its socket, and the
late bytes then meet a closed peer and the connection dies. `block(..., mode="drop")` instead
reads and discards (the stream is then corrupt after healing: only for tests of garbage
handling). `reset()` aborts every current connection of the link with an RST on both sides,
possibly in the middle of a message. `delay(ms)` delays every chunk by ms in both directions
(ordering kept; throughput is not limited).

All controls are thread-safe: the proxy runs its own event loop on a background thread, and
each control call returns once the loop has applied it.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

HOST = "127.0.0.1"
DIRECTIONS = ("both", "a_to_b", "b_to_a")


# --------------------------------------------------------------------------------------------
# Ports


def _ephemeral_low() -> int:
    try:
        return int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
            return True
        except OSError:
            return False


def pick_ports(n: int, rng: random.Random | None = None) -> list[int]:
    """`n` distinct free ports on 127.0.0.1 below the kernel's ephemeral range (so no outgoing
    connection can take one as its source port before its owner binds it), from a random start."""
    rng = rng or random.Random()
    low, high = 10_000, _ephemeral_low() - 1
    start = rng.randrange(low, high)
    found: list[int] = []
    for offset in range(high - low):
        port = low + (start - low + offset) % (high - low)
        if _bindable(port):
            found.append(port)
            if len(found) == n:
                return found
    raise RuntimeError(f"no {n} free ports on {HOST}")


# --------------------------------------------------------------------------------------------
# The event loop thread


class ProxyLoop:
    """One asyncio loop on a daemon thread; `call(coro_fn, ...)` runs a coroutine on it and waits."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="fault-proxy", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def call(self, fn, *args, timeout: float = 10.0):
        async def wrapper():
            return await fn(*args)
        return asyncio.run_coroutine_threadsafe(wrapper(), self.loop).result(timeout)

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        if not self.thread.is_alive():
            self.loop.close()


# --------------------------------------------------------------------------------------------
# One link


class _Gate:
    """Whether one direction flows; waiters park on an asyncio.Event while it is blocked."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.open.set()
        self.drop = False

    def block(self, drop: bool) -> None:
        self.drop = drop
        self.open.clear()

    def unblock(self) -> None:
        self.drop = False
        self.open.set()


def _abort_with_rst(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()


@dataclass
class _Conn:
    id: int
    route: str
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    tasks: list = field(default_factory=list)


class Link:
    """The proxy for one directed pair a->b: a listener per route (name -> (listen port, target
    port)); connections accepted there are forwarded to the target on 127.0.0.1.

    Stand-alone use (tests): `Link(a, b, {"echo": (0, echo_port)}).start()` gets its own loop;
    `link.ports["echo"]` is then the port it listens on."""

    _ids = itertools.count(1)

    def __init__(self, a: int | str, b: int | str, routes: dict[str, tuple[int, int]],
                 loop: ProxyLoop | None = None) -> None:
        self.a, self.b = a, b
        self.routes = dict(routes)
        self.ports: dict[str, int] = {name: listen for name, (listen, _t) in routes.items()}
        self._own_loop = loop is None
        self._loop = loop
        self._servers: list[asyncio.base_events.Server] = []
        self._conns: dict[int, _Conn] = {}
        self._gates: dict[str, _Gate] = {}
        self._delay = 0.0
        self.blocked: str | None = None          # None, "both", "a_to_b" or "b_to_a" (for reports)
        self.stats = {"accepted": 0, "bytes_a_to_b": 0, "bytes_b_to_a": 0, "connect_failed": 0}

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> "Link":
        if self._loop is None:
            self._loop = ProxyLoop()
        self._loop.call(self._start)
        return self

    async def _start(self) -> None:
        self._gates = {"a_to_b": _Gate(), "b_to_a": _Gate()}
        for name, (listen, target) in self.routes.items():
            server = await asyncio.start_server(
                lambda r, w, name=name, target=target: self._accept(name, target, r, w),
                HOST, listen, reuse_address=True)
            self._servers.append(server)
            self.ports[name] = server.sockets[0].getsockname()[1]

    def close(self) -> None:
        if self._loop is None:
            return
        try:
            self._loop.call(self._close)
        finally:
            if self._own_loop:
                self._loop.close()

    async def _close(self) -> None:
        for server in self._servers:
            server.close()
        self._servers.clear()
        await self._reset()

    # -- controls (thread-safe) ---------------------------------------------------------------

    def block(self, direction: str = "both", mode: str = "hold") -> None:
        """Stop forwarding in `direction` ("both", "a_to_b" = what the dialler a sends, "b_to_a"
        = what b answers). mode "hold" keeps the bytes (released in order by unblock), "drop"
        discards them. Connections stay open either way."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")
        if mode not in ("hold", "drop"):
            raise ValueError(f"mode must be hold or drop, not {mode!r}")
        self._loop.call(self._block, direction, mode == "drop")

    async def _block(self, direction: str, drop: bool) -> None:
        for name in (("a_to_b", "b_to_a") if direction == "both" else (direction,)):
            self._gates[name].block(drop)
        a, b = (self._gates[n].open.is_set() for n in ("a_to_b", "b_to_a"))
        self.blocked = None if a and b else "both" if not a and not b else "a_to_b" if not a else "b_to_a"

    def unblock(self) -> None:
        self._loop.call(self._unblock)

    async def _unblock(self) -> None:
        for gate in self._gates.values():
            gate.unblock()
        self.blocked = None

    def delay(self, ms: float) -> None:
        """Delay every chunk by `ms` milliseconds in both directions (0 to stop delaying)."""
        self._loop.call(self._set_delay, ms / 1000.0)

    async def _set_delay(self, seconds: float) -> None:
        self._delay = max(0.0, seconds)

    def reset(self) -> int:
        """Abort every current connection with an RST on both sides; returns how many."""
        return self._loop.call(self._reset)

    async def _reset(self) -> int:
        conns = list(self._conns.values())
        self._conns.clear()
        for conn in conns:
            for task in conn.tasks:
                task.cancel()
            _abort_with_rst(conn.client)
            if conn.upstream is not None:
                _abort_with_rst(conn.upstream)
        return len(conns)

    def connections(self) -> int:
        return self._loop.call(self._count)

    async def _count(self) -> int:
        return len(self._conns)

    # -- forwarding ---------------------------------------------------------------------------

    async def _accept(self, route: str, target: int, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        conn = _Conn(next(self._ids), route, writer)
        self._conns[conn.id] = conn
        self.stats["accepted"] += 1
        try:
            up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(HOST, target), 5)
        except (OSError, asyncio.TimeoutError):
            # The target is down: the dialler sees its connection refused (reset), as it would directly.
            self.stats["connect_failed"] += 1
            self._conns.pop(conn.id, None)
            _abort_with_rst(writer)
            return
        if conn.id not in self._conns:          # reset while connecting
            _abort_with_rst(up_writer)
            return
        conn.upstream = up_writer
        forward = asyncio.ensure_future(self._pump(conn, reader, up_writer, "a_to_b"))
        backward = asyncio.ensure_future(self._pump(conn, up_reader, writer, "b_to_a"))
        conn.tasks = [forward, backward]
        try:
            await asyncio.gather(forward, backward)
        except asyncio.CancelledError:
            pass
        finally:
            if self._conns.pop(conn.id, None) is not None:
                for w in (writer, up_writer):
                    w.transport.abort()

    async def _pump(self, conn: _Conn, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    direction: str) -> None:
        """Copy one direction. A delayed chunk waits in a queue so reading goes on meanwhile.
        An end of stream is passed on as a FIN, a reset (read error) as an RST."""
        gate = self._gates[direction]
        queue: asyncio.Queue = asyncio.Queue()
        sender = asyncio.ensure_future(self._send(queue, writer, gate, direction))
        try:
            while True:
                if not gate.open.is_set() and not gate.drop:
                    await gate.open.wait()                   # hold: stop reading
                try:
                    data = await reader.read(65536)
                except (ConnectionError, OSError):
                    data = None                              # reset by the peer
                if data and not gate.open.is_set() and gate.drop:
                    continue                                 # drop: read and discard
                await queue.put((time.monotonic() + self._delay, data))
                if not data:
                    break
            await sender
        finally:
            if not sender.done():
                sender.cancel()

    async def _send(self, queue: asyncio.Queue, writer: asyncio.StreamWriter, gate: _Gate,
                    direction: str) -> None:
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not gate.open.is_set():
                if gate.drop:
                    continue
                await gate.open.wait()
            if data is None:
                _abort_with_rst(writer)
                return
            if not data:
                try:
                    writer.write_eof()
                except (OSError, RuntimeError):
                    writer.transport.abort()
                return
            try:
                writer.write(data)
                await writer.drain()
            except (ConnectionError, OSError):
                writer.transport.abort()
                return
            self.stats["bytes_" + direction] += len(data)


# --------------------------------------------------------------------------------------------
# The whole network


class Network:
    """Links for every directed pair of an ensemble, with whole-network faults.

    `real[sid] = (quorum_port, election_port)` are the ports server sid binds. The proxy ports
    are picked at construction (`proxy_ports(i, j)` is what server i's zoo.cfg must name for
    server j) and bound by `start()`."""

    def __init__(self, real: dict[int, tuple[int, int]], ports: list[int] | None = None,
                 rng: random.Random | None = None) -> None:
        self.real = dict(real)
        self.sids = sorted(real)
        pairs = [(i, j) for i in self.sids for j in self.sids if i != j]
        ports = ports or pick_ports(2 * len(pairs), rng)
        if len(ports) < 2 * len(pairs):
            raise ValueError(f"need {2 * len(pairs)} proxy ports, got {len(ports)}")
        self.loop: ProxyLoop | None = None
        self.links: dict[tuple[int, int], Link] = {}
        for n, (i, j) in enumerate(pairs):
            quorum, election = self.real[j]
            self.links[(i, j)] = Link(i, j, {"quorum": (ports[2 * n], quorum),
                                             "election": (ports[2 * n + 1], election)})
        self.started = False

    def proxy_ports(self, i: int, j: int) -> tuple[int, int]:
        """The (quorum, election) ports server i dials to reach server j."""
        link = self.links[(i, j)]
        return link.ports["quorum"], link.ports["election"]

    def start(self) -> "Network":
        if self.started:
            return self
        self.loop = ProxyLoop()
        for link in self.links.values():
            link._loop = link._loop or self.loop
            link._own_loop = False
            link.start()
        self.started = True
        return self

    def close(self) -> None:
        if not self.started:
            return
        for link in self.links.values():
            try:
                link.close()
            except Exception:   # noqa: BLE001 - closing goes on for the others
                pass
        self.loop.close()
        self.started = False

    def link(self, i: int, j: int) -> Link:
        return self.links[(i, j)]

    # -- faults -------------------------------------------------------------------------------

    def _cut_pair(self, i: int, j: int) -> None:
        self.links[(i, j)].block("both")
        self.links[(j, i)].block("both")

    def heal(self) -> None:
        """Unblock every link and stop delaying."""
        for link in self.links.values():
            link.unblock()
            link.delay(0)

    def isolate(self, sid: int) -> None:
        """Cut `sid` off from every other server, both ways (on top of any current faults)."""
        for other in self.sids:
            if other != sid:
                self._cut_pair(sid, other)

    def partition(self, groups: list[list[int]]) -> None:
        """Heal, then cut every pair in different groups (a server named in no group is alone)."""
        self.heal()
        group_of = {sid: n for n, group in enumerate(groups) for sid in group}
        for n, sid in enumerate(self.sids):
            group_of.setdefault(sid, len(groups) + n)
        for i in self.sids:
            for j in self.sids:
                if i < j and group_of[i] != group_of[j]:
                    self._cut_pair(i, j)

    def bridge(self, left: list[int], right: list[int], via: int | None = None) -> None:
        """Heal, then cut every pair between `left` and `right`; `via` (or any server in neither)
        still reaches both sides: e.g. bridge([1, 2], [4, 5], via=3) on five servers."""
        self.heal()
        for i in left:
            for j in right:
                if i != via and j != via:
                    self._cut_pair(i, j)

    def cut_one_way(self, a: int, b: int) -> None:
        """a's bytes no longer reach b; b's still reach a (on top of any current faults): on link
        a->b hold what the dialler a sends, on link b->a hold what the answerer a sends."""
        self.links[(a, b)].block("a_to_b")
        self.links[(b, a)].block("b_to_a")

    def delay(self, ms: float, sids: list[int] | None = None) -> None:
        """Delay every link touching one of `sids` (all links when None)."""
        for (i, j), link in self.links.items():
            if sids is None or i in sids or j in sids:
                link.delay(ms)

    def reset(self, sid: int | None = None) -> int:
        """Abort (RST) every proxied connection touching `sid` (all when None)."""
        return sum(link.reset() for (i, j), link in self.links.items() if sid is None or sid in (i, j))

    def describe(self) -> str:
        cut = [f"{i}->{j}:{link.blocked}" for (i, j), link in sorted(self.links.items()) if link.blocked]
        return "healed" if not cut else " ".join(cut)
