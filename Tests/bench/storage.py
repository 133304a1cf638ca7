#!/usr/bin/env python3
"""Measurements of durable storage, swzk beside Apache ZooKeeper 3.8. Prints tables; asserts nothing.

replay  N create txns of 100 bytes are written (pipelined) into a fresh server with a snapCount
        so large that no snapshot is taken, the server is stopped, and then started again on the
        same directory: start-up must replay all N txns from the log. Reported: the load time the
        server logs itself, and the wall time from launching the process until a real request
        (connect + exists) succeeds, both as txns/s.
pause   Z znodes are loaded, then one closed-loop client does small setData requests (one in
        flight) for D seconds, twice: on a server whose snapCount means no snapshot is taken, and
        on one with a small snapCount, so snapshots of the whole tree are written back to back
        while the writes go on. Reported: latency percentiles and the maximum, and the snapshots
        written meanwhile.

Run through storage.sh, which picks the binary and the Python environment.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interop"))

import rawzk as R  # noqa: E402
import zkservers  # noqa: E402

NO_SNAPSHOTS = "100000000"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def connect(port: int, timeout: float = 60.0) -> R.RawZK:
    c = R.RawZK("127.0.0.1", port, io_timeout=timeout)
    c.connect(timeout_ms=30000)
    return c


FANOUT = 1000


def node_path(parent: str, i: int, layout: str) -> str:
    """The i-th node: all under `parent` (flat), or spread over FANOUT intermediate nodes."""
    if layout == "flat":
        return f"{parent}/n{i:08d}"
    return f"{parent}/p{i % FANOUT:04d}/n{i:08d}"


def load(port: int, count: int, parent: str, value: bytes, layout: str = "flat", window: int = 2000) -> float:
    """Create parent and `count` nodes below it, pipelined; returns the seconds it took."""
    c = connect(port)
    _, f = c.call(R.OP_CREATE, R.create_body(parent, b""))
    assert f.err == 0, f.err
    if layout == "spread":
        for k in range(FANOUT):
            _, f = c.call(R.OP_CREATE, R.create_body(f"{parent}/p{k:04d}", b""))
            assert f.err == 0, f.err
    start = time.monotonic()
    inflight: deque = deque()
    sent = done = 0
    while done < count:
        while sent < count and len(inflight) < window:
            inflight.append(c.send(R.OP_CREATE, R.create_body(node_path(parent, sent, layout), value)))
            sent += 1
        f = c.read()
        assert f.xid == inflight.popleft() and f.err == 0, (f.xid, f.err)
        done += 1
        if done % 100000 == 0:
            log(f"  {done} created")
    took = time.monotonic() - start
    c.close_session()
    c.close()
    return took


def first_request(port: int, path: str, proc_alive, deadline_s: float = 1800) -> float:
    """Poll until connect + exists(path) succeeds; returns time.monotonic() at success."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            c = R.RawZK("127.0.0.1", port, io_timeout=5)
            try:
                if c.connect(timeout_ms=30000).timeout > 0:
                    _, f = c.call(R.OP_EXISTS, R.path_watch_body(path))
                    if f.err == 0:
                        return time.monotonic()
            finally:
                c.close()
        except (OSError, R.ConnectionClosed, ValueError):
            pass
        if not proc_alive():
            raise RuntimeError("the server exited while starting")
        time.sleep(0.01)
    raise RuntimeError("the server did not serve in time")


# ---------------------------------------------------------------- servers

class Server:
    """One server kind on one directory that can be stopped and started again, timing the start."""

    def __init__(self, kind: str, workdir: Path, settings: dict[str, str]):
        self.kind = kind
        self.workdir = workdir
        self.zk = zkservers.start(kind, workdir, settings)
        self.port = self.zk.port

    def stop(self) -> None:
        self.zk.stop()

    def restart(self, settings: dict[str, str], probe: str) -> tuple[float, str]:
        """Start again on the same data; returns (seconds until `probe` can be read, new log text)."""
        if self.kind == "swzk":
            d = self.zk.dir
            cfg = d / "zoo.cfg"
            cfg.write_text("\n".join(zkservers.config_lines(self.zk.data_dir, self.port, settings)) + "\n")
            n = len(list(d.glob("server*.log")))
            log_path = d / f"server.{n}.log"
            t0 = time.monotonic()
            with open(log_path, "wb") as out:
                proc = subprocess.Popen([str(zkservers.swzk_bin()), "server", "-c", str(cfg)], cwd=d,
                                        stdin=subprocess.DEVNULL, stdout=out, stderr=out)
            t1 = first_request(self.port, probe, lambda: proc.poll() is None)
            self.zk = zkservers.ZKServer("swzk", d, self.port, settings, log_path, proc=proc, pid=proc.pid)
            return t1 - t0, log_path.read_text()
        # Apache: rewrite zoo.cfg with the new settings, then apache-zk.sh start on the same DIR.
        d = self.zk.dir
        cfg = d / "zk1" / "zoo.cfg"
        cfg.write_text("\n".join(zkservers.config_lines(self.zk.data_dir, self.port, settings)) + "\n")
        log_path = d / "zk1" / "server.log"
        offset = log_path.stat().st_size if log_path.exists() else 0
        t0 = time.monotonic()
        starter = subprocess.Popen(["bash", str(zkservers.apache_zk_sh()), "start", str(d), "--port", str(self.port)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=zkservers.tool_env())
        t1 = first_request(self.port, probe, lambda: True)
        out, _ = starter.communicate(timeout=600)
        pid = int(out.decode().split()[-1]) if out.strip() else None
        self.zk = zkservers.ZKServer("apache", d, self.port, settings, log_path, pid=pid)
        return t1 - t0, log_path.read_text()[offset:]


def server_load_ms(kind: str, text: str) -> tuple[float | None, str]:
    """The load time the server logs itself, and the line it came from."""
    if kind == "swzk":
        m = re.search(r"loaded .* and (\d+) txns up to zxid \S+ in (\d+) ms", text)
        return (float(m.group(2)), m.group(0)) if m else (None, "")
    # FileTxnSnapLog: "<n> txns loaded in <ms> ms"; ZKDatabase: "Snapshot loaded in <ms> ms, ..."
    m = re.search(r"Snapshot loaded in (\d+) ms", text)
    t = re.search(r"(\d+) txns loaded in (\d+) ms", text)
    line = " / ".join(x.group(0) for x in (t, m) if x)
    return (float(m.group(1)) if m else None), line


# ---------------------------------------------------------------- measurements

def replay(kind: str, workdir: Path, txns: int) -> dict:
    log(f"[replay] {kind}: writing {txns} creates of 100 B")
    server = Server(kind, workdir / f"replay-{kind}", {"snapCount": NO_SNAPSHOTS})
    try:
        wrote = load(server.port, txns, "/r", b"v" * 100)
        server.stop()
        log(f"[replay] {kind}: restarting")
        wall, text = server.restart({"snapCount": NO_SNAPSHOTS}, f"/r/n{txns - 1:08d}")
        load_ms, line = server_load_ms(kind, text)
        return {"kind": kind, "txns": txns, "write_s": wrote, "wall_s": wall, "load_ms": load_ms, "line": line}
    finally:
        server.stop()


def closed_loop(port: int, seconds: float, layout: str, keys: int = 1000) -> list[float]:
    """setData of 16 bytes, one request in flight; per-request latency in seconds."""
    c = connect(port)
    lat = []
    value = b"s" * 16
    paths = [node_path("/z", i, layout) for i in range(keys)]
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        t = time.perf_counter()
        _, f = c.call(R.OP_SET_DATA, R.set_data_body(paths[i % keys], value))
        lat.append(time.perf_counter() - t)
        assert f.err == 0, f.err
        i += 1
    c.close_session()
    c.close()
    return lat


def snapshot_lines(kind: str, text: str) -> list[str]:
    if kind == "swzk":
        return re.findall(r"snapshot \S+ written in \d+ ms", text)
    return re.findall(r"Snapshot taken in \d+ ms", text)


def pause(kind: str, workdir: Path, znodes: int, seconds: float, snap_count: int, layout: str) -> list[dict]:
    log(f"[pause] {kind}: loading {znodes} znodes ({layout})")
    server = Server(kind, workdir / f"pause-{kind}-{layout}", {"snapCount": NO_SNAPSHOTS})
    rows = []
    try:
        load(server.port, znodes, "/z", b"d" * 16, layout)
        for label, snaps in (("no snapshot", NO_SNAPSHOTS), (f"snapshots (snapCount={snap_count})", str(snap_count))):
            server.stop()
            log(f"[pause] {kind}: restart for '{label}'")
            wall, _ = server.restart({"snapCount": snaps}, node_path("/z", znodes - 1, layout))
            log_before = server.zk.log.read_text()
            log(f"[pause] {kind}: {seconds:.0f} s closed loop ({label}), started in {wall:.1f} s")
            lat = closed_loop(server.port, seconds, layout)
            written = snapshot_lines(kind, server.zk.log.read_text()[len(log_before):])
            lat_ms = sorted(x * 1000 for x in lat)
            rows.append({"kind": kind, "case": f"{layout}, {label}", "ops": len(lat), "ops_s": len(lat) / seconds,
                         "p50": lat_ms[len(lat_ms) // 2], "p99": lat_ms[int(len(lat_ms) * 0.99)],
                         "p999": lat_ms[int(len(lat_ms) * 0.999)], "max": lat_ms[-1],
                         "mean": statistics.fmean(lat_ms), "snapshots": written})
        return rows
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--txns", type=int, default=200_000)
    ap.add_argument("--znodes", type=int, default=1_000_000)
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--snap-count", type=int, default=500)
    ap.add_argument("--kinds", default="swzk,apache", help="servers for the replay measurement")
    ap.add_argument("--pause-kinds", default="swzk", help="servers for the pause measurement")
    ap.add_argument("--layouts", default="flat",
                    help="pause tree shapes: flat (every znode under /z) and/or spread "
                         f"(under {FANOUT} children of /z), comma-separated")
    ap.add_argument("--only", choices=["replay", "pause"])
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)

    if args.only in (None, "replay"):
        rows = [replay(k, args.workdir, args.txns) for k in args.kinds.split(",") if k]
        print(f"\nRestart replay of {args.txns} create txns (100 B data), no snapshot but the empty one")
        print(f"{'server':8} {'write s':>8} {'load ms':>9} {'load txns/s':>12} {'start->served s':>16} {'txns/s':>9}")
        for r in rows:
            lt = f"{r['txns'] / (r['load_ms'] / 1000):12,.0f}" if r["load_ms"] else f"{'-':>12}"
            lm = f"{r['load_ms']:9.0f}" if r["load_ms"] is not None else f"{'-':>9}"
            print(f"{r['kind']:8} {r['write_s']:8.1f} {lm} {lt} {r['wall_s']:16.2f} {r['txns'] / r['wall_s']:9,.0f}")
        for r in rows:
            print(f"  {r['kind']} log: {r['line']}")

    if args.only in (None, "pause"):
        rows = []
        for layout in args.layouts.split(","):
            for k in args.pause_kinds.split(","):
                if k:
                    rows += pause(k, args.workdir, args.znodes, args.duration, args.snap_count, layout)
        print(f"\nClosed-loop setData latency (ms) over {args.duration:.0f} s on a tree of {args.znodes} znodes")
        print(f"{'server':8} {'case':36} {'ops/s':>7} {'p50':>7} {'p99':>7} {'p99.9':>7} {'max':>8} {'snapshots':>9}")
        for r in rows:
            print(f"{r['kind']:8} {r['case']:36} {r['ops_s']:7.0f} {r['p50']:7.2f} {r['p99']:7.2f} "
                  f"{r['p999']:7.2f} {r['max']:8.1f} {len(r['snapshots']):9d}")
        for r in rows:
            if r["snapshots"]:
                print(f"  {r['kind']} {r['case']}: {'; '.join(r['snapshots'][:4])}")


if __name__ == "__main__":
    main()
