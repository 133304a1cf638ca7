"""An ensemble on 127.0.0.1 whose peer traffic crosses the fault proxy (proxy.py).

`Cluster(root, n, target="swzk"|"apache")` lays out root/nI/{zoo.cfg,data/myid} for n voters:
client ports are real, and server i's zoo.cfg names every other server j at the two proxy
ports of link i->j (its own server.i line keeps its real quorum and election ports).

target "swzk": `$SWZK_BIN cluster-local N --dir ROOT --json` is started as a child with stdin a
pipe; it finds the zoo.cfg and myid files and runs them as they are. Faults on processes go
through its console (kill, stop, start, pause, resume).

  cluster-local takes each member's own quorum and election ports from that member's own
  zoo.cfg (the others' files name it at proxy ports), so the proxy can listen before anything
  starts.

target "apache": the same files run by Apache ZooKeeper 3.8 (Debian's jars), each member a
direct child `java ... QuorumPeerMain root/nI/zoo.cfg` started the way
/work/shared/tools/apache-zk.sh starts one (its own DIR/zkN layout does not fit, so this file
builds the command itself); pause/resume are SIGSTOP/SIGCONT to the pid.

Every process is ended by its pid only; `close()` reaps everything this object started.

`final_states()` returns {sid: {"mode": str|None, "zxid": int|None, "nodes": {path: {"value":
str|None, "version": int, "czxid": int, "mzxid": int, "ephemeralOwner": int}}}} with paths
under /zookeeper left out and a member that cannot be read given "nodes": None.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from proxy import Network, pick_ports

HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[2]
JAVA_DIR = Path("/usr/share/java")
APACHE_JARS = ["zookeeper", "zookeeper-jute", "slf4j-api", "slf4j-simple", "commons-cli", "commons-io",
               "metrics-core", "snappy-java", "jackson-annotations", "jackson-core", "jackson-databind",
               "netty-buffer", "netty-common", "netty-handler", "netty-transport",
               "netty-transport-native-epoll", "netty-transport-native-unix-common", "netty-codec",
               "netty-resolver"]

logging.getLogger("kazoo").setLevel(logging.CRITICAL)


def swzk_bin() -> Path:
    p = Path(os.environ.get("SWZK_BIN", ".build/debug/swzk"))
    return p if p.is_absolute() else REPO_ROOT / p


def wait_for(predicate, deadline_s: float, what: str, interval: float = 0.05):
    """Poll `predicate` until truthy (returned) or raise TimeoutError after `deadline_s`."""
    end = time.monotonic() + deadline_s
    last: Exception | None = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:   # noqa: BLE001 - servers come and go while we poll
            last = e
        if time.monotonic() >= end:
            raise TimeoutError(f"{what}: not reached within {deadline_s:.1f}s" + (f" (last error: {last!r})" if last else ""))
        time.sleep(interval)


def four_letter(port: int, word: str, timeout: float = 1.0) -> str:
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(word.encode())
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out.decode(errors="replace")
            out += chunk


def pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def pid_runs(pid: int, needle: str) -> bool:
    """True when pid is alive and its command line mentions `needle` (our directory): a pid we
    recorded is only signalled while it is still the process we started."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return pid_alive(pid) and needle in cmdline


@dataclass
class Member:
    sid: int
    client: int
    quorum: int
    election: int
    dir: Path
    pid: int | None = None
    paused: bool = False
    proc: subprocess.Popen | None = None     # apache mode

    @property
    def cfg(self) -> Path:
        return self.dir / "zoo.cfg"

    @property
    def hostport(self) -> str:
        return f"{HOST}:{self.client}"


class Cluster:
    def __init__(self, root: Path, n: int = 3, target: str = "swzk", tick_ms: int = 200,
                 init_limit: int = 10, sync_limit: int = 5, settings: dict[str, str] | None = None,
                 proxied: bool = True) -> None:
        if target not in ("swzk", "apache"):
            raise ValueError(f"target must be swzk or apache, not {target!r}")
        self.root = Path(root).resolve()
        self.n, self.target, self.tick_ms = n, target, tick_ms
        self.init_limit, self.sync_limit = init_limit, sync_limit
        self.settings = dict(settings or {})
        ports = pick_ports(3 * n)
        self.members = {sid: Member(sid, ports[3 * (sid - 1)], ports[3 * (sid - 1) + 1], ports[3 * (sid - 1) + 2],
                                    self.root / f"n{sid}") for sid in range(1, n + 1)}
        self.network = Network({sid: (m.quorum, m.election) for sid, m in self.members.items()}) if proxied else None
        self.proc: subprocess.Popen | None = None     # cluster-local
        self.out: list[str] = []
        self.err: list[str] = []
        self.lock = threading.Lock()
        self.all_pids: set[int] = set()
        self.notes: list[str] = []
        self.write_files()

    # -- files ----------------------------------------------------------------------------------

    def zoo_cfg(self, sid: int) -> str:
        m = self.members[sid]
        lines = [f"tickTime={self.tick_ms}", f"initLimit={self.init_limit}", f"syncLimit={self.sync_limit}",
                 f"dataDir={m.dir / 'data'}", f"clientPort={m.client}", f"clientPortAddress={HOST}",
                 "4lw.commands.whitelist=*", "admin.enableServer=false", "maxClientCnxns=0"]
        lines += [f"{k}={v}" for k, v in self.settings.items()]
        for j, other in sorted(self.members.items()):
            if j == sid or self.network is None:
                q, e = other.quorum, other.election
            else:
                q, e = self.network.proxy_ports(sid, j)
            lines.append(f"server.{j}={HOST}:{q}:{e}")
        return "\n".join(lines) + "\n"

    def write_files(self) -> None:
        for sid, m in self.members.items():
            (m.dir / "data").mkdir(parents=True, exist_ok=True)
            m.cfg.write_text(self.zoo_cfg(sid))
            (m.dir / "data" / "myid").write_text(f"{sid}\n")

    @property
    def connect(self) -> str:
        return ",".join(m.hostport for _, m in sorted(self.members.items()))

    # -- start and stop -------------------------------------------------------------------------

    def start(self, deadline_s: float = 40.0) -> None:
        if self.target == "swzk":
            self._start_swzk(deadline_s)
        else:
            if self.network:
                self.network.start()
            for sid in self.members:
                self._launch_apache(sid)
        self.wait_serving(deadline_s=deadline_s)
        self.leader(deadline_s=deadline_s)

    def _pump(self, stream, sink):
        for line in stream:
            with self.lock:
                sink.append(line.rstrip("\n"))

    def err_tail(self, n: int = 30) -> str:
        with self.lock:
            return "\n".join(self.err[-n:])

    def _start_swzk(self, deadline_s: float) -> None:
        if self.network:
            self.network.start()
        self.proc = subprocess.Popen([str(swzk_bin()), "cluster-local", str(self.n), "--dir", str(self.root), "--json"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, bufsize=1)
        for stream, sink in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._pump, args=(stream, sink), daemon=True).start()

        def checked():
            if self.proc.poll() is not None:
                raise RuntimeError(f"cluster-local exited {self.proc.returncode}:\n{self.err_tail()}")
            with self.lock:
                return any(re.search(r"n\d+ started \(pid \d+\)", l) for l in self.err)
        self._wait(checked, deadline_s, "cluster-local starting its members")

        def table():
            if self.proc.poll() is not None:
                raise RuntimeError(f"cluster-local exited {self.proc.returncode}:\n{self.err_tail()}")
            with self.lock:
                return next((l for l in self.out if l.startswith("{")), None)
        doc = json.loads(self._wait(table, deadline_s, "cluster-local's member table"))
        for row in doc["members"]:
            member = self.members[int(row["id"])]
            member.pid = row.get("pid")
            if member.pid:
                self.all_pids.add(member.pid)

    def _wait(self, predicate, deadline_s, what):
        try:
            return wait_for(predicate, deadline_s, what)
        except TimeoutError as e:
            raise RuntimeError(f"{e}\n{self.err_tail()}") from None

    def console(self, line: str, expect: str, deadline_s: float = 20.0) -> str:
        """Send a console line to cluster-local; return the first new stdout line matching `expect`."""
        with self.lock:
            before = len(self.out)
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        rx = re.compile(expect)

        def answer():
            if self.proc.poll() is not None:
                raise RuntimeError(f"cluster-local exited {self.proc.returncode}")
            with self.lock:
                return next((l for l in self.out[before:] if rx.search(l)), None)
        return self._wait(answer, deadline_s, f"answer to {line!r}")

    def _launch_apache(self, sid: int) -> None:
        m = self.members[sid]
        cp = ":".join(str(JAVA_DIR / f"{j}.jar") for j in APACHE_JARS if (JAVA_DIR / f"{j}.jar").exists())
        log = open(m.dir / "server.log", "ab")
        m.proc = subprocess.Popen(["java", "-cp", cp, f"-Dzookeeper.log.dir={m.dir}",
                                   "org.apache.zookeeper.server.quorum.QuorumPeerMain", str(m.cfg)],
                                  cwd=m.dir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        m.pid = m.proc.pid
        m.paused = False
        self.all_pids.add(m.pid)

    def _signal(self, sid: int, sig: int) -> None:
        m = self.members[sid]
        if m.pid and pid_runs(m.pid, str(m.dir)):
            os.kill(m.pid, sig)

    def kill(self, sid: int) -> None:
        """SIGKILL one member and wait until it is gone."""
        m = self.members[sid]
        if self.target == "swzk":
            self.console(f"kill {sid}", rf"^n{sid}: killed")
        else:
            self._signal(sid, signal.SIGKILL)
            if m.proc:
                m.proc.wait(10)
        if m.pid:
            wait_for(lambda: not pid_alive(m.pid), 10, f"n{sid} gone")
        m.pid, m.paused = None, False

    def stop(self, sid: int) -> None:
        m = self.members[sid]
        if self.target == "swzk":
            self.console(f"stop {sid}", rf"^n{sid}: stopped")
        else:
            if m.paused:
                self._signal(sid, signal.SIGCONT)
            self._signal(sid, signal.SIGTERM)
            try:
                m.proc.wait(10)
            except subprocess.TimeoutExpired:
                self._signal(sid, signal.SIGKILL)
                m.proc.wait(10)
        m.pid, m.paused = None, False

    def start_member(self, sid: int) -> None:
        m = self.members[sid]
        if self.target == "swzk":
            line = self.console(f"start {sid}", rf"^n{sid}: started \(pid \d+\)")
            m.pid = int(re.search(r"pid (\d+)", line).group(1))
            self.all_pids.add(m.pid)
        else:
            self._launch_apache(sid)
        m.paused = False

    def pause(self, sid: int) -> None:
        if self.target == "swzk":
            self.console(f"pause {sid}", rf"^n{sid}: paused")
        else:
            self._signal(sid, signal.SIGSTOP)
        self.members[sid].paused = True

    def resume(self, sid: int) -> None:
        if self.target == "swzk":
            self.console(f"resume {sid}", rf"^n{sid}: resumed")
        else:
            self._signal(sid, signal.SIGCONT)
        self.members[sid].paused = False

    def kill_all(self) -> None:
        for sid in self.members:
            if self.members[sid].pid:
                self.kill(sid)

    def restart_all(self) -> None:
        for sid in self.members:
            if not self.members[sid].pid:
                self.start_member(sid)

    def close(self) -> None:
        """Reap everything this cluster started (by pid), then stop the proxy. Never raises."""
        for sid, m in self.members.items():
            if m.paused and m.pid:
                try:
                    os.kill(m.pid, signal.SIGCONT) if pid_runs(m.pid, str(m.dir)) else None
                except OSError:
                    pass
        if self.proc is not None:
            if self.proc.poll() is None:
                try:
                    self.proc.stdin.write("quit\n")
                    self.proc.stdin.flush()
                    self.proc.wait(12)
                except (OSError, subprocess.TimeoutExpired, ValueError):
                    pass
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(10)
        for m in self.members.values():
            if m.proc is not None and m.proc.poll() is None:
                m.proc.kill()
                try:
                    m.proc.wait(10)
                except subprocess.TimeoutExpired:
                    pass
        for pid in self.all_pids:      # members outliving cluster-local (should not happen: PDEATHSIG)
            if pid_runs(pid, str(self.root)):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        if self.network:
            self.network.close()
        if self.proc is not None:
            try:
                with self.lock:
                    (self.root / "cluster-local.log").write_text("\n".join(self.err) + "\n")
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- looking at members ---------------------------------------------------------------------

    def srvr(self, sid: int, timeout: float = 1.0) -> str | None:
        try:
            return four_letter(self.members[sid].client, "srvr", timeout)
        except OSError:
            return None

    def mntr(self, sid: int, timeout: float = 1.0) -> dict[str, str]:
        try:
            text = four_letter(self.members[sid].client, "mntr", timeout)
        except OSError:
            return {}
        return dict(l.split("\t", 1) for l in text.splitlines() if "\t" in l)

    def mode(self, sid: int) -> str | None:
        found = re.search(r"^Mode: (\w+)", self.srvr(sid) or "", re.M)
        return found.group(1) if found else None

    def zxid(self, sid: int) -> int | None:
        found = re.search(r"^Zxid: (0x[0-9a-fA-F]+)", self.srvr(sid) or "", re.M)
        if found:
            return int(found.group(1), 16)
        value = self.mntr(sid).get("zk_zxid")
        return int(value, 0) if value else None

    def running(self) -> list[int]:
        return [sid for sid, m in sorted(self.members.items()) if m.pid and not m.paused]

    def modes(self, sids=None) -> dict[int, str | None]:
        return {sid: self.mode(sid) for sid in (sids or self.running())}

    def leader(self, deadline_s: float = 30.0, exclude=()) -> int:
        """The one member (among running ones, minus `exclude`) whose srvr says leader, once
        every other of them serves as follower: a settled ensemble."""
        def once():
            sids = [s for s in self.running() if s not in exclude]
            modes = self.modes(sids)
            leaders = [s for s, mode in modes.items() if mode == "leader"]
            return leaders[0] if len(leaders) == 1 else None
        return self._wait(once, deadline_s, "one leader")

    def wait_serving(self, sids=None, deadline_s: float = 30.0) -> None:
        sids = sids or self.running()
        self._wait(lambda: all(self.mode(s) in ("leader", "follower", "observer") for s in sids),
                   deadline_s, f"members {sids} serving")

    def kazoo(self, sid: int, timeout: float = 4.0):
        from kazoo.client import KazooClient
        client = KazooClient(hosts=self.members[sid].hostport, timeout=timeout, connection_retry=None,
                             command_retry=None)
        client.start(timeout=timeout)
        return client

    def dump(self, sid: int) -> dict | None:
        """Every znode outside /zookeeper on one member, read from that member alone (after a
        sync, so a follower shows everything its leader committed before the call)."""
        try:
            client = self.kazoo(sid)
        except Exception:   # noqa: BLE001 - a member that does not serve has no tree to show
            return None
        try:
            try:
                client.sync("/")
            except Exception:   # noqa: BLE001 - an unsynced read is still this member's state
                pass
            nodes: dict[str, dict] = {}
            stack = ["/"]
            while stack:
                path = stack.pop()
                data, stat = client.get(path)
                if path != "/":
                    nodes[path] = {"value": None if data is None else data.decode(errors="replace"),
                                   "version": stat.version, "czxid": stat.czxid, "mzxid": stat.mzxid,
                                   "ephemeralOwner": stat.ephemeralOwner}
                for child in client.get_children(path):
                    full = ("/" if path == "/" else path + "/") + child
                    if full != "/zookeeper":
                        stack.append(full)
            return nodes
        except Exception:   # noqa: BLE001
            return None
        finally:
            try:
                client.stop()
                client.close()
            except Exception:   # noqa: BLE001
                pass

    def final_states(self) -> dict[int, dict]:
        # Every member's zxid first (4lw, no session): each tree dump opens and closes a session,
        # two txns, which would make the zxids of members dumped later look ahead.
        zxids = {sid: self.zxid(sid) for sid in sorted(self.members)}
        return {sid: {"mode": self.mode(sid), "zxid": zxids[sid], "nodes": self.dump(sid)}
                for sid in sorted(self.members)}

    def wait_converged(self, deadline_s: float = 30.0) -> dict[int, dict]:
        """Final states once every member serves and all trees (minus ephemerals' owners) agree."""
        def once():
            states = self.final_states()
            trees = [s["nodes"] for s in states.values()]
            zxids = {s["zxid"] for s in states.values()}
            if any(t is None for t in trees) or len(zxids) != 1:
                return None
            return states if all(t == trees[0] for t in trees) else None
        try:
            return wait_for(once, deadline_s, "members converging")
        except TimeoutError:
            return self.final_states()
