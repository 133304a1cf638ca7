"""Jepsen-style client load with kazoo, recorded as a history the checker reads.

K workers, each with its own KazooClient whose connect string starts at a different member
(worker k starts at member k mod N, hosts not shuffled), do one operation at a time on a few
registers /reg/kN (read, write, cas, sync_read, now and then delete and create), sequential
creates under /queue, read_children of /eph, and one ephemeral /eph/s-<session> per session.

Every operation is one JSON object (one line of the history file):
  {"id", "client", "session", "op", "key", "arg", "invoke", "complete", "outcome", "result"}
with "outcome" "ok", "fail" (a definite error reply from the server: BadVersion, NoNode,
NodeExists, NotEmpty) or "unknown" (timeout, ConnectionLoss, SessionExpired...: the op may or
may not have happened; "complete" is null). Times are time.monotonic() seconds.

After an unknown op a worker takes a new client number (k + K, k + 2K, ...), as a crashed
Jepsen process is replaced: its pending request may still take effect later, and the new
number keeps the checker from ordering later ops after it. A worker whose session expired
gets a new session from kazoo, and creates its new ephemeral. Setup ops (the parents and the
registers) are recorded too, with client -1.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from pathlib import Path

logging.getLogger("kazoo").setLevel(logging.CRITICAL)

OP_TIMEOUT = 2.0          # seconds a worker waits for one reply before calling it unknown
SESSION_TIMEOUT = 3.0     # kazoo session timeout (seconds)

FAIL_ERRORS = {
    "BadVersionError": "BadVersion", "NoNodeError": "NoNode", "NodeExistsError": "NodeExists",
    "NotEmptyError": "NotEmpty", "NoChildrenForEphemeralsError": "NoChildrenForEphemerals",
    "BadArgumentsError": "BadArguments", "NoAuthError": "NoAuth", "InvalidACLError": "InvalidACL",
}


class History:
    """Thread-safe list of ops (dicts), optionally streamed to a JSON-lines file."""

    def __init__(self, path: Path | None = None) -> None:
        self.ops: list[dict] = []
        self.lock = threading.Lock()
        self.next_id = 0
        self.file = open(path, "w") if path else None

    def invoke(self, client: int, session: int, op: str, key: str, arg: dict) -> dict:
        with self.lock:
            entry = {"id": self.next_id, "client": client, "session": session, "op": op, "key": key,
                     "arg": arg, "invoke": time.monotonic(), "complete": None, "outcome": None, "result": None}
            self.next_id += 1
            self.ops.append(entry)
            return entry

    def finish(self, entry: dict, outcome: str, result) -> dict:
        with self.lock:
            entry["outcome"] = outcome
            entry["result"] = result
            entry["complete"] = time.monotonic() if outcome != "unknown" else None
            if self.file:
                self.file.write(json.dumps(entry) + "\n")
                self.file.flush()
        return entry

    def snapshot(self) -> list[dict]:
        with self.lock:
            return [dict(op) for op in self.ops]

    def close(self) -> None:
        with self.lock:
            for entry in self.ops:                  # an op still running at the end is unknown
                if entry["outcome"] is None:
                    entry["outcome"] = "unknown"
                    if self.file:
                        self.file.write(json.dumps(entry) + "\n")
            if self.file:
                self.file.close()
                self.file = None


def session_of(client) -> int:
    cid = getattr(client, "client_id", None)
    return int(cid[0]) if cid else 0


def new_client(hosts: list[str], timeout: float = SESSION_TIMEOUT):
    from kazoo.client import KazooClient
    return KazooClient(hosts=",".join(hosts), timeout=timeout, randomize_hosts=False,
                       connection_retry=dict(max_tries=-1, delay=0.05, backoff=1.5, max_delay=0.5),
                       command_retry=None)


def classify(error: BaseException) -> tuple[str, dict | None]:
    """("fail", {"error": name}) for a definite server error, ("unknown", None) otherwise."""
    name = type(error).__name__
    if name in FAIL_ERRORS:
        return "fail", {"error": FAIL_ERRORS[name]}
    return "unknown", None


def perform(history: History, client, client_no: int, op: str, key: str, arg: dict | None = None,
            timeout: float = OP_TIMEOUT) -> dict:
    """Invoke one op on `client`, wait at most `timeout` for it, record it; return the entry."""
    arg = arg or {}
    entry = history.invoke(client_no, session_of(client), op, key, arg)
    try:
        if op in ("read", "sync_read"):
            if op == "sync_read":
                client.sync_async(key).get(timeout=timeout)
            try:
                data, stat = client.get_async(key).get(timeout=timeout)
                result = {"value": None if data is None else data.decode(errors="replace"),
                          "version": stat.version, "mzxid": stat.mzxid}
            except Exception as e:   # noqa: BLE001
                if type(e).__name__ != "NoNodeError":
                    raise
                result = {"value": None, "version": None, "mzxid": None}
        elif op in ("write", "cas"):
            version = arg["expected_version"] if op == "cas" else -1
            stat = client.set_async(key, arg["value"].encode(), version).get(timeout=timeout)
            result = {"version": stat.version, "mzxid": stat.mzxid}
        elif op in ("create", "ephemeral_create"):
            _path, stat = client.create_async(key, arg["value"].encode(), ephemeral=op == "ephemeral_create",
                                              include_data=True).get(timeout=timeout)
            result = {"czxid": stat.czxid}
        elif op == "seq_create":
            path, stat = client.create_async(key + "/q-", b"x", sequence=True, include_data=True).get(timeout=timeout)
            result = {"path": path, "czxid": stat.czxid}
        elif op == "delete":
            client.delete_async(key, -1).get(timeout=timeout)
            result = {}
        elif op == "read_children":
            result = {"children": sorted(client.get_children_async(key).get(timeout=timeout))}
        else:
            raise ValueError(f"unknown op {op}")
    except ValueError:
        raise
    except Exception as e:   # noqa: BLE001 - every other error is an outcome
        outcome, result = classify(e)
        return history.finish(entry, outcome, result)
    return history.finish(entry, "ok", result)


class Workload:
    """K workers over the members' client ports; start() then stop() (returns the ops)."""

    def __init__(self, hostports: list[str], clients: int = 5, keys: int = 3, seed: int = 0,
                 history: History | None = None) -> None:
        self.hostports = hostports
        self.k = clients
        self.keys = [f"/reg/k{i}" for i in range(keys)]
        self.rng = random.Random(seed)
        self.history = history or History()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.clients: list = []
        self.lock = threading.Lock()
        self.counter = 0

    def value(self, client_no: int) -> str:
        with self.lock:
            self.counter += 1
            return f"{client_no}:{self.counter}"

    def setup(self, deadline_s: float = 30.0) -> None:
        """Create /reg, /queue, /eph and the registers (recorded with client -1)."""
        client = new_client(self.hostports)
        client.start(timeout=10)
        try:
            end = time.monotonic() + deadline_s
            for path in ["/reg", "/queue", "/eph", *self.keys]:
                while True:
                    entry = perform(self.history, client, -1, "create", path, {"value": "0"})
                    if entry["outcome"] == "ok" or (entry["outcome"] == "fail" and entry["result"]["error"] == "NodeExists"):
                        break
                    if time.monotonic() > end:
                        raise RuntimeError(f"setup: cannot create {path}")
                    time.sleep(0.1)
        finally:
            client.stop()
            client.close()

    def start(self) -> "Workload":
        for k in range(self.k):
            rng = random.Random(self.rng.random())
            t = threading.Thread(target=self._worker, args=(k, rng), name=f"worker-{k}", daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def stop(self) -> list[dict]:
        self.stopping.set()
        for t in self.threads:
            t.join(OP_TIMEOUT * 3 + 5)
        self.threads.clear()
        return self.history.snapshot()

    def _worker(self, k: int, rng: random.Random) -> None:
        n = len(self.hostports)
        hosts = self.hostports[k % n:] + self.hostports[:k % n]
        client = new_client(hosts)
        client_no = k
        known_versions: dict[str, int] = {}
        ephemeral_session = 0
        try:
            while not self.stopping.is_set():
                try:
                    client.start(timeout=2)
                    break
                except Exception:   # noqa: BLE001 - no member serves yet: keep trying
                    client.stop()
            while not self.stopping.is_set():
                if not client.connected:
                    time.sleep(0.05)
                    continue
                session = session_of(client)
                if session and session != ephemeral_session:
                    ephemeral_session = session
                    entry = perform(self.history, client, client_no, "ephemeral_create",
                                    f"/eph/s-{session:x}", {"value": str(client_no)})
                else:
                    entry = self._one(client, client_no, rng, known_versions)
                if entry["outcome"] == "unknown":
                    client_no += self.k
                    known_versions.clear()
                    time.sleep(0.05)
        finally:
            try:
                client.stop()
                client.close()
            except Exception:   # noqa: BLE001
                pass

    def _one(self, client, client_no: int, rng: random.Random, known: dict[str, int]) -> dict:
        key = rng.choice(self.keys)
        roll = rng.random()
        if known.get(key, 0) is None and roll < 0.5:      # last seen missing: recreate it
            roll = 0.99
        if roll < 0.25:
            entry = perform(self.history, client, client_no, "read", key)
        elif roll < 0.45:
            entry = perform(self.history, client, client_no, "write", key, {"value": self.value(client_no)})
        elif roll < 0.62:
            if known.get(key) is None:
                entry = perform(self.history, client, client_no, "read", key)
            else:
                entry = perform(self.history, client, client_no, "cas", key,
                                {"value": self.value(client_no), "expected_version": known[key]})
        elif roll < 0.74:
            entry = perform(self.history, client, client_no, "sync_read", key)
        elif roll < 0.86:
            entry = perform(self.history, client, client_no, "seq_create", "/queue")
        elif roll < 0.92:
            entry = perform(self.history, client, client_no, "read_children", "/eph")
        elif roll < 0.94:
            entry = perform(self.history, client, client_no, "delete", key)
        else:
            entry = perform(self.history, client, client_no, "create", key, {"value": self.value(client_no)})
        if entry["outcome"] == "ok":
            result = entry["result"]
            if entry["op"] in ("read", "sync_read"):
                if result["version"] is None:
                    known[key] = None
                else:
                    known[key] = result["version"]
            elif entry["op"] in ("write", "cas"):
                known[key] = result["version"]
            elif entry["op"] == "create":
                known[key] = 0
            elif entry["op"] == "delete":
                known[key] = None
        elif entry["outcome"] == "fail":
            error = entry["result"]["error"]
            if error == "NoNode":
                known[key] = None
            elif entry["op"] == "cas" or error == "NodeExists":
                known.pop(key, None)
        return entry


def lost_writes(ops: list[dict], final_nodes: dict[str, dict] | None) -> list[dict]:
    """Acknowledged writes the final tree does not reflect (a simple check of our own; the
    checker does the full one). For an ok write/cas/create on a register with zxid z: the final
    node must exist with mzxid >= z (or czxid >= z), unless a delete of that key was invoked
    (ok or unknown); when its mzxid is z its value must be the written one. For an ok
    seq_create the node must exist."""
    if final_nodes is None:
        return []
    deleted = {op["key"] for op in ops if op["op"] == "delete" and op["outcome"] in ("ok", "unknown")}
    lost = []
    for op in ops:
        if op["outcome"] != "ok":
            continue
        kind, key, result = op["op"], op["key"], op["result"]
        if kind in ("write", "cas", "create") and op["client"] >= 0:
            zxid = result.get("mzxid", result.get("czxid"))
            node = final_nodes.get(key)
            if node is None:
                if key not in deleted:
                    lost.append(op)
            elif max(node["mzxid"], node["czxid"]) < zxid:
                if key not in deleted:
                    lost.append(op)
            elif node["mzxid"] == zxid and node["value"] != op["arg"]["value"]:
                lost.append(op)
        elif kind == "seq_create":
            if result["path"] not in final_nodes:
                lost.append(op)
    return lost
