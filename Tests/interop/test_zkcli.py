"""Apache's zkCli (Java) against swzk, compared with the same commands against Apache ZooKeeper.

Two runs per server: one-shot invocations (`zkCli -server H:P cmd args`, one JVM each) and one
interactive session fed through stdin.  Output is normalized by clitools.normalize_zkcli.
"""

from __future__ import annotations

import pytest

import scenario
from clitools import SessionLabels, zkcli
from compare import ApacheOutputs, assert_same, check_golden, run_fresh

SETTINGS = scenario.SETTINGS

ONESHOT = [
    ["create", "/os", "data"],
    ["create", "/os", "again"],
    ["get", "-s", "/os"],
    ["get", "/nope"],
    ["set", "-v", "7", "/os", "x"],
    ["ls", "-R", "/"],
    ["stat", "/zookeeper"],
    ["getAllChildrenNumber", "/"],
    ["delete", "/os"],
]

# One interactive session: every command family, successes and failures.
INTERACTIVE = """\
create /cli hello
create /cli/child1 c1
create -e /cli/eph e
create -s /cli/seq- s
create -e -s /cli/eseq- x
create -c /cli-cont
create /cli-cont/keep
create -t 3600000 /cli-ttl t
create -s -t 3600000 /cli-ttl/s- t
create /cli hello
create /nope/x
create -c -e /bad
create -t 0 /bad
create /cli-secret s auth::cdrwa
create /cli-digest d digest:bob:EXcpcQQk6JBIDFnxSqkpDLIhkxw=:cdrwa,world:anyone:r
create /cli/eph/child
create nopath
ls /cli
ls -s /cli
ls -R /cli
ls /nope
get /cli
get -s /cli
get /nope
get /cli-digest
getAcl /cli-digest
set /cli world
set -s /cli world2
set -v 99 /cli bad
set /cli-digest nope
stat /cli
stat /cli/eph
stat /nope
getAcl /cli
getAcl -s /zookeeper/config
setAcl /cli-cont world:anyone:cdra
setAcl -v 99 /cli-cont world:anyone:cdrwa
setAcl -s /cli-cont world:anyone:cdrwa
getAcl /cli-cont
setAcl -R /cli-cont world:anyone:cdrwa
setAcl /cli-cont nosuchscheme:x:r
addauth digest alice:pw
create /cli-secret s auth::cdrwa
getAcl /cli-secret
whoami
addauth digest super:swzk-super
whoami
getAcl /cli-digest
sync /cli
getEphemerals
getEphemerals /cli
getEphemerals /nomatch
getAllChildrenNumber /
getAllChildrenNumber /cli
getAllChildrenNumber /nope
stat -w /cli
set /cli x
get -w /cli
set /cli y
ls -w /cli
create /cli/child2
delete /cli/child2
delete /cli
delete -v 5 /cli/child1
delete /cli/child1
delete /nope
addWatch /rw
create /rw
create /rw/a
set /rw/a 1
addWatch -m PERSISTENT /pw
create /pw
set /pw 1
create /pw/c
removewatches /pw
set /pw 2
removewatches /nope
config
setquota -n 5 /cli
listquota /cli
delquota /cli
listquota /cli
deleteall /cli
ls /
close
ls /
quit
"""


def run_oneshot(server) -> list[str]:
    """One JVM per command.  The connection event is dropped: a one-shot zkCli may exit before
    its event thread prints it."""
    labels = SessionLabels()
    lines: list[str] = []
    for args in ONESHOT:
        result = zkcli(server, args=args, labels=labels)
        result.events = [e for e in result.events if "type:None" not in e]
        lines.append("$ zkCli " + " ".join(args))
        lines += result.lines()
    return lines


def run_interactive(server) -> list[str]:
    return zkcli(server, script=INTERACTIVE).lines()


RUNNERS = {"oneshot": run_oneshot, "interactive": run_interactive}


@pytest.fixture(scope="module")
def apache_outputs(zk_start):
    return ApacheOutputs(zk_start, RUNNERS, SETTINGS)


@pytest.mark.parametrize("name", RUNNERS)
def test_apache_matches_golden(name, apache_outputs, tmp_path):
    check_golden(f"zkcli-{name}.txt", apache_outputs(name), tmp_path)


@pytest.mark.parametrize("name", RUNNERS)
def test_swzk_matches_apache(name, apache_outputs, zk_start, tmp_path):
    expected = apache_outputs(name)
    actual = run_fresh(zk_start, "swzk", RUNNERS[name], SETTINGS, name)
    assert_same(expected, actual, f"zkCli {name} on Apache", f"zkCli {name} on swzk", tmp_path)
