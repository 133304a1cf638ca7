"""Start and stop the servers the interop suite compares: Apache ZooKeeper 3.8 and swzk.

Both get the same zoo.cfg (the lines `apache-zk.sh` writes, plus per-test extras), a fresh
data directory and an OS-chosen free port on 127.0.0.1.  "Ready" means the `srvr` four-letter
word answers with a `Mode:` line, polled with a deadline.  Only the processes started here are
ever stopped: Apache through `apache-zk.sh stop DIR` (which checks the pid's command line),
swzk by SIGTERM to the pid we spawned.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[2]
START_DEADLINE_S = 60.0
STOP_DEADLINE_S = 15.0


def apache_zk_sh() -> Path:
    """shared/tools/apache-zk.sh, which CI places beside the repository."""
    override = os.environ.get("APACHE_ZK_SH")
    return Path(override) if override else REPO_ROOT.parent / "shared" / "tools" / "apache-zk.sh"


def swzk_bin() -> Path:
    """$SWZK_BIN (relative paths are taken from the repo root), else .build/debug/swzk."""
    p = Path(os.environ.get("SWZK_BIN", ".build/debug/swzk"))
    return p if p.is_absolute() else REPO_ROOT / p


# Debian installs cli_mt outside PATH; apache-zk.sh checks `command -v cli_mt` to decide whether it
# must run apt-get, so every call gets this directory on PATH.
CLI_MT_DIR = "/usr/lib/zookeeper/bin"


def tool_env() -> dict[str, str]:
    env = dict(os.environ)
    if CLI_MT_DIR not in env.get("PATH", "").split(os.pathsep):
        env["PATH"] = env.get("PATH", "") + os.pathsep + CLI_MT_DIR
    return env


def apache_only() -> bool:
    return os.environ.get("SWZK_INTEROP_APACHE_ONLY") == "1"


def free_port() -> int:
    """A port the OS just handed out for 127.0.0.1 (free at the time of asking)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def copy_data_dir(src: Path, dst: Path) -> None:
    """Copy a data directory to `dst` (which must not exist), keeping files sparse.

    Txn logs are preallocated to 64 MiB with a hole; a plain copy would write every zero."""
    subprocess.run(["cp", "-a", "--sparse=always", str(src), str(dst)], check=True)


def four_letter(port: int, word: str, host: str = HOST, timeout: float = 5.0) -> str:
    """Send a four-letter word and return everything the server writes before closing."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(word.encode())
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out.decode(errors="replace")
            out += chunk


def is_serving(port: int) -> bool:
    try:
        return any(line.startswith("Mode:") for line in four_letter(port, "srvr", timeout=2).splitlines())
    except OSError:
        return False


def config_lines(data_dir: Path, port: int, settings: dict[str, str]) -> list[str]:
    """zoo.cfg exactly as `apache-zk.sh start` writes it (checked after every Apache start)."""
    lines = ["tickTime=2000", "initLimit=10", "syncLimit=5", f"dataDir={data_dir}",
             f"clientPort={port}", f"clientPortAddress={HOST}", "4lw.commands.whitelist=*",
             "admin.enableServer=false", "maxClientCnxns=0"]
    return lines + [f"{k}={v}" for k, v in settings.items()]


@dataclass
class ZKServer:
    """One running server; `kind` is "apache" or "swzk"."""
    kind: str
    dir: Path
    port: int
    settings: dict[str, str]
    log: Path
    proc: subprocess.Popen | None = None   # swzk only
    pid: int | None = None
    stopped: bool = field(default=False)
    data_path: Path | None = None          # swzk: the dataDir, when not `dir`/data

    @property
    def hostport(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def data_dir(self) -> Path:
        """The dataDir of zoo.cfg (it holds version-2/)."""
        if self.kind == "apache":
            return self.dir / "zk1" / "data"
        return self.data_path or self.dir / "data"

    def kill9(self) -> None:
        """SIGKILL the swzk process we spawned and reap it: a crash, as far as the disk can tell."""
        assert self.kind == "swzk" and self.proc is not None
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(STOP_DEADLINE_S)

    def word(self, w: str) -> str:
        return four_letter(self.port, w)

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self.kind == "apache":
            try:
                subprocess.run(["bash", str(apache_zk_sh()), "stop", str(self.dir)], env=tool_env(),
                               check=False, timeout=STOP_DEADLINE_S + 5,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                pass
            self._reap_apache_pid()
            return
        assert self.proc is not None
        if self.proc.poll() is None:
            # SIGTERM is the contract: swzk must stop on it.
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_DEADLINE_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def _owns(self, pid: int) -> bool:
        """True while `pid` is alive and is the server whose zoo.cfg lives under our directory."""
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return any(a.startswith(str(self.dir).encode() + b"/") and a.endswith(b"zoo.cfg") for a in args)

    def _reap_apache_pid(self) -> None:
        """Make sure the Java process we started is gone, even if apache-zk.sh stop missed it."""
        if self.pid is None:
            return
        end = time.monotonic() + STOP_DEADLINE_S
        while self._owns(self.pid) and time.monotonic() < end:
            time.sleep(0.1)
        if self._owns(self.pid):
            os.kill(self.pid, signal.SIGKILL)


def _wait_until_serving(port: int, alive, deadline_s: float) -> bool:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if is_serving(port):
            return True
        if not alive():
            return False
        time.sleep(0.1)
    return False


def start_apache(workdir: Path, settings: dict[str, str] | None = None,
                 data_from: Path | None = None) -> ZKServer:
    """Start Apache ZooKeeper 3.8 standalone in `workdir` on a free port.

    With `data_from`, that data directory (the parent of version-2/) is copied in as the
    server's dataDir first, so the server starts on existing files and the original is never
    touched.
    """
    settings = dict(settings or {})
    script = apache_zk_sh()
    if not script.exists():
        raise RuntimeError(f"{script} not found (shared/ must sit beside the repository)")
    last_error = ""
    for attempt in range(3):   # a free port can be taken between asking and binding
        d = workdir / f"apache-{attempt}"
        shutil.rmtree(d, ignore_errors=True)
        if data_from is not None:
            (d / "zk1").mkdir(parents=True)
            copy_data_dir(data_from, d / "zk1" / "data")
        port = free_port()
        cmd = ["bash", str(script), "start", str(d), "--port", str(port)]
        for k, v in settings.items():
            cmd += ["--set", f"{k}={v}"]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, env=tool_env(),
                                 timeout=START_DEADLINE_S + 30)
            rc, err = res.returncode, res.stderr
        except subprocess.TimeoutExpired:
            rc, err = -1, "apache-zk.sh start timed out"
        server = ZKServer("apache", d, port, settings, d / "zk1" / "server.log")
        pidfile = d / "zk1" / "pid"
        if pidfile.exists():
            server.pid = int(pidfile.read_text().strip())
        if rc == 0 and _wait_until_serving(port, lambda: True, 10):
            written = (d / "zk1" / "zoo.cfg").read_text().splitlines()
            expected = config_lines(d / "zk1" / "data", port, settings)
            if written != expected:
                server.stop()
                raise RuntimeError("apache-zk.sh wrote a zoo.cfg swzk would not get:\n"
                                   + "\n".join(written) + "\nexpected:\n" + "\n".join(expected))
            return server
        last_error = f"apache-zk.sh start failed (rc {rc}): {err}\n{server.log_tail()}"
        server.stop()
    raise RuntimeError(last_error)


def _swzk_binary() -> Path:
    binary = swzk_bin()
    if not binary.exists():
        raise FileNotFoundError(
            f"swzk binary {binary} does not exist: run `swift build` first or set SWZK_BIN "
            "(SWZK_INTEROP_APACHE_ONLY=1 runs only the Apache side)")
    return binary


def _launch_swzk(d: Path, data_dir: Path, settings: dict[str, str], log_name: str) -> ZKServer | str:
    """Write d/zoo.cfg for `data_dir` and a free port, start swzk on it and wait until it serves.

    Returns the server, or the reason it did not come up (its process then stopped)."""
    binary = _swzk_binary()
    port = free_port()
    cfg = d / "zoo.cfg"
    cfg.write_text("\n".join(config_lines(data_dir, port, settings)) + "\n")
    log = d / log_name
    with open(log, "wb") as logf:
        proc = subprocess.Popen([str(binary), "server", "-c", str(cfg)], cwd=d,
                                stdin=subprocess.DEVNULL, stdout=logf, stderr=logf)
    server = ZKServer("swzk", d, port, settings, log, proc=proc, pid=proc.pid, data_path=data_dir)
    if _wait_until_serving(port, lambda: proc.poll() is None, START_DEADLINE_S):
        return server
    rc = proc.poll()
    server.stop()
    what = (f"exited with code {rc} before serving" if rc is not None else
            f"did not answer srvr with a Mode: line within {START_DEADLINE_S:.0f}s")
    return (f"swzk ({binary} server -c {cfg}) on {HOST}:{port} {what}; "
            f"log tail:\n{server.log_tail()}")


def start_swzk(workdir: Path, settings: dict[str, str] | None = None,
               data_from: Path | None = None) -> ZKServer:
    """Start `$SWZK_BIN server -c zoo.cfg` in `workdir` on a free port.

    With `data_from`, that data directory is copied in as the dataDir first (see start_apache).
    """
    settings = dict(settings or {})
    _swzk_binary()
    last_error = ""
    for attempt in range(3):
        d = workdir / f"swzk-{attempt}"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        if data_from is not None:
            copy_data_dir(data_from, d / "data")
        else:
            (d / "data").mkdir()
        started = _launch_swzk(d, d / "data", settings, "server.log")
        if isinstance(started, ZKServer):
            return started
        last_error = started
    raise RuntimeError(last_error)


def start_swzk_on(workdir: Path, data_dir: Path, settings: dict[str, str] | None = None) -> ZKServer:
    """Start swzk in `workdir` with dataDir `data_dir` used in place (not copied): a directory
    the test prepared, such as a small tmpfs mount."""
    settings = dict(settings or {})
    workdir.mkdir(parents=True, exist_ok=True)
    last_error = ""
    for attempt in range(3):
        started = _launch_swzk(workdir, data_dir, settings, f"server-{attempt}.log")
        if isinstance(started, ZKServer):
            return started
        last_error = started
    raise RuntimeError(last_error)


def restart_swzk(server: ZKServer, settings: dict[str, str] | None = None) -> ZKServer:
    """Start swzk again on the dataDir `server` used (after it stopped or was killed).

    The new process gets a fresh free port and its own log file, server.<n>.log; `settings`
    replaces the old extra zoo.cfg lines when given.
    """
    assert server.kind == "swzk"
    if server.proc is not None and server.proc.poll() is None:
        raise RuntimeError(f"swzk pid {server.pid} is still running")
    settings = dict(server.settings if settings is None else settings)
    n = 1
    while (server.dir / f"server.{n}.log").exists():
        n += 1
    last_error = ""
    for _ in range(3):
        started = _launch_swzk(server.dir, server.data_dir, settings, f"server.{n}.log")
        if isinstance(started, ZKServer):
            return started
        last_error = started
        n += 1
    raise RuntimeError(last_error)


def swzk_server_exit(cfg: Path, deadline_s: float = START_DEADLINE_S) -> subprocess.CompletedProcess | None:
    """Run `swzk server -c cfg` expecting it to refuse to start: its exit status and output,
    or None when it was still running at the deadline (then it is killed)."""
    try:
        return subprocess.run([str(_swzk_binary()), "server", "-c", str(cfg)], cwd=cfg.parent,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=deadline_s)
    except subprocess.TimeoutExpired:
        return None


def start(kind: str, workdir: Path, settings: dict[str, str] | None = None,
          data_from: Path | None = None) -> ZKServer:
    if kind == "apache":
        return start_apache(workdir, settings, data_from)
    if kind == "swzk":
        return start_swzk(workdir, settings, data_from)
    raise ValueError(kind)
