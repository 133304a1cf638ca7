"""Checks a recorded ZooKeeper history (see history.py) for consistency bugs.

Entry point: ``check_history(ops, final_states=None, time_budget_s=10.0,
live_sessions=None, initial_states=None, checks=None) -> Report``.

The checks, each reporting ``Violation(kind, op_ids, message)``:

  version       cheap first opinion from znode versions and zxids:
                  "version-conflict"  two results claim the same zxid, or the
                                      same version in one incarnation of the
                                      node, with different data
                  "phantom-read"      a read returned (value, version) that no
                                      write/create (invoked in time) produced
  linearizability  per key, a real search (Wing & Gong with memoisation, as in
                Knossos / porcupine) over read/sync_read/write/cas/create/
                delete on a register whose state is absent or (value, version):
                  "linearizability"   no valid order exists
                  "stale-sync-read"   no valid order exists, but there is one
                                      once the offending sync_reads are left
                                      out (expected of Apache ZooKeeper,
                                      ZOOKEEPER-1675; a bug for swzk)
                Keys where the search runs out of time are listed in
                Report.inconclusive, never reported as violations.  Keys that
                already failed the version check are not searched again.
  sessions        "client-overlap"  a client had two operations in flight
                  "session-zxid"    a session saw the zxid go backwards
  final           (needs final_states)
                  "lost-write"      an acknowledged write is missing at the end
                  "divergence"      up members differ (zxid, digest, nodes)
  ephemerals      (needs final_states and live_sessions)
                  "ephemeral-leak"  an ephemeral outlived its session
                  "ephemeral-lost"  an ephemeral vanished while its session lives
  sequential      "seq-duplicate"   two sequential creates got the same path
                  "seq-order"       sequence numbers disagree with czxid or
                                    real-time order
  children        "stale-children"  a child list misses a child whose create
                                    completed before the list was asked for

``smallest_failing(ops, key=None, time_budget_s=10.0)`` shrinks a history that
fails the linearizability search on one key to a small sub-history that still
fails (delta debugging), for printing in a failing test.
"""

from __future__ import annotations

import math
import re
import time
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from history import (CREATE_KINDS, MUTATE_KINDS, READ_KINDS, REGISTER_KINDS,
                     Op, as_ops)

ALL_CHECKS = frozenset({"version", "linearizability", "sessions", "final",
                        "ephemerals", "sequential", "children"})


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

@dataclass
class Violation:
    kind: str
    op_ids: list[int]
    message: str
    key: str | None = None

    def __str__(self) -> str:
        where = f" {self.key}" if self.key else ""
        return f"[{self.kind}]{where} ops {self.op_ids}: {self.message}"


@dataclass
class Report:
    violations: list[Violation] = field(default_factory=list)
    # Keys whose linearizability search ran out of time: no verdict.
    inconclusive: list[str] = field(default_factory=list)
    # Things the checker could not look at, and why.
    notes: list[str] = field(default_factory=list)
    n_ops: int = 0
    n_ok: int = 0
    n_fail: int = 0
    n_unknown: int = 0
    n_keys: int = 0
    n_keys_searched: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no violation was found (see ``conclusive`` as well)."""
        return not self.violations

    @property
    def conclusive(self) -> bool:
        return not self.inconclusive

    def kinds(self) -> Counter:
        return Counter(v.kind for v in self.violations)

    def of_kind(self, kind: str) -> list[Violation]:
        return [v for v in self.violations if v.kind == kind]

    def summary(self) -> str:
        verdict = "OK" if self.ok else "VIOLATIONS"
        if self.ok and self.inconclusive:
            verdict = "OK (inconclusive on some keys)"
        lines = [
            f"{verdict}: {self.n_ops} ops ({self.n_ok} ok, {self.n_fail} fail, "
            f"{self.n_unknown} unknown) on {self.n_keys} keys, "
            f"{self.n_keys_searched} searched for linearizability",
        ]
        if self.violations:
            lines.append("violations by kind: " + ", ".join(
                f"{k}={n}" for k, n in sorted(self.kinds().items())))
            for v in self.violations[:20]:
                lines.append("  " + str(v))
            if len(self.violations) > 20:
                lines.append(f"  ... and {len(self.violations) - 20} more")
        if self.inconclusive:
            lines.append("unknown (budget) for keys: "
                         + ", ".join(self.inconclusive[:20]))
        for n in self.notes[:10]:
            lines.append("note: " + n)
        lines.append("timings: " + ", ".join(
            f"{k}={v:.3f}s" for k, v in self.timings.items()))
        return "\n".join(lines)


# ---------------------------------------------------------------------------
# The register model and the search (check 1)
# ---------------------------------------------------------------------------

# Register state: ABSENT, or a tuple (value, version).  Values nobody ever
# reads are replaced by UNOBSERVED: they can only matter through the version,
# and folding them together lets the memo table merge equivalent states.
ABSENT = ()


class _Unobserved:
    def __repr__(self) -> str:
        return "<unobserved>"


UNOBSERVED = _Unobserved()


@dataclass
class _RegOp:
    """One operation as the register model sees it."""
    idx: int            # position in the key's list (bit in the bitset)
    op: Op
    required: bool      # ok/fail ops must be linearized; unknown ones may not
    step: str           # see _apply
    mutates: bool
    invoke: float
    end: float          # +inf for unknown ops
    value: Any = None   # value written (canonical), or value read
    version: int | None = None    # version read, or version the write reports
    expected: int | None = None   # cas
    sig: tuple = ()     # unknown ops with equal sig are interchangeable
    need: int | None = None       # the version the node must be at for it


def _apply(r: _RegOp, state):
    """The state after r, or None when r cannot happen in ``state``."""
    s = r.step
    present = state != ABSENT
    if s == "read":
        if r.value is None:
            return state if not present else None
        if not present or state[0] != r.value:
            return None
        if r.version is not None and state[1] != r.version:
            return None
        return state
    if s == "write":
        if not present:
            return None
        nv = state[1] + 1
        if r.version is not None and r.version != nv:
            return None
        return (r.value, nv)
    if s == "cas":
        if not present or state[1] != r.expected:
            return None
        nv = r.expected + 1
        if r.version is not None and r.version != nv:
            return None
        return (r.value, nv)
    if s == "create":
        return (r.value, 0) if not present else None
    if s == "delete":
        return ABSENT if present else None
    # Failed operations: they changed nothing, but the error tells us
    # something about the state when they were served.
    if s == "need_absent":
        return state if not present else None
    if s == "need_present":
        return state if present else None
    if s == "need_badversion":
        return state if present and state[1] != r.expected else None
    raise AssertionError(s)


def _state_str(state) -> str:
    if state == ABSENT:
        return "absent"
    return f"(value={state[0]!r}, version={state[1]})"


def _prepare_register(ops: list[Op], initial) -> tuple[list[_RegOp], Any, int]:
    """Turn one key's ops into _RegOps; returns (rops, initial state,
    version cap).  Ops that tell the model nothing are left out."""
    observed: set = set()
    versions = [0]
    if initial not in (None, ABSENT):
        observed.add(initial[0])
        versions.append(initial[1])
    for o in ops:
        if o.outcome == "ok" and o.op in READ_KINDS:
            if o.result.get("value") is not None:
                observed.add(o.result["value"])
        if o.outcome == "ok" and o.result.get("version") is not None:
            versions.append(int(o.result["version"]))
        if o.op == "cas" and o.arg.get("expected_version") is not None:
            versions.append(int(o.arg["expected_version"]))

    def canon(v):
        return v if v in observed else UNOBSERVED

    rops: list[_RegOp] = []
    for o in ops:
        if o.op not in REGISTER_KINDS:
            continue
        kind = "create" if o.op in CREATE_KINDS else o.op
        kind = "read" if kind == "sync_read" else kind
        common = dict(op=o, invoke=o.invoke, end=o.end)
        exp = o.arg.get("expected_version")
        exp = None if exp is None else int(exp)
        if o.outcome == "ok":
            if kind == "read":
                r = _RegOp(idx=0, required=True, step="read", mutates=False,
                           value=o.result.get("value"),
                           version=o.result.get("version"), **common)
            else:
                ver = o.result.get("version") if kind in ("write", "cas") else None
                r = _RegOp(idx=0, required=True, step=kind, mutates=True,
                           value=canon(o.arg.get("value")),
                           version=None if ver is None else int(ver),
                           expected=exp, **common)
        elif o.outcome == "fail":
            err = o.result.get("error")
            if err == "NoNode" and kind != "create":
                step = "need_absent"
            elif err == "NodeExists" and kind == "create":
                step = "need_present"
            elif err == "BadVersion" and kind == "cas" and exp is not None:
                step = "need_badversion"
            else:
                continue        # an error the register model cannot explain
            r = _RegOp(idx=0, required=True, step=step, mutates=False,
                       expected=exp, **common)
        else:  # unknown
            if kind == "read":
                continue        # an unanswered read tells nothing
            val = canon(o.arg.get("value"))
            r = _RegOp(idx=0, required=False, step=kind, mutates=True,
                       value=val, expected=exp, sig=(kind, val, exp), **common)
            r.end = math.inf
        if r.required:
            if r.step == "read" and r.value is not None:
                r.need = r.version
            elif r.step == "write" and r.version is not None:
                r.need = r.version - 1
            elif r.step == "cas":
                r.need = r.expected
        r.idx = len(rops)
        rops.append(r)
    init = ABSENT if initial in (None, ABSENT) else (canon(initial[0]), initial[1])
    # No read, write or cas can succeed on a version above max(versions); an
    # unknown write taking the register past max+1 leads nowhere new.
    return rops, init, max(versions) + 1


@dataclass
class SearchResult:
    status: str                 # "ok", "fail" or "budget"
    order: list[int] = field(default_factory=list)     # op ids, on "ok"
    stuck: list[int] = field(default_factory=list)     # op ids, on "fail"
    stuck_state: Any = None
    last_writer: int | None = None                     # op id
    depth: int = 0              # required ops linearized at the deepest point
    n_required: int = 0
    explored: int = 0


def _search(rops: list[_RegOp], init, vcap: int, deadline: float) -> SearchResult:
    """Depth-first search for a linearization (Wing & Gong, with Lowe's
    memoisation of (set of linearized ops, state) as in porcupine).

    An op may be linearized next when no unlinearized required op completed
    before it was invoked.  Unknown ops never complete, so they never hold
    anyone back; they may be linearized at any point after their invoke, or
    never.  Reductions that keep the search complete:
      * a required op that does not change the state (a read, or a failed
        op) and fits the current state is taken at once, without branching:
        any valid order can be rearranged to take it now;
      * unknown ops with identical effect (same kind, canonical value and
        expected version) form a class whose members are interchangeable
        once invoked; the search always uses a class's members in invoke
        order, so only "how many of each class so far" matters;
      * an unknown write is not tried when it would push the version past
        what any op in the history ever mentions (+1);
      * no overshooting: when the op with the earliest deadline needs the
        node at version v and no delete can come before it, a node whose
        version is above v is dead, and so is any step that goes above v;
      * dominance: a node is pruned when a node with the same required ops
        linearized and the same state, but a subset of its unknown ops
        used, was seen already: that node could do everything this one can
        (unknown ops are optional), so if it failed this one fails too.
    """
    req = sorted((r for r in rops if r.required), key=lambda r: r.invoke)
    req_inv = [r.invoke for r in req]
    by_end = sorted(req, key=lambda r: r.end)
    unk = sorted((r for r in rops if not r.required), key=lambda r: r.invoke)
    classes: dict[tuple, list[_RegOp]] = {}
    for r in unk:
        classes.setdefault(r.sig, []).append(r)
    members = list(classes.values())
    n_cls = len(members)
    delete_classes = [c for c in range(n_cls) if members[c][0].step == "delete"]
    n_req = len(req)
    res = SearchResult(status="ok", n_required=n_req)
    if n_req == 0:
        return res
    unk_mask = 0
    for r in unk:
        unk_mask |= 1 << r.idx
    req_mask = ~unk_mask

    def expand(state, lin, cptr, rlo, used):
        """Choices at a node: list of (rop, new state), plus the new
        pointers and the required candidates (for reporting)."""
        while cptr < n_req and (lin >> by_end[cptr].idx) & 1:
            cptr += 1
        bound = by_end[cptr].end if cptr < n_req else math.inf
        while rlo < n_req and (lin >> req[rlo].idx) & 1:
            rlo += 1
        hi = bisect_right(req_inv, bound, rlo)
        cands = [req[j] for j in range(rlo, hi) if not (lin >> req[j].idx) & 1]
        ceiling = math.inf
        if cptr < n_req and by_end[cptr].need is not None:
            if not any(r.step == "delete" for r in cands) and not any(
                    used[c] < len(members[c]) and members[c][used[c]].invoke <= bound
                    for c in delete_classes):
                ceiling = by_end[cptr].need
                if state != ABSENT and state[1] > ceiling:
                    return [], cptr, rlo, cands
        for r in cands:
            if not r.mutates and _apply(r, state) is not None:
                return [(r, state, -1)], cptr, rlo, cands
        choices = []
        for r in cands:
            if r.mutates:
                ns = _apply(r, state)
                # (the ceiling holds before the deadline op, not after it)
                if ns is not None and (ns == ABSENT or ns[1] <= ceiling
                                       or r is by_end[cptr]):
                    choices.append((r, ns, -1))
        for c in range(n_cls):
            k = used[c]
            ms = members[c]
            if k >= len(ms) or ms[k].invoke > bound:
                continue
            r = ms[k]
            ns = _apply(r, state)
            if ns is None or (ns != ABSENT and ns[1] > min(vcap, ceiling)):
                continue
            choices.append((r, ns, c))
        return choices, cptr, rlo, cands

    # (required bits, state) -> unknown-bit sets seen with it
    visited: dict[tuple, list[int]] = {(0, init): [0]}
    used0 = (0,) * n_cls
    choices, cptr, rlo, cands = expand(init, 0, 0, 0, used0)
    # A frame: [state, bitset, cptr, rlo, choices, next choice, n required
    #           linearized, op that led here, last mutating op, per class
    #           count of unknown ops used]
    stack = [[init, 0, cptr, rlo, choices, 0, 0, None, None, used0]]
    res.stuck = [r.op.id for r in cands]
    res.stuck_state = init
    best = 0
    n = 0
    while stack:
        fr = stack[-1]
        if fr[5] >= len(fr[4]):
            stack.pop()
            continue
        r, ns, cls = fr[4][fr[5]]
        fr[5] += 1
        lin = fr[1] | (1 << r.idx)
        ub = lin & unk_mask
        seen_ubs = visited.setdefault((lin & req_mask, ns), [])
        if any(not (v & ~ub) for v in seen_ubs):
            continue
        seen_ubs.append(ub)
        n += 1
        if n & 1023 == 0 and time.monotonic() > deadline:
            res.status = "budget"
            res.explored = n
            res.depth = best
            return res
        nreq = fr[6] + (1 if r.required else 0)
        last_w = r if r.mutates else fr[8]
        if nreq == n_req:
            res.order = [f[7].op.id for f in stack[1:]] + [r.op.id]
            res.explored = n
            res.depth = n_req
            return res
        used = fr[9]
        if cls >= 0:
            used = used[:cls] + (used[cls] + 1,) + used[cls + 1:]
        choices, cptr, rlo, cands = expand(ns, lin, fr[2], fr[3], used)
        if nreq > best:
            best = nreq
            res.stuck = [c.op.id for c in cands]
            res.stuck_state = ns
            res.last_writer = last_w.op.id if last_w else None
        stack.append([ns, lin, cptr, rlo, choices, 0, nreq, r, last_w, used])
    res.status = "fail"
    res.explored = n
    res.depth = best
    res.order = []
    return res


def check_register(ops: list[Op], initial=None, time_budget_s: float = 10.0) -> SearchResult:
    """Linearizability of one key's register ops (other ops are ignored)."""
    rops, init, vcap = _prepare_register(ops, initial)
    return _search(rops, init, vcap, time.monotonic() + time_budget_s)


def _fail_message(key: str, sr: SearchResult, what: str = "") -> str:
    lw = f" (last write by op {sr.last_writer})" if sr.last_writer is not None else ""
    return (f"no linearization{what}: got through {sr.depth} of {sr.n_required} "
            f"acknowledged ops; in state {_state_str(sr.stuck_state)}{lw} none of "
            f"ops {sr.stuck} can go next")


def _check_linearizability(key: str, ops: list[Op], initial, budget: float,
                           out: list[Violation]) -> str:
    """Search one key; append violations; return "ok", "fail" or "budget"."""
    deadline = time.monotonic() + budget
    rops, init, vcap = _prepare_register(ops, initial)
    sr = _search(rops, init, vcap, deadline)
    if sr.status != "fail":
        return sr.status
    syncs = {o.id for o in ops if o.op == "sync_read" and o.outcome == "ok"}
    if syncs:
        # Is it only the sync_reads?  Try without them.
        plain = [o for o in ops if o.id not in syncs]
        rp, ip, vp = _prepare_register(plain, initial)
        sp = _search(rp, ip, vp, deadline)
        if sp.status == "budget":
            return "budget"
        if sp.status == "ok":
            # Yes.  Name the sync_reads the search gets stuck on, drop them
            # and search again, a few rounds at most.
            dropped: set[int] = set()
            for _ in range(50):
                culprits = [i for i in sr.stuck if i in syncs]
                if not culprits:
                    rest = sorted(syncs - dropped)
                    out.append(Violation("stale-sync-read", rest, (
                        f"sync_reads on {key} are not linearizable with the "
                        f"rest; " + _fail_message(key, sr)), key))
                    return "fail"
                for c in culprits:
                    out.append(Violation("stale-sync-read", [c], (
                        f"sync_read {c} on {key} returned a stale value: "
                        + _fail_message(key, sr)), key))
                dropped.update(culprits)
                rest_ops = [o for o in ops if o.id not in dropped]
                rr, ir, vr = _prepare_register(rest_ops, initial)
                sr = _search(rr, ir, vr, deadline)
                if sr.status != "fail":
                    return "fail"
            return "fail"
        sr = sp         # fails without sync_reads too: report the plain run
        what = " (even without sync_reads)"
    else:
        what = ""
    out.append(Violation("linearizability", sr.stuck,
                         f"{key}: " + _fail_message(key, sr, what), key))
    return "fail"


# ---------------------------------------------------------------------------
# Delta debugging
# ---------------------------------------------------------------------------

def _ddmin(items: list, fails, deadline: float) -> list:
    """Zeller's ddmin: a smaller list for which fails() still holds
    (1-minimal if time allows).  ``fails(items)`` must hold on entry."""
    cur, n = list(items), 2
    while len(cur) >= 2 and time.monotonic() < deadline:
        chunk = math.ceil(len(cur) / n)
        parts = [cur[i:i + chunk] for i in range(0, len(cur), chunk)]
        reduced = False
        for i in range(len(parts)):
            if fails(parts[i]):                 # one part alone
                cur, n, reduced = parts[i], 2, True
                break
            rest = [x for j, p in enumerate(parts) if j != i for x in p]
            if len(parts) > 2 and fails(rest):  # all but one part
                cur, n, reduced = rest, max(n - 1, 2), True
                break
        if not reduced:
            if n >= len(cur):
                break
            n = min(len(cur), 2 * n)
    if len(cur) == 1 and time.monotonic() < deadline and fails([]):
        return []
    return cur


def _relaxed(o: Op) -> Op:
    """The same operation, but as if its client never heard back."""
    return Op(id=o.id, client=o.client, session=o.session, op=o.op, key=o.key,
              arg=o.arg, invoke=o.invoke, complete=None, outcome="unknown",
              result={})


def smallest_failing(ops: Iterable[Op | dict], key: str | None = None,
                     time_budget_s: float = 10.0, initial_states=None) -> list[Op]:
    """Shrink a history whose register on ``key`` (default: the first key
    that fails) is not linearizable to a small sub-history of that key that
    still is not, for printing.  Returns [] when no key fails in time.

    Simply dropping ops would soon "fail" for the wrong reason: an
    acknowledged write whose predecessors were dropped cannot reach its
    version.  So shrinking goes in two rounds:
      1. find a small core of acknowledged/failed ops that is not
         linearizable even when every other write, cas, create and delete
         of the key is relaxed to "unknown" (may or may not have happened)
         and every other read is dropped;
      2. keep only as many of those relaxed ops as the failure needs, while
         each core op stays linearizable on its own with them (so the
         failure is the core's, not a missing predecessor's).
    Before that, the history is cut after the point where the search got
    stuck, and if a short window before that point fails from every
    starting state of the node, only that window is shrunk (then the
    result fails whatever came before it; otherwise it fails from the
    history's initial state).
    The result is the core ops as recorded plus the kept relaxed ops (with
    outcome "unknown"), in invoke order."""
    deadline = time.monotonic() + time_budget_s
    ops = as_ops(ops)
    by_key = _register_ops_by_key(ops)
    per_test = max(0.2, time_budget_s / 20)

    def status(sub: list[Op], k: str) -> str:
        left = deadline - time.monotonic()
        if left <= 0:
            return "budget"
        return check_register(sub, _initial_for(initial_states, k),
                              min(left, per_test)).status

    keys = [key] if key is not None else sorted(by_key)
    for k in keys:
        kops = sorted(by_key.get(k, []), key=lambda o: o.invoke)
        if not kops:
            continue
        sr = check_register(kops, _initial_for(initial_states, k),
                            max(0.0, deadline - time.monotonic()))
        if sr.status != "fail":
            continue
        # The failure shows by the time the ops the search got stuck on
        # completed; try cutting off what was invoked after that (writes
        # invoked later are kept as unknown ops: a read may have seen them).
        stuck_end = max((o.end for o in kops if o.id in set(sr.stuck)), default=math.inf)
        prefix = [o for o in kops if o.invoke <= stuck_end]
        later = [_relaxed(o) for o in kops
                 if o.invoke > stuck_end and o.op in MUTATE_KINDS]
        full = kops
        kops = prefix

        # Then look for a short window just before that point which fails
        # whatever state the node was in when the window began: a failure
        # that needs no history before it.
        def any_init_status(sub: list[Op]) -> str:
            inits: list = [None]
            vers = [0]
            for o in sub:
                for v in (o.result.get("version"), o.arg.get("expected_version")):
                    if v is not None:
                        vers.append(int(v))
                if o.op in READ_KINDS and o.outcome == "ok" and \
                        o.result.get("value") is not None:
                    inits.append((o.result["value"], o.result.get("version") or 0))
            inits += [("\0value nobody in the window reads", v)
                      for v in range(max(vers) + 2)]
            worst = "fail"
            for init in inits:
                left = deadline - time.monotonic()
                if left <= 0:
                    return "budget"
                st = _search(*_prepare_register(sub, init), time.monotonic()
                             + min(left, per_test)).status
                if st == "ok":
                    return "ok"
                if st == "budget":
                    worst = "budget"
            return worst

        def window(w: int) -> tuple[list[Op], list[Op]]:
            """The last w ops before the cut, and (relaxed) the writes that
            began before the window but were still in flight in it."""
            win = kops[-w:]
            start = win[0].invoke
            spanning = [_relaxed(o) for o in kops[:-w]
                        if o.end >= start and o.op in MUTATE_KINDS]
            # Unknown ops invoked after every window op completed could
            # always go last: leave them out.
            last = max((o.end for o in win if o.outcome != "unknown"), default=math.inf)
            return win, spanning + [o for o in later if o.invoke <= last]

        stat = lambda sub: status(sub, k)       # noqa: E731
        found = False
        w = 8
        while w < len(kops) and time.monotonic() < deadline:
            win, spanning = window(w)
            if any_init_status(win + spanning) == "fail":
                kops, later, stat = win, spanning, any_init_status
                found = True
                break
            w *= 2
        if not found:
            # No short window: shrink the whole history before the cut if
            # it fails on its own, else the whole history.
            if status(kops + later, k) != "fail":
                kops, later = full, []

        required = [o for o in kops if o.outcome in ("ok", "fail")]
        mutating = [o for o in kops if o.op in MUTATE_KINDS] + later

        def with_core(core: list[Op], relaxed: list[Op]) -> list[Op]:
            ids = {o.id for o in core}
            return core + [_relaxed(o) for o in relaxed if o.id not in ids]

        def core_fails(core: list[Op]) -> bool:
            return stat(with_core(core, mutating)) == "fail"

        core = _ddmin(required, core_fails, deadline)
        core_ids = {o.id for o in core}
        others = [o for o in mutating if o.id not in core_ids]

        def context_fails(ctx: list[Op]) -> bool:
            if stat(with_core(core, ctx)) != "fail":
                return False
            return all(stat(with_core([c], ctx)) == "ok" for c in core)

        ctx = _ddmin(others, context_fails, deadline) if context_fails(others) else others
        return sorted(with_core(core, ctx), key=lambda o: (o.invoke, o.id))
    return []


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def _register_ops_by_key(ops: list[Op]) -> dict[str, list[Op]]:
    by_key: dict[str, list[Op]] = defaultdict(list)
    for o in ops:
        if o.op in REGISTER_KINDS:
            by_key[o.key].append(o)
    return by_key


def _initial_for(initial_states, key):
    st = (initial_states or {}).get(key)
    if st is None:
        return None
    return (st.get("value"), int(st.get("version", 0)))


def _parent(path: str) -> str:
    p = path.rsplit("/", 1)[0]
    return p or "/"


def _basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


_SEQ_RE = re.compile(r"(\d{10})$")


def _seq_number(path: str) -> int | None:
    m = _SEQ_RE.search(path)
    return int(m.group(1)) if m else None


def _written_version(o: Op) -> int | None:
    """The version an ok write/cas/create reports its node at."""
    if o.op in CREATE_KINDS:
        return 0
    v = o.result.get("version")
    return None if v is None else int(v)


def _written_zxid(o: Op) -> int | None:
    z = o.result.get("czxid") if o.op in CREATE_KINDS else o.result.get("mzxid")
    return None if z is None else int(z)


# ---------------------------------------------------------------------------
# Check 2: version order
# ---------------------------------------------------------------------------

def _check_versions(key: str, ops: list[Op], initial, out: list[Violation]) -> None:
    phantoms: set[int] = set()
    # (a) A read returns something somebody wrote (and had begun to write
    # before the read finished).
    producers = [o for o in ops if o.outcome in ("ok", "unknown")
                 and (o.op in ("write", "cas") or o.op in CREATE_KINDS)]
    for o in ops:
        if o.outcome != "ok" or o.op not in READ_KINDS:
            continue
        val = o.result.get("value")
        if val is None:
            continue
        ver = o.result.get("version")
        if initial is not None and initial[0] == val and (ver is None or initial[1] == ver):
            continue
        found = False
        for p in producers:
            if p.arg.get("value") != val or p.invoke > o.end:
                continue
            if ver is None:
                found = True
            elif p.outcome == "ok":
                pv = _written_version(p)
                found = pv is None or pv == ver
            elif p.op == "write":
                found = True
            elif p.op == "cas":
                found = p.arg.get("expected_version") is None or \
                    int(p.arg["expected_version"]) + 1 == ver
            else:
                found = ver == 0
            if found:
                break
        if not found:
            phantoms.add(o.id)
            out.append(Violation("phantom-read", [o.id], (
                f"{key}: {o.op} {o.id} returned {val!r}@v{ver}, which no "
                f"write or create invoked before it completed produced"), key))

    # Everything an ok result tells about the node: (op, value, version, zxid).
    obs = []
    for o in ops:
        if o.outcome != "ok":
            continue
        if o.op in ("write", "cas") or o.op in CREATE_KINDS:
            obs.append((o, o.arg.get("value"), _written_version(o), _written_zxid(o)))
        elif o.op in READ_KINDS and o.result.get("value") is not None \
                and o.id not in phantoms:   # already reported
            v = o.result.get("version")
            z = o.result.get("mzxid")
            obs.append((o, o.result["value"], None if v is None else int(v),
                        None if z is None else int(z)))

    # (b) One transaction zxid is one state of the node.
    reported: set[frozenset] = set()
    by_zxid: dict[int, list] = defaultdict(list)
    for ob in obs:
        if ob[3] is not None:
            by_zxid[ob[3]].append(ob)
    for z, group in sorted(by_zxid.items()):
        states = {(ob[1], ob[2]) for ob in group}
        if len(states) > 1:
            reported.add(frozenset(ob[0].id for ob in group))
            out.append(Violation("version-conflict", [ob[0].id for ob in group], (
                f"{key}: zxid {z} is reported with different data/version: "
                + ", ".join(f"op {ob[0].id} {ob[1]!r}@v{ob[2]}" for ob in group)),
                key))

    # (c) Within one incarnation of the node (between creates), a version
    # number names one value.  Incarnations are told apart by the czxids of
    # the creates; if some create's czxid is not known we cannot, and skip.
    creates = [o for o in ops if o.op in CREATE_KINDS and o.outcome != "fail"]
    if all(o.outcome == "ok" and _written_zxid(o) is not None for o in creates):
        czxids = sorted(_written_zxid(o) for o in creates)
        by_ver: dict[tuple, dict] = defaultdict(dict)
        for ob in obs:
            if ob[2] is None or ob[3] is None:
                continue
            inc = czxids[bisect_right(czxids, ob[3]) - 1] if czxids and ob[3] >= czxids[0] else None
            by_ver[(inc, ob[2])].setdefault(ob[1], []).append(ob[0].id)
        for (inc, ver), vals in sorted(by_ver.items(), key=lambda kv: (kv[0][0] or -1, kv[0][1])):
            if len(vals) > 1:
                ids = sorted(i for v in vals.values() for i in v)
                if frozenset(ids) in reported:
                    continue
                out.append(Violation("version-conflict", ids, (
                    f"{key}: version {ver} (incarnation czxid={inc}) carries "
                    f"different values: " + "; ".join(
                        f"{v!r} from ops {i}" for v, i in vals.items())), key))


# ---------------------------------------------------------------------------
# Check 3: sessions and clients
# ---------------------------------------------------------------------------

def _check_sessions(ops: list[Op], out: list[Violation]) -> None:
    by_client: dict[int, list[Op]] = defaultdict(list)
    for o in ops:
        by_client[o.client].append(o)
    for client, cops in sorted(by_client.items()):
        cops.sort(key=lambda o: (o.invoke, o.id))
        for a, b in zip(cops, cops[1:]):
            if a.complete is not None and b.invoke < a.complete:
                out.append(Violation("client-overlap", [a.id, b.id], (
                    f"client {client} invoked op {b.id} at {b.invoke} while op "
                    f"{a.id} was in flight until {a.complete}")))
        # Per session of this client, in completion order: each reply's
        # header zxid is at least every zxid the session saw before (reply
        # zxids, and the zxids of the data it was shown).
        by_session: dict[int, list[Op]] = defaultdict(list)
        for o in cops:
            if o.outcome == "ok" and o.session and o.complete is not None:
                by_session[o.session].append(o)
        for session, sops in sorted(by_session.items()):
            sops.sort(key=lambda o: (o.complete, o.id))
            floor, floor_op = -1, None
            for o in sops:
                z = o.result.get("zxid")
                if z is not None and int(z) < floor:
                    out.append(Violation("session-zxid", [floor_op, o.id], (
                        f"session {session:#x} (client {client}) saw zxid "
                        f"{floor:#x} in op {floor_op}, then op {o.id} answered "
                        f"from an older state, zxid {int(z):#x}")))
                seen = [int(o.result[k]) for k in ("zxid", "mzxid", "czxid", "pzxid")
                        if o.result.get(k) is not None]
                if seen and max(seen) > floor:
                    floor, floor_op = max(seen), o.id


# ---------------------------------------------------------------------------
# Check 4 and 5: final state
# ---------------------------------------------------------------------------

def _up_members(final_states) -> list[tuple[Any, dict]]:
    return [(m, st) for m, st in sorted(final_states.items(), key=lambda kv: str(kv[0]))
            if st.get("up", True)]


def _check_convergence(final_states, out: list[Violation]) -> None:
    up = _up_members(final_states)
    if len(up) < 2:
        return
    m0, s0 = up[0]
    for m, s in up[1:]:
        diffs = []
        if s0.get("last_zxid") is not None and s.get("last_zxid") is not None \
                and s0["last_zxid"] != s["last_zxid"]:
            diffs.append(f"last_zxid {s0['last_zxid']:#x} vs {s['last_zxid']:#x}")
        if s0.get("digest") is not None and s.get("digest") is not None \
                and s0["digest"] != s["digest"]:
            diffs.append(f"digest {s0['digest']} vs {s['digest']}")
        n0, n1 = s0.get("nodes", {}), s.get("nodes", {})
        paths = sorted(p for p in set(n0) | set(n1) if n0.get(p) != n1.get(p))
        if paths:
            shown = ", ".join(f"{p}: {n0.get(p)} vs {n1.get(p)}" for p in paths[:5])
            more = f" (+{len(paths) - 5} more)" if len(paths) > 5 else ""
            diffs.append(f"{len(paths)} nodes differ: {shown}{more}")
        if diffs:
            out.append(Violation("divergence", [], (
                f"members {m0} and {m} are both up but differ: " + "; ".join(diffs))))


def _check_lost_writes(key: str, ops: list[Op], final_states,
                       out: list[Violation]) -> None:
    if any(o.op == "ephemeral_create" for o in ops):
        return      # ephemerals may vanish with their session: check 5
    deletes = [o for o in ops if o.op == "delete" and o.outcome != "fail"]

    def after_all_deletes(w: Op) -> bool:
        wz = _written_zxid(w)
        for d in deletes:
            if d.complete is not None and w.invoke > d.complete:
                continue
            dz = d.result.get("zxid")
            if d.outcome == "ok" and dz is not None and wz is not None and wz > int(dz):
                continue
            return False
        return True

    acked = [o for o in ops if o.outcome == "ok"
             and (o.op in ("write", "cas", "create"))
             and _written_version(o) is not None and after_all_deletes(o)]
    if not acked:
        return
    top = max(_written_version(o) for o in acked)
    tops = [o for o in acked if _written_version(o) == top]
    want = tops[-1].arg.get("value")
    for m, st in _up_members(final_states):
        node = st.get("nodes", {}).get(key)
        ids = [o.id for o in tops]
        if node is None:
            out.append(Violation("lost-write", ids, (
                f"{key}: acknowledged write of version {top} ({want!r}) but the "
                f"node is absent on member {m}"), key))
        elif int(node.get("version", -1)) < top:
            out.append(Violation("lost-write", ids, (
                f"{key}: acknowledged version {top} ({want!r}) but member {m} "
                f"ends at version {node.get('version')} ({node.get('value')!r})"), key))
        elif int(node["version"]) == top and node.get("value") != want:
            out.append(Violation("lost-write", ids, (
                f"{key}: acknowledged version {top} = {want!r} but member {m} "
                f"has {node.get('value')!r} at that version"), key))


def _check_ephemerals(ops: list[Op], final_states, live_sessions,
                      out: list[Violation]) -> None:
    up = _up_members(final_states)
    deletes = defaultdict(list)
    for o in ops:
        if o.op == "delete" and o.outcome != "fail":
            deletes[o.key].append(o)
    for e in ops:
        if e.op != "ephemeral_create" or e.outcome != "ok" or not e.session:
            continue
        live = e.session in live_sessions
        deleted = any(d.end >= e.invoke for d in deletes[e.key])
        for m, st in up:
            node = st.get("nodes", {}).get(e.key)
            owner = None if node is None else node.get("ephemeral_owner")
            if not live and owner == e.session:
                out.append(Violation("ephemeral-leak", [e.id], (
                    f"{e.key}: ephemeral of session {e.session:#x}, which is "
                    f"gone, is still on member {m}"), e.key))
            elif live and not deleted and owner != e.session:
                what = "absent" if node is None else f"owned by {owner:#x}" \
                    if isinstance(owner, int) else f"owner {owner!r}"
                out.append(Violation("ephemeral-lost", [e.id], (
                    f"{e.key}: ephemeral of live session {e.session:#x} is "
                    f"{what} on member {m}"), e.key))


# ---------------------------------------------------------------------------
# Check 6: sequential creates; and child lists
# ---------------------------------------------------------------------------

def _check_sequential(ops: list[Op], out: list[Violation]) -> None:
    seqs = [o for o in ops if o.op == "seq_create" and o.outcome == "ok"
            and o.result.get("path")]
    by_path: dict[str, list[int]] = defaultdict(list)
    for o in seqs:
        by_path[o.result["path"]].append(o.id)
    for p, ids in sorted(by_path.items()):
        if len(ids) > 1:
            out.append(Violation("seq-duplicate", ids, (
                f"sequential path {p} was handed out {len(ids)} times"), _parent(p)))
    by_parent: dict[str, list[tuple[int, Op]]] = defaultdict(list)
    for o in seqs:
        n = _seq_number(o.result["path"])
        if n is not None and len(by_path[o.result["path"]]) == 1:
            by_parent[o.key].append((n, o))
    for parent, lst in sorted(by_parent.items()):
        lst.sort(key=lambda t: t[0])
        for (n1, a), (n2, b) in zip(lst, lst[1:]):
            za, zb = a.result.get("czxid"), b.result.get("czxid")
            if za is not None and zb is not None and int(za) >= int(zb):
                out.append(Violation("seq-order", [a.id, b.id], (
                    f"{parent}: sequence {n1} has czxid {int(za):#x} but the "
                    f"later sequence {n2} has czxid {int(zb):#x}"), parent))
        # Real time: a create that finished before another began got the
        # smaller number.  Compare each op with the latest-finishing of the
        # ops that have a larger number (a sweep from the top).
        by_seq = sorted(lst, key=lambda t: -t[0])
        best = None     # among higher sequence numbers, the earliest to complete
        for n, o in by_seq:
            if best is not None and best[1].end < o.invoke:
                out.append(Violation("seq-order", [best[1].id, o.id], (
                    f"{parent}: op {best[1].id} got sequence {best[0]} and "
                    f"completed before op {o.id} began, which got the smaller "
                    f"sequence {n}"), parent))
            if best is None or o.end < best[1].end:
                best = (n, o)


def _check_children(ops: list[Op], out: list[Violation]) -> None:
    """A child list must show every child whose (persistent) create
    completed before the list was asked for, unless something may have
    deleted it."""
    deleted = {o.key for o in ops if o.op == "delete" and o.outcome != "fail"}
    created: dict[str, list[tuple[str, Op]]] = defaultdict(list)
    for o in ops:
        if o.outcome != "ok" or o.complete is None:
            continue
        if o.op == "seq_create" and o.result.get("path"):
            path = o.result["path"]
        elif o.op == "create":
            path = o.key
        else:
            continue
        if path not in deleted:
            created[_parent(path)].append((_basename(path), o))
    for r in ops:
        if r.op != "read_children" or r.outcome != "ok":
            continue
        have = set(r.result.get("children") or [])
        missing = [(name, c) for name, c in created.get(r.key, [])
                   if c.complete < r.invoke and name not in have]
        if missing:
            out.append(Violation("stale-children", [r.id] + [c.id for _, c in missing[:5]], (
                f"{r.key}: child list of op {r.id} lacks {len(missing)} children "
                f"created before it was asked for, e.g. "
                + ", ".join(n for n, _ in missing[:5])), r.key))


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------

def check_history(ops: Iterable[Op | dict], final_states: dict | None = None,
                  time_budget_s: float = 10.0, live_sessions: set[int] | None = None,
                  initial_states: dict | None = None,
                  checks: Iterable[str] | None = None,
                  stale_reads_allowed: bool = False) -> Report:
    """Run the checks on a history.

    stale_reads_allowed: ZooKeeper's contract. Writes are linearizable, but a
        plain read is only sequentially consistent: a member that has not yet
        applied the latest commit answers from its older state. With this set,
        plain reads stay out of the per-key linearizability search (they are
        still held to the version check: no read of a value nobody wrote, or
        of a write invoked after the read finished; and to the session check:
        a session never sees zxids go backwards); sync_read, the read that
        must be linearizable, stays in.

    final_states: member -> {"last_zxid", "digest", "nodes": {path: {"value",
        "version", "mzxid", "ephemeral_owner"}}, "up"}; enables checks 4, 5.
    live_sessions: sessions alive at the end; enables the ephemeral check.
    initial_states: path -> {"value", "version"} for nodes that existed
        before the history began (every other key starts absent).
    time_budget_s: total time for the linearizability searches; each key
        gets an equal share of what is left when its turn comes.
    checks: a subset of ALL_CHECKS (default: all).
    """
    checks = ALL_CHECKS if checks is None else frozenset(checks)
    unknown_checks = checks - ALL_CHECKS
    if unknown_checks:
        raise ValueError(f"unknown checks {sorted(unknown_checks)}")
    ops = as_ops(ops)
    rep = Report(n_ops=len(ops))
    c = Counter(o.outcome for o in ops)
    rep.n_ok, rep.n_fail, rep.n_unknown = c["ok"], c["fail"], c["unknown"]
    by_key = _register_ops_by_key(ops)
    rep.n_keys = len({o.key for o in ops})
    initial_states = initial_states or {}
    search_by_key = by_key
    if stale_reads_allowed:
        search_by_key = {k: [o for o in kops if o.op != "read"] for k, kops in by_key.items()}

    def timed(name, fn, *args):
        t0 = time.monotonic()
        fn(*args)
        rep.timings[name] = rep.timings.get(name, 0.0) + time.monotonic() - t0

    # Children of sequential parents appear under names we may not know (an
    # unknown seq_create); unless a key's creation is in the history, its
    # register's starting point is unknown, so it is not checked.
    seq_parents = {o.key for o in ops if o.op == "seq_create"}
    skipped = []
    for k in sorted(by_key):
        if _parent(k) in seq_parents and k not in initial_states and not any(
                o.op in CREATE_KINDS for o in by_key[k]):
            skipped.append(k)
    for k in skipped:
        del by_key[k]
    if skipped:
        rep.notes.append(f"{len(skipped)} sequential children not checked as "
                         f"registers (their creation value is unknown)")

    if "version" in checks:
        def versions():
            for k, kops in sorted(by_key.items()):
                _check_versions(k, kops, _initial_for(initial_states, k), rep.violations)
        timed("version", versions)
    bad_keys = {v.key for v in rep.violations}

    if "linearizability" in checks:
        def linearizability():
            keys = [k for k in sorted(by_key) if k not in bad_keys]
            deadline = time.monotonic() + time_budget_s
            for i, k in enumerate(keys):
                share = max(0.0, deadline - time.monotonic()) / (len(keys) - i)
                rep.n_keys_searched += 1
                status = _check_linearizability(
                    k, search_by_key[k], _initial_for(initial_states, k),
                    max(share, 0.05), rep.violations)
                if status == "budget":
                    rep.inconclusive.append(k)
        timed("linearizability", linearizability)
        if bad_keys:
            rep.notes.append(f"{len(bad_keys)} keys not searched: the version "
                             f"check already failed them")

    if "sessions" in checks:
        timed("sessions", _check_sessions, ops, rep.violations)

    if final_states:
        if "final" in checks:
            def final():
                _check_convergence(final_states, rep.violations)
                for k, kops in sorted(by_key.items()):
                    _check_lost_writes(k, kops, final_states, rep.violations)
            timed("final", final)
        if "ephemerals" in checks:
            if live_sessions is None:
                rep.notes.append("ephemerals not checked: live_sessions not given")
            else:
                timed("ephemerals", _check_ephemerals, ops, final_states,
                      set(live_sessions), rep.violations)
        if not _up_members(final_states):
            rep.notes.append("final state not checked: no member is up")
    if "sequential" in checks:
        timed("sequential", _check_sequential, ops, rep.violations)
    if "children" in checks:
        timed("children", _check_children, ops, rep.violations)
    return rep
