"""Running Apache's command-line clients (zkCli and the C client cli_mt) and normalizing their output.

Both clients print watch events from a second thread, so where an event lands among the command
output is a race in the client, not a server property.  The normalized form therefore keeps two
ordered lists: the command output (stdout and stderr merged, in order) and the watch events.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

import zkservers

# slf4j-simple lines such as "[main-SendThread(127.0.0.1:1234)] WARN org.apache... - text"
_LOG_LINE = re.compile(r"^\[[^\]]+\] (TRACE|DEBUG|INFO|WARN|ERROR) ")
# what may follow a log line: an exception summary and its stack trace
_TRACE_LINE = re.compile(r"^(\s+at |\s*\.\.\. \d+ more|Caused by: |[\w.$]+(Exception|Error)\b)")
_JAVA_DATE = re.compile(r"\b[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d [A-Z]{2,5} \d{4}\b")
_ZERO_DATE = "Thu Jan 01 00:00:00 UTC 1970"


@dataclass
class CliResult:
    rc: int
    output: list[str]
    events: list[str]

    def lines(self) -> list[str]:
        return [f"exit={self.rc}", "--- output"] + self.output + ["--- watch events"] + self.events


class SessionLabels:
    """Replaces session ids (0x...) by s1, s2... in order of first appearance."""

    def __init__(self):
        self.map: dict[str, str] = {}

    def __call__(self, hex_id: str) -> str:
        key = hex_id.lower()
        if int(key, 16) == 0:
            return "0x0"
        if key not in self.map:
            self.map[key] = f"s{len(self.map) + 1}"
        return self.map[key]


def normalize_zkcli(text: str, port: int, labels: SessionLabels) -> tuple[list[str], list[str]]:
    """Split zkCli output into (command output, watch events), with times, ports and ids masked."""
    main, events = [], []
    lines = text.splitlines()
    i, in_trace = 0, False
    while i < len(lines):       # pass 1: drop client logging, pull out watch events
        line = lines[i]
        if _LOG_LINE.match(line) or (in_trace and _TRACE_LINE.match(line)):
            in_trace = True
            i += 1
            continue
        in_trace = False
        # The event thread prints println("\nWATCHER::") and println("\n" + event): each call is
        # one write, so the blank line sits right before its text, but the main thread's output
        # may come between the two calls.
        if line == "WATCHER::" or line.startswith("WatchedEvent "):
            if main and main[-1] == "":
                main.pop()
            if line != "WATCHER::":
                events.append(line)
            i += 1
            continue
        main.append(line)
        i += 1

    out: list[str] = []
    whoami: list[str] | None = None
    for line in main:           # pass 2: mask what differs between runs
        if whoami is not None:
            # whoami prints the connection's ids in the server's (hash) order: sort them.
            if re.match(r"^[\w.-]+: ", line):
                whoami.append(line)
                continue
            out.extend(sorted(whoami))
            whoami = None
        if line == "Auth scheme: User":
            whoami = []
        # "[a, b]" lists: ls sorts its own, getEphemerals prints the server's (hash) order.
        if line.startswith("[") and line.endswith("]"):
            items = line[1:-1].split(", ") if len(line) > 2 else []
            line = "[" + ", ".join(sorted(items)) + "]"
        line = line.replace(_ZERO_DATE, "<zero-date>")
        line = _JAVA_DATE.sub("<date>", line)
        line = line.replace(f"127.0.0.1:{port}", "127.0.0.1:<port>")
        line = re.sub(r"^ephemeralOwner = (0x[0-9a-f]+)$", lambda m: f"ephemeralOwner = {labels(m.group(1))}", line)
        line = re.sub(r"(session(?:id| id)?[:= ]+)(0x[0-9a-f]+)", lambda m: m.group(1) + labels(m.group(2)),
                      line, flags=re.IGNORECASE)
        out.append(line)
    if whoami:
        out.extend(sorted(whoami))
    return out, events


def zkcli(server: zkservers.ZKServer, args: list[str] | None = None, script: str | None = None,
          labels: SessionLabels | None = None, timeout: float = 120) -> CliResult:
    """Run Apache's zkCli against `server`: one command (`args`) or a script fed on stdin."""
    cmd = ["bash", str(zkservers.apache_zk_sh()), "cli", server.hostport] + list(args or [])
    res = subprocess.run(cmd, input=script if script is not None else "", stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=timeout, env=zkservers.tool_env())
    out, events = normalize_zkcli(res.stdout, server.port, labels or SessionLabels())
    return CliResult(res.returncode, out, events)


# ------------------------------------------------------------------ the C client (cli_mt)

_C_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+:\d+\(0x[0-9a-f]+\):ZOO_")
_C_DATE = re.compile(r"\b[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\b")
SENTINEL_PATH = "/zookeeper"


class CliMt:
    """Drives cli_mt one command at a time.

    cli_mt sends every command asynchronously and prints results from its completion thread.
    After each command we send `sync /zookeeper`: replies (and watch events) of one session are
    delivered in order, so once the sync's completion is printed, everything before it is too.
    The sentinel's own lines are removed from the transcript.
    """

    def __init__(self, server: zkservers.ZKServer, deadline_s: float = 20.0):
        import queue
        import threading
        self.deadline_s = deadline_s
        self.lines: "queue.Queue[str | None]" = queue.Queue()
        self.transcript: list[str] = []
        self.proc = subprocess.Popen([str(cli_mt_path()), server.hostport], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self._wait_for(lambda line: line.startswith("Got a new session id:"))

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _wait_for(self, done, keep: bool = True) -> None:
        import queue
        import time
        end = time.monotonic() + self.deadline_s
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"cli_mt: no expected output; transcript so far: {self.transcript[-10:]}")
            if line is None:
                raise EOFError(f"cli_mt exited; transcript so far: {self.transcript[-10:]}")
            if keep:
                self.transcript.append(line)
            if done(line):
                return

    def _send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def cmd(self, line: str) -> None:
        """Run one command and wait until all its output has been printed."""
        self.transcript.append(f"> {line}")
        self._send(line)
        self._send(f"sync {SENTINEL_PATH}")
        marker = f"[{SENTINEL_PATH}]: rc = "
        self._wait_for(lambda line: line.startswith(marker))
        rc_line = self.transcript.pop()
        if rc_line == marker + "0":
            self._wait_for(lambda line: line == f"\tname = {SENTINEL_PATH}", keep=False)

    def quit(self) -> int:
        self.transcript.append("> quit")
        self._send("quit")
        try:
            rc = self.proc.wait(self.deadline_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.reader.join(5)
        while not self.lines.empty():
            line = self.lines.get()
            if line is not None:
                self.transcript.append(line)
        return rc


def cli_mt_path() -> str:
    import shutil
    found = shutil.which("cli_mt", path=zkservers.tool_env()["PATH"])
    if not found:
        raise FileNotFoundError("cli_mt not found (Debian package zookeeper-bin)")
    return found


def normalize_cli_mt(lines: list[str], labels: SessionLabels) -> list[str]:
    """Mask times, session ids and the children order (the server's order is a hash order)."""
    out: list[str] = []
    run: list[str] = []

    def flush():
        out.extend(sorted(run))
        run.clear()

    for line in lines:
        if _C_LOG_LINE.match(line):
            continue
        line = re.sub(r"^time = \d+ msec$", "time = <n> msec", line)
        line = _C_DATE.sub("<date>", line)
        line = re.sub(r"(ephemeralOwner = )([0-9a-f]+)$", lambda m: m.group(1) + labels("0x" + m.group(2)), line)
        line = re.sub(r"(session id: |session Id = )(0x)?([0-9a-f]+)",
                      lambda m: m.group(1) + labels("0x" + m.group(3)), line)
        # child names of ls/ls2: tab-indented lines without "="
        if line.startswith("\t") and "=" not in line:
            run.append(line)
            continue
        flush()
        out.append(line)
    flush()
    return out
