"""An ensemble of swzk servers on 127.0.0.1 for the quorum tests (test_ensemble.py).

`Ensemble(root, voters=3, observers=0, settings={...})` writes one directory per member under
`root` (zoo.cfg with every `server.N=127.0.0.1:quorumPort:electionPort[:observer]` line, and
`data/myid`), with three free ports per member chosen by the OS. Members are numbered 1..N (the
observers last); each runs as `$SWZK_BIN server -c zoo.cfg` with stdout and stderr in its own log
file, a new one per start (`server.<k>.log`), so a restart never hides what the previous run said.

Everything waits by polling with a deadline, never by a fixed sleep. Only the processes this
module started are ever signalled, by the pid it spawned; `cleanup()` (called by the test
fixture even when a test fails) kills every one still running.

Trees are compared with treedump.dump, which reads every node's data, Stat and ACL through one
session connected to ONE member (a single host, super user), so a member that lags shows up.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import treedump
import zkservers

HOST = zkservers.HOST
TICK_MS = 200
CONFIG_NODE = "/zookeeper/config"

# The base zoo.cfg of every member: fast ticks, 4lw for srvr, and the super digest treedump needs.
BASE_SETTINGS = {
    "tickTime": str(TICK_MS),
    "initLimit": "10",
    "syncLimit": "5",
    "4lw.commands.whitelist": "*",
    "admin.enableServer": "false",
    "maxClientCnxns": "0",
    **treedump.SETTINGS,
}


def free_ports(n: int) -> list[int]:
    """`n` distinct ports the OS hands out for 127.0.0.1 (all bound at once, then released)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def wait_for(predicate, deadline_s: float, what: str, interval: float = 0.05):
    """Poll `predicate` until it returns a truthy value (returned) or raise after `deadline_s`."""
    end = time.monotonic() + deadline_s
    last_error: Exception | None = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:   # noqa: BLE001 - a poll may fail while servers come and go
            last_error = e
        if time.monotonic() >= end:
            raise TimeoutError(f"{what}: not reached within {deadline_s:.1f}s"
                               + (f" (last error: {last_error!r})" if last_error else ""))
        time.sleep(interval)


@dataclass
class Member:
    sid: int
    dir: Path
    client_port: int
    quorum_port: int
    election_port: int
    observer: bool = False
    proc: subprocess.Popen | None = None
    logs: list[Path] = field(default_factory=list)
    started_at: float = 0.0

    @property
    def data_dir(self) -> Path:
        return self.dir / "data"

    @property
    def cfg(self) -> Path:
        return self.dir / "zoo.cfg"

    @property
    def hostport(self) -> str:
        return f"{HOST}:{self.client_port}"

    @property
    def log(self) -> Path:
        """The log of the current (or last) run."""
        return self.logs[-1]

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def word(self, w: str, timeout: float = 2.0) -> str:
        return zkservers.four_letter(self.client_port, w, timeout=timeout)

    def log_text(self) -> str:
        return "\n".join(f"--- {p.name}\n" + p.read_text(errors="replace") for p in self.logs if p.exists())

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except (OSError, IndexError):
            return "(no log)"


class Ensemble:
    """N swzk members of one ensemble: `voters` participants then `observers` observers."""

    def __init__(self, root: Path, voters: int = 3, observers: int = 0,
                 settings: dict[str, str] | None = None):
        self.root = Path(root)
        self.settings = {**BASE_SETTINGS, **(settings or {})}
        self.members: dict[int, Member] = {}
        ports = free_ports(3 * (voters + observers))
        for i in range(voters + observers):
            sid = i + 1
            d = self.root / f"member-{sid}"
            (d / "data").mkdir(parents=True, exist_ok=True)
            c, q, e = ports[3 * i:3 * i + 3]
            self.members[sid] = Member(sid, d, c, q, e, observer=i >= voters)
        for m in self.members.values():
            self._write_config(m)

    # ------------------------------------------------------------ configuration

    def server_lines(self) -> list[str]:
        return [f"server.{m.sid}={HOST}:{m.quorum_port}:{m.election_port}" + (":observer" if m.observer else "")
                for m in self.members.values()]

    def _write_config(self, m: Member) -> None:
        lines = [f"dataDir={m.data_dir}", f"clientPort={m.client_port}", f"clientPortAddress={HOST}"]
        lines += [f"{k}={v}" for k, v in self.settings.items()]
        if m.observer:
            lines.append("peerType=observer")
        lines += self.server_lines()
        m.cfg.write_text("\n".join(lines) + "\n")
        (m.data_dir / "myid").write_text(f"{m.sid}\n")

    @property
    def ids(self) -> list[int]:
        return list(self.members)

    @property
    def voters(self) -> list[int]:
        return [m.sid for m in self.members.values() if not m.observer]

    def live(self) -> list[int]:
        return [m.sid for m in self.members.values() if m.alive()]

    def __getitem__(self, sid: int) -> Member:
        return self.members[sid]

    # ------------------------------------------------------------ processes

    def start(self, *sids: int) -> None:
        """Start the given members (all when none given) without waiting for them."""
        binary = zkservers._swzk_binary()
        for sid in sids or self.ids:
            m = self.members[sid]
            if m.alive():
                raise RuntimeError(f"member {sid} (pid {m.pid}) is already running")
            log = m.dir / f"server.{len(m.logs) + 1}.log"
            m.logs.append(log)
            with open(log, "wb") as f:
                m.proc = subprocess.Popen([str(binary), "server", "-c", str(m.cfg)], cwd=m.dir,
                                          stdin=subprocess.DEVNULL, stdout=f, stderr=f)
            m.started_at = time.monotonic()

    restart = start

    def kill9(self, sid: int) -> float:
        """SIGKILL member `sid` (our own child) and reap it; returns the monotonic time of the kill."""
        m = self.members[sid]
        assert m.proc is not None
        t = time.monotonic()
        if m.proc.poll() is None:
            m.proc.kill()
        m.proc.wait(zkservers.STOP_DEADLINE_S)
        return t

    def stop(self, sid: int) -> None:
        """SIGTERM member `sid`, SIGKILL if it has not exited after the stop deadline."""
        m = self.members[sid]
        if m.proc is None or m.proc.poll() is not None:
            return
        m.proc.terminate()
        try:
            m.proc.wait(zkservers.STOP_DEADLINE_S)
        except subprocess.TimeoutExpired:
            m.proc.kill()
            m.proc.wait(5)

    def cleanup(self) -> None:
        """Kill every member process this ensemble started (by pid) and reap it."""
        for m in self.members.values():
            if m.proc is not None and m.proc.poll() is None:
                m.proc.kill()
                try:
                    m.proc.wait(10)
                except subprocess.TimeoutExpired:
                    pass

    def check_alive(self, sids=None) -> None:
        """Fail with the log tail when a member that should run has exited."""
        for sid in sids or []:
            m = self.members[sid]
            if m.proc is not None and m.proc.poll() is not None:
                raise AssertionError(f"member {sid} exited with code {m.proc.returncode}; log tail:\n{m.log_tail()}")

    # ------------------------------------------------------------ 4lw

    def srvr(self, sid: int) -> str | None:
        m = self.members[sid]
        if not m.alive():
            return None
        try:
            return m.word("srvr")
        except OSError:
            return None

    def mode(self, sid: int) -> str | None:
        """`leader`, `follower`, `observer` (or standalone), None when not serving or not running."""
        out = self.srvr(sid) or ""
        found = re.search(r"^Mode: (\w+)", out, re.M)
        return found.group(1) if found else None

    def zxid(self, sid: int) -> int:
        out = self.srvr(sid) or ""
        found = re.search(r"^Zxid: (0x[0-9a-fA-F]+)", out, re.M)
        if not found:
            raise AssertionError(f"member {sid}: srvr has no Zxid line: {out!r}")
        return int(found.group(1), 16)

    def modes(self, sids=None) -> dict[int, str | None]:
        return {sid: self.mode(sid) for sid in (sids or self.live())}

    def leader(self, deadline_s: float = 20.0, among=None, exclude=()) -> int:
        """Poll until exactly one leader among the live members (or `among`), and every other of
        them serves as follower/observer; returns the leader's id."""

        def once():
            sids = [s for s in (among or self.live()) if s not in exclude]
            self.check_alive(sids)
            modes = self.modes(sids)
            leaders = [s for s, md in modes.items() if md == "leader"]
            if len(leaders) == 1 and all(md in ("leader", "follower", "observer") for md in modes.values()):
                return leaders[0]
            return None

        try:
            return wait_for(once, deadline_s, "exactly one leader")
        except TimeoutError as e:
            raise AssertionError(f"{e}; modes {self.modes()}\n{self.log_tails()}") from None

    def wait_serving(self, sids=None, deadline_s: float = 20.0) -> None:
        """Poll until each of `sids` (default: the live members) answers srvr with a Mode line."""
        sids = list(sids or self.live())

        def once():
            self.check_alive(sids)
            return all(self.mode(s) is not None for s in sids)

        try:
            wait_for(once, deadline_s, f"members {sids} serving")
        except TimeoutError as e:
            raise AssertionError(f"{e}; modes {self.modes()}\n{self.log_tails()}") from None

    def wait_not_serving(self, sids, deadline_s: float = 10.0) -> None:
        wait_for(lambda: all(self.mode(s) is None for s in sids), deadline_s, f"members {sids} stop serving")

    def log_tails(self, n: int = 15) -> str:
        return "\n".join(f"=== member {m.sid} ({m.log.name if m.logs else '-'}):\n{m.log_tail(n)}"
                         for m in self.members.values())

    # ------------------------------------------------------------ clients and trees

    def connect_string(self, sids=None) -> str:
        return ",".join(self.members[s].hostport for s in (sids or self.ids))

    def kazoo(self, sid_or_sids, timeout: float = 4.0, start: bool = True, **kw):
        """A KazooClient on one member (an int) or a multi-host string (a list), read-only off."""
        from kazoo.client import KazooClient
        hosts = (self.members[sid_or_sids].hostport if isinstance(sid_or_sids, int)
                 else self.connect_string(sid_or_sids))
        # kazoo's default reconnect backoff grows to minutes; keep retrying every <= 0.3 s
        kw.setdefault("connection_retry", dict(max_tries=-1, delay=0.05, backoff=1.5, max_jitter=0.05,
                                               max_delay=0.3))
        c = KazooClient(hosts=hosts, timeout=timeout, read_only=False, **kw)
        if start:
            c.start(timeout=15)
        return c

    def dump(self, sid: int) -> dict[str, tuple]:
        """treedump.dump of member `sid`, except the mtime of /zookeeper/config: as in ZooKeeper
        (`ZKDatabase.initConfigInZKDatabase` sets it with the local wall clock when the member
        loads its quorum config), it is each member's own start time, not replicated state."""
        out = treedump.dump(self.members[sid].client_port)
        if CONFIG_NODE in out:
            data, stat, acl = out[CONFIG_NODE]
            out[CONFIG_NODE] = (data, {**stat, "mtime": 0}, acl)
        return out

    def wait_same_trees(self, sids=None, deadline_s: float = 20.0) -> dict[str, tuple]:
        """Poll until every member in `sids` (default: live) reports the same last zxid and the
        same whole-tree dump; returns the dump."""
        sids = list(sids or self.live())
        state: dict = {}

        def once():
            self.check_alive(sids)
            zx = {s: self.zxid(s) for s in sids}
            state["zxids"] = zx
            if len(set(zx.values())) != 1:
                return None
            dumps = {s: self.dump(s) for s in sids}
            first = dumps[sids[0]]
            state["diffs"] = {s: treedump.diff(first, d) for s, d in dumps.items() if d != first}
            if state["diffs"]:
                return None
            # Each dump is a session (createSession and closeSession are txns): once the dumps
            # agree, the members must also converge on one last zxid again.
            try:
                wait_for(lambda: len({self.zxid(s) for s in sids}) == 1, 5.0, "zxids agree")
            except TimeoutError:
                state["zxids"] = {s: self.zxid(s) for s in sids}
                return None
            return first

        try:
            return wait_for(once, deadline_s, f"same tree and zxid on members {sids}", interval=0.1)
        except TimeoutError as e:
            zx = {s: hex(z) for s, z in state.get("zxids", {}).items()}
            raise AssertionError(f"{e}; zxids {zx}; diffs vs member {sids[0]}: {state.get('diffs')}\n"
                                 f"{self.log_tails()}") from None

    def grep_logs(self, sid: int, pattern: str) -> list[str]:
        rx = re.compile(pattern)
        return [line for line in self.members[sid].log_text().splitlines() if rx.search(line)]
