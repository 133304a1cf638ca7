"""Tests for the history checker on hand-made and generated histories.

Every bad history holds one kind of violation, and the test asserts the
checker names exactly that kind: a checker that cannot fail is worth nothing.
Run:  cd Tests/faults && python -m pytest -q test_checker.py
"""

from __future__ import annotations

import random
import time

import pytest

from checker import check_history, check_register, smallest_failing
from history import Op, load_history, save_history


# ---------------------------------------------------------------------------
# A small builder for hand-made histories
# ---------------------------------------------------------------------------

class H:
    """Appends ops with fresh ids; times are given explicitly."""

    def __init__(self):
        self.ops: list[Op] = []

    def add(self, client, op, key, t0, t1, outcome="ok", result=None, arg=None,
            session=None) -> int:
        o = Op(id=len(self.ops) + 1, client=client,
               session=client if session is None else session, op=op, key=key,
               arg=arg or {}, invoke=float(t0),
               complete=None if t1 is None else float(t1), outcome=outcome,
               result=result or {})
        self.ops.append(o)
        return o.id

    def create(self, c, key, value, t0, t1, czxid=None, outcome="ok", **kw):
        res = {"czxid": czxid} if outcome == "ok" else kw.pop("result", {})
        return self.add(c, "create", key, t0, t1, outcome, res, {"value": value}, **kw)

    def write(self, c, key, value, t0, t1, version=None, mzxid=None,
              outcome="ok", error=None, **kw):
        res = {"version": version, "mzxid": mzxid} if outcome == "ok" else (
            {"error": error} if error else {})
        return self.add(c, "write", key, t0, t1, outcome, res, {"value": value}, **kw)

    def cas(self, c, key, value, expected, t0, t1, version=None, mzxid=None,
            outcome="ok", error=None, **kw):
        res = {"version": version, "mzxid": mzxid} if outcome == "ok" else (
            {"error": error} if error else {})
        return self.add(c, "cas", key, t0, t1, outcome, res,
                        {"value": value, "expected_version": expected}, **kw)

    def read(self, c, key, value, version, t0, t1, mzxid=None, op="read", **kw):
        return self.add(c, op, key, t0, t1, "ok",
                        {"value": value, "version": version, "mzxid": mzxid}, **kw)

    def delete(self, c, key, t0, t1, outcome="ok", error=None, **kw):
        return self.add(c, "delete", key, t0, t1, outcome,
                        {"error": error} if error else {}, **kw)


def kinds(report):
    return set(report.kinds())


def only(report, kind):
    """The report holds violations of exactly this kind."""
    assert kinds(report) == {kind}, report.summary()
    return report.of_kind(kind)


def assert_ok(report):
    assert report.ok and report.conclusive, report.summary()


def base(h: H, key="/k"):
    """Node created as 'a'@v0 (zxid 1), then written 'b'@v1 (zxid 2)."""
    h.create(1, key, "a", 0, 1, czxid=1)
    h.write(1, key, "b", 2, 3, version=1, mzxid=2)


# ---------------------------------------------------------------------------
# Valid histories
# ---------------------------------------------------------------------------

def test_empty_history_is_ok():
    assert_ok(check_history([]))


def test_sequential_valid_history():
    h = H()
    base(h)
    h.read(2, "/k", "b", 1, 4, 5, mzxid=2)
    h.cas(2, "/k", "c", 1, 6, 7, version=2, mzxid=3)
    h.cas(1, "/k", "d", 1, 8, 9, outcome="fail", error="BadVersion")
    h.delete(1, "/k", 10, 11)
    h.read(2, "/k", None, None, 12, 13)
    h.write(1, "/k", "e", 14, 15, outcome="fail", error="NoNode")
    h.create(2, "/k", "f", 16, 17, czxid=5)
    h.create(1, "/k", "g", 18, 19, outcome="fail", result={"error": "NodeExists"})
    h.read(1, "/k", "f", 0, 20, 21, mzxid=5)
    assert_ok(check_history(h.ops))


def test_concurrent_reads_may_see_either_side_of_a_write():
    h = H()
    base(h)
    h.write(1, "/k", "c", 10, 20, version=2, mzxid=3)   # long write
    h.read(2, "/k", "b", 1, 11, 12, mzxid=2)            # before it
    h.read(3, "/k", "c", 2, 13, 14, mzxid=3)            # after it
    h.read(2, "/k", "c", 2, 15, 16, mzxid=3)
    assert_ok(check_history(h.ops))


def test_concurrent_writes_in_either_order():
    # Two overlapping writes; their versions say c went first, then d.
    h = H()
    base(h)
    h.write(1, "/k", "d", 10, 20, version=3, mzxid=4)
    h.write(2, "/k", "c", 11, 19, version=2, mzxid=3)
    h.read(3, "/k", "d", 3, 21, 22, mzxid=4)
    assert_ok(check_history(h.ops))


def test_unknown_write_that_took_effect_later_is_ok():
    h = H()
    base(h)
    h.write(1, "/k", "x", 4, None, outcome="unknown")   # connection lost
    h.read(2, "/k", "b", 1, 5, 6, mzxid=2)              # not yet applied
    h.read(2, "/k", "x", 2, 30, 31, mzxid=3)            # applied much later
    h.write(3, "/k", "y", 32, 33, version=3, mzxid=4)
    assert_ok(check_history(h.ops))


def test_unknown_write_never_visible_is_ok():
    h = H()
    base(h)
    h.write(1, "/k", "x", 4, None, outcome="unknown")
    h.read(2, "/k", "b", 1, 5, 6, mzxid=2)
    h.write(3, "/k", "y", 7, 8, version=2, mzxid=3)
    h.read(2, "/k", "y", 2, 9, 10, mzxid=3)
    assert_ok(check_history(h.ops))


def test_unknown_write_seen_only_through_the_version_is_ok():
    # Nobody reads x, but the next acknowledged write lands on version 3,
    # which is only possible if the unknown write took effect first.
    h = H()
    base(h)
    h.write(1, "/k", "x", 4, None, outcome="unknown")
    h.write(2, "/k", "y", 7, 8, version=3, mzxid=4)
    assert_ok(check_history(h.ops))


def test_failed_cas_is_a_read_of_a_different_version():
    h = H()
    base(h)
    h.cas(2, "/k", "z", 0, 4, 5, outcome="fail", error="BadVersion")
    h.cas(2, "/k", "c", 1, 6, 7, version=2, mzxid=3)
    assert_ok(check_history(h.ops))


def test_history_file_round_trip(tmp_path):
    h = H()
    base(h)
    h.write(1, "/k", "x", 4, None, outcome="unknown")
    path = tmp_path / "h.jsonl"
    save_history(str(path), h.ops)
    back = load_history(str(path))
    assert [o.to_dict() for o in back] == [o.to_dict() for o in h.ops]
    # dicts as read from JSON are accepted as well
    assert_ok(check_history([o.to_dict() for o in back]))


# ---------------------------------------------------------------------------
# Register violations
# ---------------------------------------------------------------------------

def test_stale_read():
    h = H()
    base(h)
    stale = h.read(2, "/k", "a", 0, 4, 5, mzxid=1)   # b was acknowledged at 3
    [v] = only(check_history(h.ops), "linearizability")
    assert stale in v.op_ids


def test_stale_plain_read_is_zookeepers_contract_but_a_stale_sync_read_is_not():
    # ZooKeeper: a follower may answer a plain read from state a commit behind; only sync then
    # read must see every write acknowledged before it.
    h = H()
    base(h)
    h.read(2, "/k", "a", 0, 4, 5, mzxid=1)   # b was acknowledged at 3
    assert_ok(check_history(h.ops, stale_reads_allowed=True))
    h = H()
    base(h)
    stale = h.read(2, "/k", "a", 0, 4, 5, mzxid=1, op="sync_read")
    [v] = only(check_history(h.ops, stale_reads_allowed=True), "stale-sync-read")
    assert stale in v.op_ids


def test_real_time_order_needs_the_search():
    # The write overlaps both reads, so each read alone is fine; but the
    # first read (done by 5) saw the new value and the second (begun at 6)
    # the old one.  Every (value, version) returned was really written.
    h = H()
    base(h)
    h.write(1, "/k", "c", 4, 20, version=2, mzxid=3)
    h.read(2, "/k", "c", 2, 4.5, 5, mzxid=3)
    h.read(3, "/k", "b", 1, 6, 7, mzxid=2)
    r = check_history(h.ops)
    only(r, "linearizability")
    # ... and only the search sees it.
    assert check_history(h.ops, checks={"version", "sessions"}).ok


def test_lost_update_two_writes_same_version():
    h = H()
    base(h)
    w1 = h.write(1, "/k", "c", 4, 5, version=2, mzxid=3)
    w2 = h.write(2, "/k", "d", 6, 7, version=2, mzxid=4)
    [v] = only(check_history(h.ops), "version-conflict")
    assert {w1, w2} <= set(v.op_ids)


def test_same_version_after_recreate_is_not_a_conflict():
    h = H()
    base(h)
    h.delete(1, "/k", 4, 5)
    h.create(1, "/k", "c", 6, 7, czxid=4)
    h.write(1, "/k", "d", 8, 9, version=1, mzxid=5)    # v1 again, new node
    assert_ok(check_history(h.ops))


def test_read_of_a_value_nobody_wrote():
    h = H()
    base(h)
    r = h.read(2, "/k", "zzz", 1, 4, 5, mzxid=2)
    [v] = only(check_history(h.ops), "phantom-read")
    assert v.op_ids == [r]


def test_read_from_the_future():
    h = H()
    base(h)
    r = h.read(2, "/k", "c", 2, 4, 5, mzxid=3)
    h.write(1, "/k", "c", 6, 7, version=2, mzxid=3)
    [v] = only(check_history(h.ops), "phantom-read")
    assert v.op_ids == [r]


def test_cas_succeeds_with_wrong_expected_version():
    h = H()
    base(h)                                             # node at version 1
    bad = h.cas(2, "/k", "c", 0, 4, 5, version=1, mzxid=3)
    only(check_history(h.ops), "version-conflict")
    # the search alone finds it too
    r = check_history(h.ops, checks={"linearizability"})
    [v] = only(r, "linearizability")
    assert bad in v.op_ids


def test_failed_cas_that_should_have_succeeded():
    h = H()
    base(h)
    h.cas(2, "/k", "c", 1, 4, 5, outcome="fail", error="BadVersion")
    only(check_history(h.ops), "linearizability")


def test_stale_sync_read_is_its_own_kind():
    h = H()
    base(h)
    ok = h.read(2, "/k", "b", 1, 4, 5, mzxid=2)
    stale = h.read(3, "/k", "a", 0, 6, 7, mzxid=1, op="sync_read")
    h.read(2, "/k", "b", 1, 8, 9, mzxid=2)
    [v] = only(check_history(h.ops), "stale-sync-read")
    assert v.op_ids == [stale] and ok not in v.op_ids


def test_stale_plain_read_next_to_sync_reads_stays_linearizability():
    h = H()
    base(h)
    h.read(3, "/k", "b", 1, 4, 5, mzxid=2, op="sync_read")
    h.read(2, "/k", "a", 0, 6, 7, mzxid=1)
    only(check_history(h.ops), "linearizability")


def test_budget_exceeded_is_inconclusive_not_a_verdict():
    # Many concurrent unknown writes whose values are read back in an
    # impossible pattern: hard for the search.  With a tiny budget the
    # key must be reported as inconclusive or failing, never as passing
    # with conclusive=True when it actually fails.
    h = H()
    h.create(1, "/k", "a", 0, 1, czxid=1)
    for i in range(14):
        h.write(10 + i, "/k", f"u{i}", 2, None, outcome="unknown")
    for i in range(14):
        h.read(1, "/k", f"u{i}", 20, 100 + 2 * i, 101 + 2 * i)  # version 20 always
    r = check_history(h.ops, time_budget_s=0.05)
    assert not (r.ok and r.conclusive), r.summary()


# ---------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------

def test_zxid_going_backwards_in_a_session():
    h = H()
    h.add(1, "read", "/a", 0, 1, "ok", {"value": None, "version": None,
                                        "mzxid": None, "zxid": 10})
    back = h.add(1, "read", "/b", 2, 3, "ok", {"value": None, "version": None,
                                               "mzxid": None, "zxid": 7})
    [v] = only(check_history(h.ops), "session-zxid")
    assert back in v.op_ids


def test_zxid_may_drop_with_a_new_session():
    h = H()
    h.add(1, "read", "/a", 0, 1, "ok", {"value": None, "version": None,
                                        "mzxid": None, "zxid": 10}, session=5)
    h.add(1, "read", "/b", 2, 3, "ok", {"value": None, "version": None,
                                        "mzxid": None, "zxid": 7}, session=6)
    assert_ok(check_history(h.ops))


def test_data_seen_bounds_later_zxids():
    # The session was shown data written at zxid 12; a later reply from a
    # state older than that is going back in time.
    h = H()
    h.add(1, "write", "/a", 0, 1, "ok", {"version": 0, "mzxid": 12},
          {"value": "x"})
    h.add(1, "read", "/b", 2, 3, "ok", {"value": None, "version": None,
                                        "mzxid": None, "zxid": 11})
    r = check_history(h.ops, checks={"sessions"})
    only(r, "session-zxid")


def test_client_overlap():
    h = H()
    h.read(1, "/k", None, None, 0, 5)
    h.read(1, "/k", None, None, 4, 6)
    only(check_history(h.ops), "client-overlap")


# ---------------------------------------------------------------------------
# Final state, ephemerals, sequential creates
# ---------------------------------------------------------------------------

def member(nodes, up=True, last_zxid=9, digest="d1"):
    return {"up": up, "last_zxid": last_zxid, "digest": digest, "nodes": nodes}


def node(value, version, mzxid=2, owner=0):
    return {"value": value, "version": version, "mzxid": mzxid,
            "ephemeral_owner": owner}


def test_final_state_matching_is_ok():
    h = H()
    base(h)
    fs = {1: member({"/k": node("b", 1)}), 2: member({"/k": node("b", 1)}),
          3: member({}, up=False, last_zxid=1, digest="old")}
    assert_ok(check_history(h.ops, final_states=fs))


def test_lost_acknowledged_write():
    h = H()
    base(h)
    fs = {1: member({"/k": node("a", 0, mzxid=1)}),
          2: member({"/k": node("a", 0, mzxid=1)})}
    vs = only(check_history(h.ops, final_states=fs), "lost-write")
    assert len(vs) == 2          # reported for each member


def test_lost_write_with_unknown_later_write_is_ok():
    # An unknown write may have taken the node further: a higher version.
    h = H()
    base(h)
    h.write(1, "/k", "x", 4, None, outcome="unknown")
    fs = {1: member({"/k": node("x", 2, mzxid=3)})}
    assert_ok(check_history(h.ops, final_states=fs))


def test_members_that_do_not_converge():
    h = H()
    base(h)
    fs = {1: member({"/k": node("b", 1), "/extra": node("q", 0, 3)}, last_zxid=3),
          2: member({"/k": node("b", 1)}, last_zxid=2)}
    [v] = only(check_history(h.ops, final_states=fs), "divergence")
    assert "/extra" in v.message


def test_ephemeral_outliving_its_session():
    h = H()
    e = h.add(1, "ephemeral_create", "/e", 0, 1, "ok", {"czxid": 1},
              {"value": "x"}, session=0x100)
    fs = {1: member({"/e": node("x", 0, 1, owner=0x100)})}
    [v] = only(check_history(h.ops, final_states=fs, live_sessions=set()),
               "ephemeral-leak")
    assert v.op_ids == [e]
    # While the session lives, that is how it should be.
    assert_ok(check_history(h.ops, final_states=fs, live_sessions={0x100}))


def test_ephemeral_gone_while_its_session_lives():
    h = H()
    h.add(1, "ephemeral_create", "/e", 0, 1, "ok", {"czxid": 1},
          {"value": "x"}, session=0x100)
    fs = {1: member({})}
    only(check_history(h.ops, final_states=fs, live_sessions={0x100}),
         "ephemeral-lost")
    # Gone with its session: fine.
    assert_ok(check_history(h.ops, final_states=fs, live_sessions=set()))


def seq(h, c, n, t0, t1, czxid, parent="/queue"):
    return h.add(c, "seq_create", parent, t0, t1, "ok",
                 {"path": f"{parent}/q-{n:010d}", "czxid": czxid})


def test_sequential_creates_valid():
    h = H()
    seq(h, 1, 0, 0, 1, czxid=1)
    seq(h, 2, 2, 2, 5, czxid=4)      # overlapping: any order
    seq(h, 1, 1, 2, 3, czxid=3)
    h.add(3, "read_children", "/queue", 6, 7, "ok",
          {"children": ["q-0000000000", "q-0000000001", "q-0000000002"]})
    assert_ok(check_history(h.ops))


def test_duplicate_sequential_path():
    h = H()
    a = seq(h, 1, 0, 0, 1, czxid=1)
    b = seq(h, 2, 0, 2, 3, czxid=2)
    [v] = only(check_history(h.ops), "seq-duplicate")
    assert set(v.op_ids) == {a, b}


def test_sequential_numbers_against_czxid_and_time():
    h = H()
    seq(h, 1, 1, 0, 1, czxid=5)
    seq(h, 2, 2, 0, 1, czxid=4)      # higher number, lower czxid
    only(check_history(h.ops), "seq-order")
    h = H()
    seq(h, 1, 5, 0, 1, czxid=None)
    seq(h, 2, 3, 2, 3, czxid=None)   # began after 5 was handed out
    only(check_history(h.ops), "seq-order")


def test_child_list_missing_a_created_child():
    h = H()
    seq(h, 1, 0, 0, 1, czxid=1)
    seq(h, 1, 1, 2, 3, czxid=2)
    h.add(2, "read_children", "/queue", 4, 5, "ok", {"children": ["q-0000000000"]})
    only(check_history(h.ops), "stale-children")


# ---------------------------------------------------------------------------
# Shrinking
# ---------------------------------------------------------------------------

def test_smallest_failing_sub_history():
    h = H()
    base(h)
    t = 4
    for i in range(40):                      # noise that is fine on its own
        h.read(2, "/k", "b", 1, t, t + 0.5, mzxid=2)
        t += 1
    h.write(1, "/k", "c", t, t + 1, version=2, mzxid=3)
    stale = h.read(2, "/k", "b", 1, t + 2, t + 3, mzxid=2)
    for i in range(40):
        h.read(3, "/k", "c", 2, t + 4 + i, t + 4.5 + i, mzxid=3)
    small = smallest_failing(h.ops, time_budget_s=5)
    ids = {o.id for o in small}
    assert stale in ids
    assert len(small) <= 4, [o.to_dict() for o in small]
    assert check_register(small).status == "fail"
    assert smallest_failing(h.ops[:3]) == []


# ---------------------------------------------------------------------------
# Generated histories
# ---------------------------------------------------------------------------

def generate(seed, n_ops=300, clients=4, key="/k", p_unknown=0.05, p_sync=0.2):
    """A history from a real linearizable register: every op takes effect
    at a random instant inside its [invoke, complete] window, in the order of
    those instants.  Unknown ops take effect (or not) at any time after
    their invoke; their client moves on after a timeout."""
    rng = random.Random(seed)
    plans = []      # (linearization point, client, invoke, complete|None, kind, arg, takes effect)
    t_client = [0.0] * clients
    per_client = n_ops // clients
    for c in range(clients):
        for _ in range(per_client):
            t0 = t_client[c] + rng.uniform(0.01, 1.0)
            dur = rng.uniform(0.01, 3.0)
            kind = rng.choices(["read", "write", "cas", "create", "delete"],
                               [5, 4, 3, 1, 0.5])[0]
            if kind == "read" and rng.random() < p_sync:
                kind = "sync_read"
            unknown = kind not in ("read", "sync_read") and rng.random() < p_unknown
            if unknown:
                effect = rng.random() < 0.5
                lp = t0 + rng.uniform(0, 20.0)
                plans.append((lp, c, t0, None, kind, effect))
                t_client[c] = t0 + 3.0          # the client's timeout
            else:
                lp = t0 + rng.uniform(0, dur)
                plans.append((lp, c, t0, t0 + dur, kind, True))
                t_client[c] = t0 + dur
    plans.sort()
    state = None        # None or [value, version, mzxid]
    zxid = 1
    ops = []
    for n, (lp, c, t0, t1, kind, effect) in enumerate(plans):
        oid = n + 1
        arg, res, outcome = {}, {}, "ok"
        value = f"v{oid}"
        if kind in ("read", "sync_read"):
            res = {"value": state[0], "version": state[1], "mzxid": state[2]} \
                if state else {"value": None, "version": None, "mzxid": None}
        elif kind == "write":
            arg = {"value": value}
            if state is None:
                outcome, res = "fail", {"error": "NoNode"}
            elif effect:
                zxid += 1
                state = [value, state[1] + 1, zxid]
                res = {"version": state[1], "mzxid": zxid}
        elif kind == "cas":
            exp = (state[1] if rng.random() < 0.7 else state[1] - 1) if state else 0
            arg = {"value": value, "expected_version": exp}
            if state is None:
                outcome, res = "fail", {"error": "NoNode"}
            elif state[1] != exp:
                outcome, res = "fail", {"error": "BadVersion"}
            elif effect:
                zxid += 1
                state = [value, exp + 1, zxid]
                res = {"version": state[1], "mzxid": zxid}
        elif kind == "create":
            arg = {"value": value}
            if state is not None:
                outcome, res = "fail", {"error": "NodeExists"}
            elif effect:
                zxid += 1
                state = [value, 0, zxid]
                res = {"czxid": zxid}
        elif kind == "delete":
            if state is None:
                outcome, res = "fail", {"error": "NoNode"}
            elif effect:
                zxid += 1
                state = None
        if t1 is None:
            outcome, res = "unknown", {}
        ops.append(Op(id=oid, client=c, session=c + 1, op=kind, key=key, arg=arg,
                      invoke=t0, complete=t1, outcome=outcome, result=res))
    return ops


def corrupt_one_read(ops, rng):
    """Make one plain read return a state that had certainly been replaced
    before the read began.  Returns the read's id, or None if there is no
    such read."""
    # States in order of the writes that made them (ok writes only), with
    # the op that replaced each.
    by_lp = [o for o in ops if o.outcome == "ok" and o.op in
             ("write", "cas", "create", "delete")]
    by_lp.sort(key=lambda o: o.result.get("mzxid") or o.result.get("czxid")
               or o.id)   # generation order = mzxid order
    candidates = []
    for i, w in enumerate(by_lp[:-1]):
        if w.op == "delete":
            continue
        nxt = by_lp[i + 1]
        # only when nothing unknown could have recreated that state
        for r in ops:
            if r.op == "read" and r.outcome == "ok" and nxt.complete < r.invoke \
                    and r.result.get("value") != w.arg["value"]:
                candidates.append((r, w))
    if not candidates:
        return None
    r, w = rng.choice(candidates)
    r.result = {"value": w.arg["value"], "version": _written_version(w),
                "mzxid": w.result.get("mzxid") or w.result.get("czxid")}
    return r.id


def _written_version(w):
    return 0 if w.op == "create" else w.result["version"]


@pytest.mark.parametrize("seed", range(12))
def test_generated_histories_pass_and_a_corrupted_read_fails(seed):
    ops = generate(seed)
    r = check_history(ops, time_budget_s=5)
    assert_ok(r)
    rng = random.Random(1000 + seed)
    rid = corrupt_one_read(ops, rng)
    assert rid is not None
    r = check_history(ops, time_budget_s=5)
    assert not r.ok, r.summary()
    assert kinds(r) <= {"linearizability", "version-conflict"}, r.summary()


def test_generated_history_with_many_unknowns_passes():
    ops = generate(7, n_ops=400, clients=5, p_unknown=0.2)
    assert sum(o.outcome == "unknown" for o in ops) > 20
    assert_ok(check_history(ops, time_budget_s=10))


def test_performance_3000_ops_one_key_5_clients():
    ops = generate(42, n_ops=3000, clients=5, p_unknown=0.03)
    t0 = time.monotonic()
    r = check_history(ops, time_budget_s=20)
    took = time.monotonic() - t0
    assert_ok(r)
    print(f"3000 ops checked in {took:.2f}s: {r.timings}")


def test_corrupted_read_in_a_3000_op_history_is_found_and_shrunk():
    ops = generate(42, n_ops=3000, clients=5, p_unknown=0.03)
    rid = corrupt_one_read(ops, random.Random(1))
    r = check_history(ops, time_budget_s=20)
    [v] = only(r, "linearizability")
    assert rid in v.op_ids
    small = smallest_failing(ops, time_budget_s=10)
    assert rid in {o.id for o in small} and len(small) < 20, len(small)
