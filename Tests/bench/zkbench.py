#!/usr/bin/env python3
"""Helpers for compare.sh that are easier in Python than in bash: a free loopback port, a
pipelined bulk loader, a cold-start probe, turning `swzk bench --json` output into result rows,
and the final table of medians and ratios.

Standard library only. The wire format is the ZooKeeper client protocol (Jute, big-endian,
length-prefixed frames); only ConnectRequest, create, getData and closeSession are spoken.

Result rows are tab-separated lines `metric  server  value`, one per measurement; the table
takes the median of each metric per server.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import struct
import subprocess
import sys
import time

OP_CREATE, OP_GET_DATA, OP_CLOSE = 1, 4, -11
OPEN_ACL_UNSAFE = struct.pack(">i", 1) + struct.pack(">i", 31) \
    + struct.pack(">i", 5) + b"world" + struct.pack(">i", 6) + b"anyone"


def ustring(s: str) -> bytes:
    b = s.encode()
    return struct.pack(">i", len(b)) + b


def frame(payload: bytes) -> bytes:
    return struct.pack(">i", len(payload)) + payload


def create_request(xid: int, path: str, data: bytes) -> bytes:
    return frame(struct.pack(">ii", xid, OP_CREATE) + ustring(path)
                 + struct.pack(">i", len(data)) + data + OPEN_ACL_UNSAFE + struct.pack(">i", 0))


class Conn:
    """One blocking client connection with a session; replies are read in order."""

    def __init__(self, port: int, timeout: float = 10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        # protocolVersion, lastZxidSeen, timeOut, sessionId, passwd, readOnly
        self.sock.sendall(frame(struct.pack(">iqiq", 0, 0, 30000, 0) + struct.pack(">i", 16) + b"\0" * 16
                                + b"\0"))
        reply = self.read_frame()
        _proto, timeout_ms, session = struct.unpack_from(">iiq", reply)
        if timeout_ms <= 0 or session == 0:
            raise ConnectionError("server refused the session")

    def read_frame(self) -> bytes:
        while True:
            if len(self.buf) >= 4:
                (n,) = struct.unpack_from(">i", self.buf)
                if len(self.buf) >= 4 + n:
                    out = bytes(self.buf[4:4 + n])
                    del self.buf[:4 + n]
                    return out
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk

    def reply_header(self) -> tuple[int, int]:
        """(xid, err) of the next reply, skipping pings and notifications."""
        while True:
            f = self.read_frame()
            xid, _zxid, err = struct.unpack_from(">iqi", f)
            if xid >= 0:
                return xid, err

    def close(self) -> None:
        try:
            self.sock.sendall(frame(struct.pack(">ii", 0x7FFFFFF0, OP_CLOSE)))
            self.reply_header()
        except OSError:
            pass
        self.sock.close()


def cmd_port(_args) -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def cmd_load(args) -> None:
    """Creates --count znodes of --size bytes under --parent, --depth requests in flight."""
    c = Conn(args.port, timeout=60)
    data = b"x" * args.size
    started = time.monotonic()
    c.sock.sendall(create_request(1, args.parent, b""))
    _, err = c.reply_header()
    if err not in (0, -110):
        sys.exit(f"create {args.parent}: error {err}")
    sent = done = 0
    failures = 0
    while done < args.count:
        batch = bytearray()
        while sent < args.count and sent - done < args.depth:
            batch += create_request(sent + 2, f"{args.parent}/n{sent:08d}", data)
            sent += 1
        if batch:
            c.sock.sendall(batch)
        _, err = c.reply_header()
        done += 1
        failures += err != 0
        # Drain whatever else already arrived before refilling the window.
        while len(c.buf) >= 4 and len(c.buf) >= 4 + struct.unpack_from(">i", c.buf)[0] and done < args.count:
            _, err = c.reply_header()
            done += 1
            failures += err != 0
    elapsed = time.monotonic() - started
    c.close()
    if failures:
        sys.exit(f"load: {failures} of {args.count} creates failed")
    print(f"{elapsed:.3f}")


def boot_seconds() -> float:
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def exec_offset_ms(pid: int, t0_boot: float) -> float | None:
    """How long after t0 the process `pid` was exec'd, from /proc (10 ms resolution)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        start = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return max(0.0, (start - t0_boot) * 1000)
    except (OSError, IndexError, ValueError):
        return None


def serves(port: int) -> bool:
    """True once a session is granted and getData("/") succeeds."""
    try:
        c = Conn(port, timeout=2)
    except (OSError, ConnectionError, struct.error):
        return False
    try:
        c.sock.sendall(frame(struct.pack(">ii", 1, OP_GET_DATA) + ustring("/") + b"\0"))
        _, err = c.reply_header()
        return err == 0
    except (OSError, ConnectionError, struct.error):
        return False
    finally:
        c.close()


def cmd_startup(args) -> None:
    """Execs the command, polls the port until a real request succeeds, prints JSON:
    ms from our exec, exec_ms (when --pid-file names the real server: how much of that was a
    wrapper before the server's own exec), pid, and the command's output when --wait."""
    log = open(args.log, "ab") if args.log else subprocess.DEVNULL
    t0_boot = boot_seconds()
    t0 = time.monotonic()
    proc = subprocess.Popen(args.command, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE if args.wait else log,
                            stderr=log if args.log else subprocess.DEVNULL, close_fds=True)
    ms = None
    while time.monotonic() - t0 < args.timeout:
        if serves(args.port):
            ms = (time.monotonic() - t0) * 1000
            break
        if not args.wait and proc.poll() is not None:
            sys.exit(f"startup: {args.command[0]} exited with status {proc.returncode}")
        time.sleep(0.001)
    out = ""
    if args.wait:
        out = proc.communicate(timeout=args.timeout)[0].decode().strip()
    pid = proc.pid
    if args.pid_file:
        with open(args.pid_file) as f:
            pid = int(f.read().strip())
    if ms is None:
        print(json.dumps({"ms": None, "pid": pid}))
        sys.exit(f"startup: port {args.port} did not serve within {args.timeout} s")
    offset = exec_offset_ms(pid, t0_boot) if args.pid_file else 0.0
    print(json.dumps({"ms": round(ms, 1), "exec_ms": None if offset is None else round(offset, 1),
                      "pid": pid, "out": out}))


def cmd_wait(args) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < args.timeout:
        if serves(args.port):
            return
        time.sleep(0.01)
    sys.exit(f"port {args.port} did not serve within {args.timeout} s")


def emit(results: str, rows: list[tuple[str, str, float]]) -> None:
    with open(results, "a") as f:
        for metric, server, value in rows:
            f.write(f"{metric}\t{server}\t{value:.6g}\n")


def cmd_record_bench(args) -> None:
    """Rows from one `swzk bench --json` throughput run plus the server's CPU ticks over it."""
    with open(args.json) as f:
        r = json.load(f)
    if r.get("errors"):
        print(f"warning: {args.server} {args.workload}: errors {r['errors']}", file=sys.stderr)
    w, s = args.workload, args.server
    rows = [(f"tput.{w}", s, r["ops_per_sec"])]
    completed = 0
    for op, o in r["ops"].items():
        completed += o["count"]
        tag = w if w != "mixed" else f"mixed.{op}"
        rows += [(f"p50.{tag}", s, o["p50_ms"]), (f"p99.{tag}", s, o["p99_ms"])]
    # The server also served the bench's set-up and clean-up: the key-space creates and deletes
    # (get/set/mixed), or one delete per created znode (create). Count them as requests.
    extra = completed if w == "create" else 2 * r["znodes"]
    ops = completed + extra + 4
    cpu_s = args.cpu_ticks / os.sysconf("SC_CLK_TCK")
    rows.append((f"cpu.{w}", s, cpu_s / ops * 1000))
    emit(args.results, rows)


def cmd_record_latency(args) -> None:
    with open(args.json) as f:
        phases = json.load(f)["latency"]
    rows = []
    for op, p in phases.items():
        rows += [(f"idle.{op}.p50", args.server, p["p50_ms"]), (f"idle.{op}.avg", args.server, p["avg_ms"])]
    emit(args.results, rows)


def cmd_record(args) -> None:
    emit(args.results, [(args.metric, args.server, float(args.value))])


# metric, label, unit, target kind, target value. Kinds: "ge" ratio >=, "le" ratio <=, "abs" swzk <=.
TABLE = [
    ("tput.set", "set throughput", "ops/s", "ge", 1.5),
    ("tput.create", "create throughput", "ops/s", "ge", 1.5),
    ("tput.get", "get throughput", "ops/s", "ge", 1.5),
    ("tput.mixed", "mixed 90/10 throughput", "ops/s", "ge", 1.5),
    ("p50.set", "set p50 under load", "ms", None, None),
    ("p99.set", "set p99 under load", "ms", "le", 0.5),
    ("p50.create", "create p50 under load", "ms", None, None),
    ("p99.create", "create p99 under load", "ms", "le", 0.5),
    ("p50.get", "get p50 under load", "ms", None, None),
    ("p99.get", "get p99 under load", "ms", "le", 0.5),
    ("p50.mixed.get", "mixed: get p50", "ms", None, None),
    ("p99.mixed.get", "mixed: get p99", "ms", "le", 0.5),
    ("p50.mixed.set", "mixed: set p50", "ms", None, None),
    ("p99.mixed.set", "mixed: set p99", "ms", "le", 0.5),
    ("cpu.set", "server CPU, set", "s/1000 ops", "le", 1 / 3),
    ("cpu.create", "server CPU, create", "s/1000 ops", "le", 1 / 3),
    ("cpu.get", "server CPU, get", "s/1000 ops", "le", 1 / 3),
    ("cpu.mixed", "server CPU, mixed", "s/1000 ops", "le", 1 / 3),
    ("idle.create.p50", "idle create p50", "ms", "le", 0.5),
    ("idle.set.p50", "idle set p50", "ms", "le", 0.5),
    ("idle.get.p50", "idle get p50", "ms", "le", 0.5),
    ("idle.delete.p50", "idle delete p50", "ms", "le", 0.5),
    ("idle.get.avg", "idle get avg", "ms", "le", 0.5),
    ("rss.fresh", "RSS, fresh empty server", "MiB", None, None),
    ("rss.100k", "RSS after 100k znodes x 100 B", "MiB", "le", 0.25),
    ("rss.100k.restart", "RSS after restart on 100k", "MiB", None, None),
    ("bytes.znode", "RSS growth per znode", "B", None, None),
    ("load.100k", "loading 100k znodes (1 conn)", "s", None, None),
    ("start.empty", "start-up, empty dataDir", "ms", "abs", 50),
    ("start.100k", "start-up, 100k znodes", "ms", None, None),
    ("start.empty.wrapper", "apache-zk.sh before java exec", "ms", None, None),
    ("start.100k.wrapper", "same, restart on 100k", "ms", None, None),
]


def fmt(v: float | None) -> str:
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    if abs(v) >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def cmd_report(args) -> None:
    values: dict[tuple[str, str], list[float]] = {}
    with open(args.results) as f:
        for line in f:
            metric, server, value = line.rstrip("\n").split("\t")
            values.setdefault((metric, server), []).append(float(value))

    def med(metric: str, server: str) -> float | None:
        v = values.get((metric, server))
        return statistics.median(v) if v else None

    def spread(metric: str, server: str) -> str:
        """(max - min) / median of the repetitions, so noisy rows show as noisy."""
        v = values.get((metric, server))
        if not v or len(v) < 2 or statistics.median(v) == 0:
            return "-"
        return f"{100 * (max(v) - min(v)) / abs(statistics.median(v)):.0f}%"

    head = ["metric", "unit", "Apache", "swzk", "swzk/Apache", "target", "met", "n", "spread A/s"]
    rows = []
    for metric, label, unit, kind, target in TABLE:
        a, s = med(metric, "apache"), med(metric, "swzk")
        if a is None and s is None:
            continue
        ratio = s / a if a and s is not None else None
        if kind == "ge":
            tgt, ok = f">= {target:g}x", ratio is not None and ratio >= target
        elif kind == "le":
            tgt, ok = ("<= 1/3x" if abs(target - 1 / 3) < 1e-9 else f"<= {target:g}x"), \
                ratio is not None and ratio <= target
        elif kind == "abs":
            tgt, ok = f"<= {target:g} {unit}", s is not None and s <= target
        else:
            tgt, ok = "", None
        n = max(len(values.get((metric, "apache"), [])), len(values.get((metric, "swzk"), [])))
        rows.append([label, unit, fmt(a), fmt(s), "-" if ratio is None else f"{ratio:.2f}x", tgt,
                     "" if ok is None else ("yes" if ok else "NO"), str(n),
                     f"{spread(metric, 'apache')}/{spread(metric, 'swzk')}"])
        if metric == "idle.get.avg":
            # The machine's floor (floor.c), under both columns: no server answers below it.
            for fm, label in (("floor.read", "floor: bare loopback round trip"),
                              ("floor.write", "floor: + 1100 B pwrite, fdatasync")):
                m = med(fm, "machine")
                if m is not None:
                    rows.append([label, "ms", fmt(m), fmt(m), "", "", "",
                                 str(len(values[(fm, "machine")])), spread(fm, "machine")])
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    lines = [" | ".join(c.ljust(widths[i]) if i < 2 else c.rjust(widths[i]) for i, c in enumerate(r))
             for r in [head] + rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    print("\n".join(lines))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("port", help="print a free loopback port").set_defaults(fn=cmd_port)

    q = sub.add_parser("load", help="create COUNT znodes of SIZE bytes, pipelined")
    q.add_argument("--port", type=int, required=True)
    q.add_argument("--count", type=int, default=100_000)
    q.add_argument("--size", type=int, default=100)
    q.add_argument("--depth", type=int, default=1000)
    q.add_argument("--parent", default="/benchcmp-load")
    q.set_defaults(fn=cmd_load)

    q = sub.add_parser("startup", help="exec a server command and time until it serves a getData")
    q.add_argument("--port", type=int, required=True)
    q.add_argument("--log")
    q.add_argument("--wait", action="store_true", help="the command exits by itself; wait and print its output")
    q.add_argument("--pid-file", help="file naming the real server pid (when the command is a wrapper)")
    q.add_argument("--timeout", type=float, default=120)
    q.add_argument("command", nargs=argparse.REMAINDER)
    q.set_defaults(fn=cmd_startup)

    q = sub.add_parser("wait", help="wait until the port serves a getData")
    q.add_argument("--port", type=int, required=True)
    q.add_argument("--timeout", type=float, default=120)
    q.set_defaults(fn=cmd_wait)

    q = sub.add_parser("record-bench")
    for a in ("--results", "--server", "--workload", "--json"):
        q.add_argument(a, required=True)
    q.add_argument("--cpu-ticks", type=int, required=True)
    q.set_defaults(fn=cmd_record_bench)

    q = sub.add_parser("record-latency")
    for a in ("--results", "--server", "--json"):
        q.add_argument(a, required=True)
    q.set_defaults(fn=cmd_record_latency)

    q = sub.add_parser("record")
    for a in ("--results", "--server", "--metric", "--value"):
        q.add_argument(a, required=True)
    q.set_defaults(fn=cmd_record)

    q = sub.add_parser("report", help="median table from a results file")
    q.add_argument("results")
    q.set_defaults(fn=cmd_report)

    args = p.parse_args()
    if getattr(args, "command", None) and args.command[:1] == ["--"]:
        args.command = args.command[1:]
    args.fn(args)


if __name__ == "__main__":
    main()
