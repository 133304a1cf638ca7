"""The differential test: scenario.py against Apache ZooKeeper and against swzk must agree exactly.

Apache's output is also pinned in golden/scenario-apache-3.8.0.jsonl, so a change on the
Apache side (or in the scenario's normalization) is noticed rather than silently followed.
"""

from __future__ import annotations

import json
import os

import pytest

import scenario
from compare import assert_same, check_golden

GOLDEN = "scenario-apache-3.8.0.jsonl"


def run_on(zk_start, kind: str, name: str) -> list[str]:
    server = zk_start(kind, scenario.SETTINGS, name)
    try:
        return scenario.run(server.hostport)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def apache_lines(zk_start) -> list[str]:
    return run_on(zk_start, "apache", "scenario")


def test_scenario_completes_on_apache(apache_lines):
    """Every step ran, every expected event arrived and no unexpected frame showed up."""
    records = [json.loads(line) for line in apache_lines]
    problems = [r for r in records if r["step"] == "CRASH" or r.get("timedOut") or r.get("silent") is False]
    assert not problems, problems
    assert records[-1]["step"] == "end.srvr"


def test_apache_matches_golden(apache_lines, tmp_path):
    check_golden(GOLDEN, apache_lines, tmp_path)


@pytest.mark.skipif(os.environ.get("SWZK_INTEROP_TWICE") != "1",
                    reason="set SWZK_INTEROP_TWICE=1 to re-check that the normalization is deterministic")
def test_apache_twice_is_identical(apache_lines, zk_start, tmp_path):
    again = run_on(zk_start, "apache", "scenario-again")
    assert_same(apache_lines, again, "Apache run 1", "Apache run 2", tmp_path)


def test_swzk_matches_apache(apache_lines, zk_start, tmp_path):
    lines = run_on(zk_start, "swzk", "scenario")
    assert_same(apache_lines, lines, "Apache ZooKeeper 3.8", "swzk", tmp_path)
