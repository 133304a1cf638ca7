"""`swzk cluster-local N`: the real command, driven through a pipe on its stdin.

Each test starts `$SWZK_BIN cluster-local ...` with stdin, stdout and stderr as pipes, reads the
member table it prints, talks to the members (kazoo, srvr) and sends console commands. Waits
poll with a deadline. Every cluster-local process a test starts is SIGKILLed at teardown if it
is still there (its members die with it through PR_SET_PDEATHSIG), and the test checks that
the member pids are gone. tickTime=200 keeps elections short.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

import conftest
import zkservers
from ensemble import wait_for

TICK = ["--tick-time", "200"]


def pid_alive(pid: int) -> bool:
    """True while /proc/<pid> exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def port_free(port: int) -> bool:
    """True when nothing listens on the port (SO_REUSEADDR, as servers bind: TIME_WAIT is fine)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def srvr_mode(port: int, timeout: float = 1.0) -> str | None:
    try:
        out = zkservers.four_letter(port, "srvr", timeout=timeout)
    except OSError:
        return None
    found = re.search(r"^Mode: (\w+)", out, re.M)
    return found.group(1) if found else None


class Cluster:
    """One `swzk cluster-local` process; stdout lines queue up, stderr is collected."""

    def __init__(self, args: list[str], env: dict[str, str]):
        self.proc = subprocess.Popen([str(zkservers.swzk_bin()), "cluster-local", *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, bufsize=1, env=env)
        self.out: list[str] = []
        self.err: list[str] = []
        self.lock = threading.Lock()
        self.rows: dict[int, dict] = {}
        self.connect = ""
        self.dir = ""
        self.member_pids: set[int] = set()
        for stream, sink in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._pump, args=(stream, sink), daemon=True).start()

    def _pump(self, stream, sink):
        for line in stream:
            with self.lock:
                sink.append(line.rstrip("\n"))

    def out_lines(self) -> list[str]:
        with self.lock:
            return list(self.out)

    def err_lines(self) -> list[str]:
        with self.lock:
            return list(self.err)

    def err_tail(self, n: int = 40) -> str:
        return "\n".join(self.err_lines()[-n:])

    def send(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def command(self, line: str, expect: str, deadline_s: float = 15.0) -> list[str]:
        """Send `line`; wait for a new stdout line matching `expect`; return the new lines."""
        before = len(self.out_lines())
        self.send(line)
        rx = re.compile(expect)
        try:
            return wait_for(lambda: (new := self.out_lines()[before:]) and any(rx.search(l) for l in new) and new,
                            deadline_s, f"answer to {line!r}")
        except TimeoutError as e:
            raise AssertionError(f"{e}; stdout {self.out_lines()[before:]}\nstderr:\n{self.err_tail()}") from None

    def error(self, line: str, expect: str, deadline_s: float = 10.0) -> str:
        """Send `line`; wait for a new stderr line matching `expect` (not a member's log line)."""
        before = len(self.err_lines())
        self.send(line)
        rx = re.compile(expect)
        return wait_for(lambda: next((l for l in self.err_lines()[before:] if rx.search(l)), None),
                        deadline_s, f"error for {line!r}")

    def started(self, deadline_s: float = 30.0, as_json: bool = False) -> dict[int, dict]:
        """Wait for the start-up table; fill `rows` (id -> dict), `connect`, `dir`, `member_pids`."""
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"cluster-local exited {self.proc.returncode}:\n{self.err_tail()}")
            lines = self.out_lines()
            if as_json:
                return lines[0] if lines else None
            if not lines or not lines[0].startswith("connect: "):
                return None
            count = len(self.connect_hosts(lines[0]))
            return lines if len(lines) >= 2 + count else None

        try:
            lines = wait_for(ready, deadline_s, "start-up table")
        except TimeoutError as e:
            raise AssertionError(f"{e}\n{self.err_tail()}") from None
        if as_json:
            doc = json.loads(lines)
            self.connect, self.dir = doc["connect"], doc["dir"]
            self.rows = {m["id"]: m for m in doc["members"]}
        else:
            self.connect = lines[0].removeprefix("connect: ")
            header = lines[1].split()
            assert header == ["ID", "ROLE", "CLIENT", "PID", "DATA"], lines[1]
            for line in lines[2:2 + len(self.connect_hosts(lines[0]))]:
                sid, role, port, pid, data = line.split()
                self.rows[int(sid)] = {"id": int(sid), "role": role, "clientPort": int(port), "pid": int(pid),
                                       "dataDir": data}
            self.dir = str(Path(self.rows[1]["dataDir"]).parent.parent)
        self.member_pids |= {r["pid"] for r in self.rows.values()}
        return self.rows

    @staticmethod
    def connect_hosts(line: str) -> list[str]:
        return line.removeprefix("connect: ").split(",")

    def status(self) -> dict[int, dict]:
        """`status` parsed: id -> {role, pid, zxid}."""
        before = len(self.out_lines())
        self.send("status")

        def table():
            new = self.out_lines()[before:]
            heads = [i for i, l in enumerate(new) if re.match(r"ID\s+ROLE\s+CLIENT\s+PID\s+ZXID", l)]
            if not heads or len(new) < heads[0] + 1 + len(self.rows):
                return None
            return new[heads[0] + 1:heads[0] + 1 + len(self.rows)]

        out = {}
        for line in wait_for(table, 15, "status table"):
            sid, role, port, pid, zxid, conns, data = line.split()
            out[int(sid)] = {"role": role, "pid": None if pid == "-" else int(pid), "zxid": zxid}
            if pid != "-":
                self.member_pids.add(int(pid))
        return out

    def leader(self) -> int | None:
        """`leader`: the id printed, or None when it says there is none."""
        before_out, before_err = len(self.out_lines()), len(self.err_lines())
        self.send("leader")

        def answered():
            new = self.out_lines()[before_out:]
            if new:
                return ("id", int(new[0]))
            if any("no leader" in l for l in self.err_lines()[before_err:]):
                return ("none", None)
            return None

        return wait_for(answered, 10, "leader answer")[1]

    def pids_seen(self) -> set[int]:
        """Member pids named in stderr (start and exit reports), for runs that never print the table."""
        found = {int(p) for l in self.err_lines() for p in re.findall(r"^cluster-local: n\d+ (?:started )?\(pid (\d+)\)", l)}
        self.member_pids |= found
        return found | self.member_pids

    def finish(self, deadline_s: float = 20.0) -> int:
        """Wait for the process to exit by itself; returns its status."""
        try:
            return self.proc.wait(deadline_s)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"cluster-local did not exit:\n{self.err_tail()}") from None

    def reap(self) -> None:
        """Teardown: SIGKILL our cluster-local if still there, then make sure no member survived."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        try:
            wait_for(lambda: not any(pid_alive(p) for p in self.member_pids), 10, "members gone")
        except TimeoutError:
            for pid in self.member_pids:
                if pid_alive(pid):
                    os.kill(pid, signal.SIGKILL)
            raise


@pytest.fixture
def run(tmp_path):
    """Factory: `run(args)` starts cluster-local with TMPDIR inside this test's tmp_path."""
    conftest.require_swzk()
    clusters: list[Cluster] = []
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}

    def start(args: list[str]) -> Cluster:
        c = Cluster(args, env)
        clusters.append(c)
        return c

    start.tmp = tmp
    yield start
    for c in clusters:
        c.reap()


def all_ports(c: Cluster) -> list[int]:
    """Every port in the members' zoo.cfg files (client, quorum and election)."""
    ports = []
    for cfg in Path(c.dir).glob("n*/zoo.cfg"):
        text = cfg.read_text()
        ports += [int(p) for p in re.findall(r"^clientPort=(\d+)", text, re.M)]
        for pair in re.findall(r"^server\.\d+=127\.0\.0\.1:(\d+):(\d+)", text, re.M):
            ports += [int(p) for p in pair]
    return sorted(set(ports))


def assert_torn_down(c: Cluster, ports: list[int]) -> None:
    wait_for(lambda: not any(pid_alive(p) for p in c.member_pids), 10, "member pids gone")
    try:
        wait_for(lambda: all(port_free(p) for p in ports), 10, "ports free")
    except TimeoutError as e:
        raise AssertionError(f"{e}: busy {[p for p in ports if not port_free(p)]}") from None


def kazoo(connect: str):
    from kazoo.client import KazooClient
    client = KazooClient(hosts=connect, timeout=4.0,
                         connection_retry=dict(max_tries=-1, delay=0.05, backoff=1.5, max_delay=0.3))
    client.start(timeout=15)
    return client


def test_three_members_table_kazoo_leader_and_quit(run):
    c = run(["3", *TICK])
    rows = c.started()
    ports = all_ports(c)
    assert len(ports) == 9
    assert sorted(rows) == [1, 2, 3]
    assert sorted(r["role"] for r in rows.values()) == ["follower", "follower", "leader"]
    assert c.connect == ",".join(f"127.0.0.1:{rows[i]['clientPort']}" for i in (1, 2, 3))
    assert Path(c.dir).parent == run.tmp
    for r in rows.values():
        assert pid_alive(r["pid"])
        assert srvr_mode(r["clientPort"]) == r["role"]
        assert (Path(r["dataDir"]) / "myid").read_text().strip() == str(r["id"])

    client = kazoo(c.connect)
    try:
        client.create("/cl", b"hello")
        assert client.get("/cl")[0] == b"hello"
    finally:
        client.stop()
        client.close()

    leader = c.leader()
    assert rows[leader]["role"] == "leader"
    status = c.status()
    assert {i: s["role"] for i, s in status.items()} == {i: r["role"] for i, r in rows.items()}
    assert all(int(s["zxid"], 16) > 0 for s in status.values())

    c.error("frobnicate", r"unknown command 'frobnicate'")
    c.error("kill 7", r"no member '7'")
    c.error("start 1", r"n1 is already running")
    assert c.proc.poll() is None
    c.command("help", r"^pause ID")

    c.send("quit")
    assert c.finish() == 0
    assert_torn_down(c, ports)
    assert not Path(c.dir).exists()


def test_json_end_of_input_and_keep(run):
    c = run(["2", "--json", "--keep", *TICK])
    rows = c.started(as_json=True)
    assert sorted(rows) == [1, 2]
    assert sorted(r["role"] for r in rows.values()) == ["follower", "leader"]
    assert all(isinstance(r["pid"], int) and r["dataDir"].startswith(c.dir) for r in rows.values())
    c.proc.stdin.close()
    assert c.finish() == 0
    assert_torn_down(c, all_ports(c))
    assert (Path(c.dir) / "n1" / "zoo.cfg").exists()
    assert any(f"kept {c.dir}" in l for l in c.err_lines())
    shutil.rmtree(c.dir)


def test_kill_leader_failover_start_pause_resume(run):
    c = run(["3", *TICK])
    rows = c.started()
    old = c.leader()
    c.command(f"kill {old}", rf"^n{old}: killed")
    wait_for(lambda: any(re.search(rf"n{old} \(pid {rows[old]['pid']}\) killed by signal 9 \(SIGKILL\)", l)
                         for l in c.err_lines()), 5, "death reported")
    assert not pid_alive(rows[old]["pid"])
    new = wait_for(lambda: (lead := c.leader()) not in (None, old) and lead, 20, "a new leader")
    assert new != old

    c.command(f"start {old}", rf"^n{old}: started")
    wait_for(lambda: c.status()[old]["role"] in ("follower", "leader"), 20, f"n{old} serving again")
    status = c.status()
    assert status[old]["pid"] != rows[old]["pid"] and pid_alive(status[old]["pid"])

    follower = next(i for i, s in status.items() if s["role"] == "follower")
    port = rows[follower]["clientPort"]
    c.command(f"pause {follower}", rf"^n{follower}: paused")
    assert c.status()[follower]["role"] == "paused"
    assert srvr_mode(port, timeout=0.5) is None
    c.command(f"resume {follower}", rf"^n{follower}: resumed")
    wait_for(lambda: srvr_mode(port) in ("follower", "leader"), 20, "resumed member serving")

    c.command(f"stop {follower}", rf"^n{follower}: stopped")
    wait_for(lambda: any(re.search(rf"n{follower} \(pid \d+\) exited with status 0", l) for l in c.err_lines()),
             5, "clean exit reported")
    assert c.status()[follower]["role"] == "down"
    c.command(f"restart {follower}", rf"^n{follower}: started")
    wait_for(lambda: srvr_mode(port) in ("follower", "leader"), 20, "restarted member serving")

    c.send("quit")
    assert c.finish() == 0
    assert_torn_down(c, all_ports(c))


def test_dir_is_reused_with_its_data(run, tmp_path):
    d = tmp_path / "ens"
    first = run(["3", "--dir", str(d), *TICK])
    rows = first.started()
    client = kazoo(first.connect)
    try:
        client.create("/kept", b"across runs")
    finally:
        client.stop()
        client.close()
    first.send("quit")
    assert first.finish() == 0
    assert_torn_down(first, all_ports(first))
    assert (d / "n2" / "zoo.cfg").exists()
    cfg = (d / "n2" / "zoo.cfg").read_text()

    second = run(["3", "--dir", str(d), *TICK])
    again = second.started()
    assert {i: r["clientPort"] for i, r in again.items()} == {i: r["clientPort"] for i, r in rows.items()}
    assert (d / "n2" / "zoo.cfg").read_text() == cfg
    client = kazoo(second.connect)
    try:
        assert client.get("/kept")[0] == b"across runs"
    finally:
        client.stop()
        client.close()
    second.send("quit")
    assert second.finish() == 0
    assert d.exists()

    wrong = run(["5", "--dir", str(d), *TICK])
    assert wrong.finish() == 2
    assert "holds an ensemble of 3 voters" in wrong.err_tail()


def test_members_die_with_a_sigkilled_parent(run):
    c = run(["3", *TICK])
    rows = c.started()
    os.kill(c.proc.pid, signal.SIGKILL)
    c.proc.wait(10)
    wait_for(lambda: not any(pid_alive(r["pid"]) for r in rows.values()), 10, "members gone after SIGKILL")
    assert_torn_down(c, all_ports(c))
    shutil.rmtree(c.dir)  # a SIGKILLed parent cannot remove its directory


def test_one_voter_with_an_observer(run):
    c = run(["1", "--observers", "1", *TICK])
    rows = c.started()
    assert {i: r["role"] for i, r in rows.items()} == {1: "leader", 2: "observer"}
    cfg = (Path(c.dir) / "n1" / "zoo.cfg").read_text()
    assert "standaloneEnabled=false" in cfg and "server.2=127.0.0.1:" in cfg and cfg.rstrip().endswith(":observer")
    assert c.leader() == 1
    c.send("quit")
    assert c.finish() == 0


def test_member_settings_from_D(run):
    c = run(["2", *TICK, "-D", "snapCount=1234", "-D", "zookeeper.maxClientCnxns=7"])
    c.started()
    cfg = (Path(c.dir) / "n2" / "zoo.cfg").read_text()
    assert "snapCount=1234" in cfg and "maxClientCnxns=7" in cfg and "tickTime=200" in cfg
    c.proc.stdin.close()
    assert c.finish() == 0


@pytest.mark.parametrize("args, message", [
    (["0"], r"N: 0 voters"),
    (["-1"], r"N: -1 voters"),
    (["10"], r"N: 10 voters"),
    (["3", "--observers", "-1"], r"--observers: -1 must not be negative"),
    (["9", "--observers", "8"], r"more than 16 members"),
    (["3", "-D", "noSuchKey=1"], r"-D noSuchKey: unknown zoo.cfg key"),
    (["3", "-D", "tickTime=abc"], r"-D tickTime: 'abc'"),
    (["3", "-D", "clientPort=5"], r"-D clientPort: set by cluster-local"),
    (["3", "--dir", "/proc/swzk-no-such-dir"], r"--dir /proc/swzk-no-such-dir"),
])
def test_bad_input_exits_2_with_one_line(run, args, message):
    c = run(args)
    assert c.finish(10) == 2
    time.sleep(0.05)  # let the pump threads take the last bytes
    lines = c.err_lines()
    assert len(lines) == 1 and re.search(message, lines[0]), lines
    assert c.out_lines() == []
    assert list(run.tmp.iterdir()) == []


def test_busy_base_port_is_named(run):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        c = run(["1", "--base-port", str(busy - 1)])
        assert c.finish(10) == 2
        time.sleep(0.05)
        lines = c.err_lines()
        assert len(lines) == 1 and f"port {busy} of n1" in lines[0], lines
        assert list(run.tmp.iterdir()) == []


def test_a_member_that_cannot_start_fails_the_run(run, tmp_path):
    d = tmp_path / "ens"
    first = run(["2", "--dir", str(d), *TICK])
    first.started()
    first.send("quit")
    assert first.finish() == 0
    # n2's version-2 becomes a file: its server exits at start, so the ensemble never serves.
    v2 = d / "n2" / "data" / "version-2"
    shutil.rmtree(v2)
    v2.write_text("not a directory\n")
    second = run(["2", "--dir", str(d), *TICK])
    assert second.finish(30) == 1
    err = "\n".join(second.err_lines())
    assert re.search(r"n2 \(pid \d+\) exited with status [1-9]", err), err
    assert "n2 exited while the ensemble started; last lines:" in err
    assert second.out_lines() == []
    wait_for(lambda: not any(pid_alive(p) for p in second.pids_seen()), 10, "n1 stopped")


def test_sigterm_tears_down(run):
    c = run(["2", *TICK])
    rows = c.started()
    ports = all_ports(c)
    c.proc.send_signal(signal.SIGTERM)
    assert c.finish() == 0
    assert_torn_down(c, ports)
    assert not Path(c.dir).exists()
    assert all(any(re.search(rf"n{i} \(pid {r['pid']}\) exited with status 0", l) for l in c.err_lines())
               for i, r in rows.items())


def _controlling_terminal() -> None:
    # In the child: a session of its own whose controlling terminal is the pty on stdin, so that
    # Ctrl-C typed there is a SIGINT to it, as in a real terminal.
    import fcntl
    import termios
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def test_console_on_a_terminal_completes_commands_and_ctrl_c_tears_down(tmp_path):
    # stdin, stdout and stderr on a pseudo-terminal: the readline console with its prompt, Tab
    # completion of commands and member ids, and Ctrl-C as the way out (exit 0, members gone).
    import pty
    conftest.require_swzk()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    master, slave = pty.openpty()
    proc = subprocess.Popen([str(zkservers.swzk_bin()), "cluster-local", "3", *TICK], stdin=slave, stdout=slave,
                            stderr=slave, env={**os.environ, "TMPDIR": str(tmp), "TERM": "dumb"},
                            preexec_fn=_controlling_terminal)
    os.close(slave)
    seen = bytearray()

    def read_until(pattern: str, deadline_s: float = 30.0) -> str:
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            text = seen.decode(errors="replace")
            if re.search(pattern, text):
                return text
            import select
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    seen.extend(os.read(master, 65536))
                except OSError:
                    break
        raise AssertionError(f"no {pattern!r} on the terminal:\n{seen.decode(errors='replace')[-3000:]}")

    pids: list[int] = []
    try:
        table = read_until(r"cluster> ")
        pids = [int(p) for p in re.findall(r"^\d\s+\w+\s+\d+\s+(\d+)\s", table.replace("\r", ""), re.M)]
        assert len(pids) == 3, table
        mark = len(seen)
        os.write(master, b"lea\t\n")
        text = read_until(r"cluster> leader *\r?\n\d\r?\n", 15)[mark:]
        assert "leader" in text
        mark = len(seen)
        os.write(master, b"status\n")
        read_until(r"ZXID[\s\S]*cluster> ", 15)
        os.write(master, b"\x03")  # Ctrl-C
        assert proc.wait(20) == 0
        wait_for(lambda: not any(pid_alive(p) for p in pids), 10, "members gone")
        assert not any(tmp.iterdir()), "the temporary directory was left behind"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        for p in pids:
            if pid_alive(p):
                os.kill(p, signal.SIGKILL)
        os.close(master)


def test_a_member_that_never_serves_times_out_with_the_last_lines(run):
    # n2 is stopped (SIGSTOP) the moment it starts, so it never answers srvr: past initLimit x
    # tickTime + the 10 s margin, cluster-local gives up with each member's last lines, tears
    # everything down (the stopped member too) and exits non-zero.
    c = run(["3", *TICK, "-D", "initLimit=2"])
    started = time.monotonic()
    pid = wait_for(lambda: next((int(m.group(1)) for l in c.err_lines()
                                 if (m := re.match(r"^cluster-local: n2 started \(pid (\d+)\)", l))), None),
                   15, "n2 started")
    os.kill(pid, signal.SIGSTOP)
    c.pids_seen()
    status = c.finish(deadline_s=60)
    assert status not in (0, 2), c.err_tail()
    text = "\n".join(c.err_lines())
    assert "no serving ensemble after 10400 ms" in text, c.err_tail()
    assert "last lines" in text and "n1 |" in text
    assert time.monotonic() - started >= 10.4
    wait_for(lambda: not any(pid_alive(p) for p in c.pids_seen()), 15, "members gone")
    assert not any(run.tmp.iterdir()), "the temporary directory was left behind"
