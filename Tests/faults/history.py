"""The operation history that the fault harness records and the checker reads.

A history is a list of operations, stored as JSON lines (one object per line).
Each operation is what one logical client did against the ensemble: when it
asked (``invoke``), when it heard back (``complete``), and what it heard
(``outcome`` and ``result``).  Times are seconds on one monotonic clock shared
by all clients.

Fields (the harness writes exactly these):

    id        int, unique in the history
    client    int, logical client; a client has at most one operation in flight
    session   int, ZooKeeper session id (0 when none yet)
    op        one of OP_KINDS
    key       znode path; for seq_create the parent path
    arg       write/create/ephemeral_create: {"value": str}
              cas: {"value": str, "expected_version": int}
              others: {}
    invoke    float
    complete  float or None (None: the client never learned the outcome)
    outcome   "ok" | "fail" | "unknown"
    result    on ok:
                read/sync_read:   {"value": str|None, "version": int|None,
                                   "mzxid": int|None}   (value None: no node)
                write/cas:        {"version": int, "mzxid": int}
                create/ephemeral_create: {"czxid": int}
                seq_create:       {"path": str, "czxid": int}
                delete:           {}
                read_children:    {"children": [str], "pzxid": int|None}
              every ok result may also carry "zxid" (the reply header's zxid);
              on fail: {"error": "BadVersion" | "NoNode" | "NodeExists" | ...}
              on unknown: {} (ignored)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Iterable

OP_KINDS = frozenset({
    "read", "write", "cas", "create", "delete", "sync_read",
    "seq_create", "ephemeral_create", "read_children",
})
OUTCOMES = frozenset({"ok", "fail", "unknown"})

# Operations that read a single znode's data, and those that may change it.
READ_KINDS = frozenset({"read", "sync_read"})
CREATE_KINDS = frozenset({"create", "ephemeral_create"})
MUTATE_KINDS = frozenset({"write", "cas", "create", "ephemeral_create", "delete"})
# Everything the per-key register model understands.
REGISTER_KINDS = READ_KINDS | MUTATE_KINDS


@dataclass
class Op:
    id: int
    client: int
    session: int
    op: str
    key: str
    arg: dict = field(default_factory=dict)
    invoke: float = 0.0
    complete: float | None = None
    outcome: str = "unknown"
    result: dict = field(default_factory=dict)

    # --- convenience -----------------------------------------------------

    @property
    def end(self) -> float:
        """The latest time the operation can have taken effect: its completion,
        or +infinity when the client never heard back."""
        return math.inf if self.complete is None else self.complete

    @property
    def value(self) -> str | None:
        return self.arg.get("value")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "client": self.client, "session": self.session,
            "op": self.op, "key": self.key, "arg": self.arg,
            "invoke": self.invoke, "complete": self.complete,
            "outcome": self.outcome, "result": self.result,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Op":
        op = cls(
            id=int(d["id"]), client=int(d["client"]),
            session=int(d.get("session") or 0), op=str(d["op"]),
            key=str(d["key"]), arg=dict(d.get("arg") or {}),
            invoke=float(d["invoke"]),
            complete=None if d.get("complete") is None else float(d["complete"]),
            outcome=str(d["outcome"]), result=dict(d.get("result") or {}),
        )
        if op.op not in OP_KINDS:
            raise ValueError(f"op {op.id}: unknown op kind {op.op!r}")
        if op.outcome not in OUTCOMES:
            raise ValueError(f"op {op.id}: unknown outcome {op.outcome!r}")
        if op.complete is not None and op.complete < op.invoke:
            raise ValueError(f"op {op.id}: completes ({op.complete}) before it "
                             f"is invoked ({op.invoke})")
        return op


def as_ops(items: Iterable[Op | dict]) -> list[Op]:
    """Accept Op objects or plain dicts (as read from JSON); return Ops and
    make sure ids are unique."""
    ops = [x if isinstance(x, Op) else Op.from_dict(x) for x in items]
    seen: set[int] = set()
    for o in ops:
        if o.id in seen:
            raise ValueError(f"duplicate op id {o.id}")
        seen.add(o.id)
    return ops


def load_history(path: str) -> list[Op]:
    """Read a JSON-lines history file (blank lines are skipped)."""
    ops = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                ops.append(Op.from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError) as e:
                raise ValueError(f"{path}:{lineno}: {e}") from e
    return as_ops(ops)


def save_history(path: str, ops: Iterable[Op | dict]) -> None:
    """Write a history as JSON lines, one operation per line, in id order."""
    with open(path, "w", encoding="utf-8") as f:
        for o in sorted(as_ops(ops), key=lambda o: o.id):
            f.write(json.dumps(o.to_dict(), sort_keys=True) + "\n")
