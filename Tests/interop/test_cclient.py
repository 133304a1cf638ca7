"""Apache's C client shell (cli_mt, Debian's zookeeper-bin) against swzk and Apache ZooKeeper.

cli_mt is asynchronous; clitools.CliMt waits for each command's output before sending the next,
so the transcript is deterministic.  Command syntax (from `help` on 3.8.0):
create [+[e|s|c|t=ttl]] path, create2, delete, set path data, get, ls, ls2, sync, exists,
wexists, myid, addauth scheme credential, config, quit.  Created nodes hold the data "new".
"""

from __future__ import annotations

import pytest

import scenario
from clitools import CliMt, SessionLabels, normalize_cli_mt
from compare import ApacheOutputs, assert_same, check_golden, run_fresh

SETTINGS = scenario.SETTINGS

COMMANDS = [
    "create /cm", "create /cm/a", "create +e /cm/e", "create +s /cm/s-", "create +es /cm/es-",
    "create2 /cm/b", "create2 /cm", "create /cm", "create /nope/x", "create +e /cm/e/x",
    "create +c /cm-cont", "create /cm-cont/keep", "create +t=3600000 /cm-ttl",
    "set /cm hello", "set /nope x", "get /cm", "get /cm/e", "get /nope", "get nopath",
    "ls /cm", "ls2 /cm", "ls /nope", "exists /cm", "exists /nope",
    "wexists /cm/new", "create /cm/new", "set /cm/new data",
    "sync /cm", "sync /nope",
    "delete /cm", "delete /nope", "delete /cm/a", "delete /cm/new",
    "addauth digest alice:pw", "create /cm/after-auth", "config", "myid", "ls /",
]


def run_cli_mt(server) -> list[str]:
    cli = CliMt(server)
    try:
        for command in COMMANDS:
            cli.cmd(command)
    finally:
        rc = cli.quit()
    return [f"exit={rc}"] + normalize_cli_mt(cli.transcript, SessionLabels())


RUNNERS = {"session": run_cli_mt}


@pytest.fixture(scope="module")
def apache_outputs(zk_start):
    return ApacheOutputs(zk_start, RUNNERS, SETTINGS)


@pytest.mark.parametrize("name", RUNNERS)
def test_apache_matches_golden(name, apache_outputs, tmp_path):
    check_golden(f"cclient-{name}.txt", apache_outputs(name), tmp_path)


@pytest.mark.parametrize("name", RUNNERS)
def test_swzk_matches_apache(name, apache_outputs, zk_start, tmp_path):
    expected = apache_outputs(name)
    actual = run_fresh(zk_start, "swzk", RUNNERS[name], SETTINGS, name)
    assert_same(expected, actual, f"cli_mt {name} on Apache", f"cli_mt {name} on swzk", tmp_path)
