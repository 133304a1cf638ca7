"""The differential test: scenario.py against Apache ZooKeeper and against swzk must agree exactly.

Apache's output is also pinned in golden/scenario-apache-3.8.0.jsonl, so a change on the
Apache side (or in the scenario's normalization) is noticed rather than silently followed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import scenario
from compare import assert_same, check_golden

GOLDEN = "scenario-apache-3.8.0.jsonl"


SCENARIO_DEADLINE_S = 240.0


def run_scenario(hostport: str) -> list[str]:
    """scenario.py in a child process, streamed line by line, killed at the deadline.

    The scenario bounds each call itself; the deadline only guards against a hang that slips
    through (a kazoo thread waiting forever), and what ran before it is kept for the diff.
    """
    proc = subprocess.Popen([sys.executable, str(Path(scenario.__file__)), hostport],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(line.rstrip("\n") for line in proc.stdout),
                              daemon=True)
    reader.start()
    reader.join(SCENARIO_DEADLINE_S)
    if reader.is_alive():
        proc.kill()
        reader.join(10)
        lines.append(json.dumps({"step": "TIMEOUT", "after_s": SCENARIO_DEADLINE_S}))
    proc.wait(10)
    return lines


def run_on(zk_start, kind: str, name: str) -> list[str]:
    server = zk_start(kind, scenario.SETTINGS, name)
    try:
        return run_scenario(server.hostport)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def apache_lines(zk_start) -> list[str]:
    return run_on(zk_start, "apache", "scenario")


def test_scenario_completes_on_apache(apache_lines):
    """Every step ran, every expected event arrived and no unexpected frame showed up."""
    records = [json.loads(line) for line in apache_lines]
    problems = [r for r in records
                if r["step"] in ("CRASH", "TIMEOUT") or r.get("timedOut") or r.get("silent") is False]
    assert not problems, problems
    assert records[-1]["step"] == "end.srvr"


def test_apache_matches_golden(apache_lines, tmp_path):
    check_golden(GOLDEN, apache_lines, tmp_path)


@pytest.mark.skipif(os.environ.get("SWZK_INTEROP_TWICE") != "1",
                    reason="set SWZK_INTEROP_TWICE=1 to re-check that the normalization is deterministic")
def test_apache_twice_is_identical(apache_lines, zk_start, tmp_path):
    again = run_on(zk_start, "apache", "scenario-again")
    assert_same(apache_lines, again, "Apache run 1", "Apache run 2", tmp_path)


def expected_of_swzk(apache_line: str) -> str:
    """Apache 3.8.0's line, or what swzk answers instead where it follows a later 3.8 fix.

    The reference server is 3.8.0. swzk keeps two fixes of later 3.8 releases (see the README):
    - ZOOKEEPER-2590 (3.8.4): `exists` on a node the caller may not read answers NoAuth and no
      Stat, where 3.8.0 returns the Stat.
    - ZOOKEEPER-4026 (3.8.2): a create2 sub-op of a multi answers with type 15 and its Stat,
      where 3.8.0 answers type 1 with the path only. The Stat is the one of the next create2 in
      the same multi (same zxid and time, same shape), which the scenario checks exists.
    Everything else must be identical.
    """
    record = json.loads(apache_line)
    step = record.get("step", "")
    if "quirk-3.8.0: no READ check" in step:
        record.pop("result", None)
        record["err"] = -102
        return json.dumps(record, sort_keys=True)
    if "quirk-3.8.0: create2 answers type 1" in step:
        results = record["result"]
        stats = [r["stat"] for r in results if r.get("type") == 15 and "stat" in r]
        assert stats, "the multi must contain a create2 that 3.8.0 answers with a Stat"
        for r in results:
            if r.get("type") == 1 and r.get("path") == "/tx/m2":
                r["type"] = 15
                r["stat"] = stats[0]
        return json.dumps(record, sort_keys=True)
    return apache_line


def test_swzk_matches_apache(apache_lines, zk_start, tmp_path):
    lines = run_on(zk_start, "swzk", "scenario")
    expected = [expected_of_swzk(line) for line in apache_lines]
    assert_same(expected, lines, "Apache ZooKeeper 3.8 (with swzk's two documented fixes)", "swzk", tmp_path)
