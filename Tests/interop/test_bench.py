"""`swzk bench` against both servers: every workload runs without errors, the JSON result is
complete, and the key space it set up is gone afterwards (the node count is back to a fresh
server's 5)."""

from __future__ import annotations

import json
import subprocess

import pytest

import scenario
import zkservers


@pytest.fixture(scope="module", params=["apache", "swzk"])
def server(request, zk_start) -> zkservers.ZKServer:
    return zk_start(request.param, scenario.SETTINGS, "bench")


def bench(server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(zkservers.swzk_bin()), "bench", "--server", server.hostport, *args],
                          capture_output=True, text=True, timeout=120)


def node_count(server) -> int:
    for line in server.word("srvr").splitlines():
        if line.startswith("Node count: "):
            return int(line.split(": ")[1])
    raise AssertionError("srvr has no Node count line")


@pytest.mark.parametrize("op", ["create", "set", "get", "exists", "mixed", "delete"])
def test_closed_loop_workloads(server, op):
    res = bench(server, "--op", op, "--sessions", "2", "--depth", "20", "--znodes", "300",
                "--count", "300", "--value-size", "100", "--json")
    assert res.returncode == 0, res.stderr
    result = json.loads(res.stdout)
    assert result["errors"] == {}
    ops = result["ops"]
    expected = ["get", "set"] if op == "mixed" else [op]
    assert sorted(ops) == sorted(expected)
    assert sum(o["count"] for o in ops.values()) == 300
    for o in ops.values():
        assert 0 < o["p50_ms"] <= o["p99_ms"] <= o["max_ms"]
    assert result["ops_per_sec"] > 0
    assert node_count(server) == 5, "bench left znodes behind"


def test_open_loop_rate(server):
    res = bench(server, "--op", "get", "--rate", "400", "--duration", "1s", "--sessions", "2", "--json")
    assert res.returncode == 0, res.stderr
    result = json.loads(res.stdout)
    count = result["ops"]["get"]["count"]
    assert 300 <= count <= 480, f"{count} gets at 400 ops/s for 1 s"
    assert node_count(server) == 5


def test_latency_mode(server):
    res = bench(server, "--latency", "--count", "50", "--json")
    assert res.returncode == 0, res.stderr
    phases = json.loads(res.stdout)["latency"]
    assert list(phases) == ["create", "set", "get", "delete"]
    assert all(p["count"] == 50 for p in phases.values())
    assert node_count(server) == 5


def test_text_output_and_bad_flags(server):
    res = bench(server, "--op", "set", "--count", "100", "--sessions", "1", "--depth", "5")
    assert res.returncode == 0, res.stderr
    assert "throughput:" in res.stdout and "set" in res.stdout
    bad = bench(server, "--op", "frobnicate")
    assert bad.returncode != 0 and "--op" in bad.stderr
