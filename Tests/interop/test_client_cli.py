"""`swzk client` (the zkCli replacement) against Apache ZooKeeper and swzk.

* A scripted session (stdin not a terminal) prints what Apache's zkCli prints for the same
  script on a fresh server of the same kind, once both are normalized (clitools.normalize_zkcli).
* One-shot mode prints only the result, with distinct exit codes per error.
* --keep-going, --json.
* A real terminal (tmux): Tab completion of a command and of a znode path, history kept in
  ~/.swzk_history across runs, Ctrl-C clears the line, Ctrl-D leaves.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

import pytest

import scenario
import zkservers
from clitools import SessionLabels, normalize_zkcli, zkcli
from compare import run_fresh

SETTINGS = scenario.SETTINGS
KINDS = ["apache", "swzk"]

# test_zkcli.py's interactive script without the quota and config commands (not in swzk client).
SCRIPT = """\
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
deleteall /cli
ls /
close
ls /
quit
"""

ZKCLI_BANNER = ("Connecting to ", "Welcome to ZooKeeper!", "JLine support is")


def swzk_client(server, args=(), script=None, env=None, timeout=60):
    cmd = [str(zkservers.swzk_bin()), "client", "-server", server.hostport] + list(args)
    return subprocess.run(cmd, input=script if script is not None else "", capture_output=True, text=True,
                          timeout=timeout, env=env)


def swzk_client_merged(server, args=(), script=None):
    cmd = [str(zkservers.swzk_bin()), "client", "-server", server.hostport] + list(args)
    return subprocess.run(cmd, input=script, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)


def zkcli_script(server):
    result = zkcli(server, script=SCRIPT, labels=SessionLabels())
    return [l for l in result.output if not l.startswith(ZKCLI_BANNER)], result.events


def swzk_script(server):
    res = swzk_client_merged(server, ["--keep-going"], SCRIPT)
    out, events = normalize_zkcli(res.stdout, server.port, SessionLabels())
    return out, events


@pytest.fixture(scope="module")
def servers(zk_start):
    return {kind: zk_start(kind, SETTINGS, "shared") for kind in KINDS}


@pytest.mark.parametrize("kind", KINDS)
def test_script_matches_zkcli(kind, zk_start):
    expected_out, expected_events = run_fresh(zk_start, kind, zkcli_script, SETTINGS, "zkcli")
    actual_out, actual_events = run_fresh(zk_start, kind, swzk_script, SETTINGS, "client")
    assert actual_out == expected_out
    assert actual_events == expected_events


@pytest.mark.parametrize("kind", KINDS)
def test_oneshot_output_and_exit_codes(kind, servers):
    s = servers[kind]
    p = f"/os-{kind}"
    r = swzk_client(s, ["create", p, "data"])
    assert (r.returncode, r.stdout, r.stderr) == (0, "", f"Created {p}\n")
    r = swzk_client(s, ["get", p])
    assert (r.returncode, r.stdout, r.stderr) == (0, "data\n", "")
    r = swzk_client(s, ["--server", s.hostport, "--timeout", "10000", "get", "-s", p])
    assert r.returncode == 0 and r.stdout.startswith("data\ncZxid = 0x") and r.stdout.endswith("numChildren = 0\n")
    assert swzk_client(s, ["create", f"{p}/child"]).returncode == 0
    cases = [
        (["create", p, "again"], 4, f"Node already exists: {p}\n"),
        (["get", "/nope"], 3, "Node does not exist: /nope\n"),
        (["set", "-v", "7", p, "x"], 5, f"version No is not valid : {p}\n"),
        (["delete", p], 7, f"Node not empty: {p}\n"),
        (["get", "nopath"], 2, "Path must start with / character\n"),
        (["ls", "-x", "/"], 2, "Unrecognized option: -x\nls [-s] [-w] [-R] path\n"),
        (["get"], 2, "get [-s] [-w] path\n"),
    ]
    for args, rc, err in cases:
        r = swzk_client(s, args)
        assert (r.returncode, r.stdout, r.stderr) == (rc, "", err), args
    r = swzk_client(s, ["frobnicate"])
    assert r.returncode == 2 and r.stderr.endswith("Command not found: Command not found frobnicate\n")
    secret = f"/secret-{kind}"
    acl = "digest:" + scenario.BOB + ":cdrwa"
    assert swzk_client(s, ["create", secret, "x", acl]).returncode == 0
    r = swzk_client(s, ["get", secret])
    assert (r.returncode, r.stderr) == (6, f"Insufficient permission : {secret}\n")
    r = swzk_client(s, ["--auth", "digest:bob:bob-pw", "get", secret])
    assert (r.returncode, r.stdout) == (0, "x\n")


def test_connection_failure_exit_code():
    if zkservers.apache_only():
        pytest.skip("swzk side not run")
    port = zkservers.free_port()
    cmd = [str(zkservers.swzk_bin()), "client", "-server", f"127.0.0.1:{port}", "-timeout", "1500", "ls", "/"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 8 and r.stdout == ""


def test_usage_error_exit_code():
    if zkservers.apache_only():
        pytest.skip("swzk side not run")
    r = subprocess.run([str(zkservers.swzk_bin()), "client", "--timeout", "abc"], capture_output=True, text=True)
    assert r.returncode == 2


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_is_printed_not_sent_as_a_command(flag):
    """`swzk client --help` must print the help (exit 0) without trying to connect anywhere."""
    r = subprocess.run([str(zkservers.swzk_bin()), "client", flag], capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r.stderr
    assert "USAGE: swzk client" in r.stdout


@pytest.mark.parametrize("kind", KINDS)
def test_oneshot_matches_zkcli(kind, servers):
    s = servers[kind]
    base = f"/cmp-{kind}"
    assert swzk_client(s, ["create", base, "v"]).returncode == 0
    assert swzk_client(s, ["create", f"{base}/a", "1"]).returncode == 0
    for args in (["get", "-s", base], ["ls", "-R", base], ["stat", "/zookeeper"], ["getAcl", base],
                 ["ls", "-s", base], ["getAllChildrenNumber", base], ["get", f"{base}/nope"]):
        theirs = zkcli(s, args=args)
        mine = swzk_client_merged(s, args, "")
        mine_out, _ = normalize_zkcli(mine.stdout, s.port, SessionLabels())
        assert mine_out == [l for l in theirs.output if not l.startswith(ZKCLI_BANNER)], args
        assert (mine.returncode == 0) == (theirs.rc == 0), args


@pytest.mark.parametrize("kind", KINDS)
def test_script_stops_at_first_failure_unless_keep_going(kind, servers):
    s = servers[kind]
    p = f"/kg-{kind}"
    script = f"create {p}\nget /nope\ncreate {p}/after\n"
    r = swzk_client(s, script=script)
    assert r.returncode == 3 and normalize_zkcli(r.stdout, s.port, SessionLabels())[0] == []
    assert r.stderr == f"Created {p}\nNode does not exist: /nope\n"
    assert swzk_client(s, ["stat", f"{p}/after"]).returncode == 3
    r = swzk_client(s, ["--keep-going"], script=script.replace(p, p + "x"))
    assert r.returncode == 3
    assert swzk_client(s, ["stat", f"{p}x/after"]).returncode == 0


@pytest.mark.parametrize("kind", KINDS)
def test_json_outputs_parse(kind, servers):
    s = servers[kind]
    p = f"/js-{kind}"
    assert swzk_client(s, script=f"create {p} hi\ncreate {p}/c\ncreate -e {p}/e\n").returncode == 0
    ls = json.loads(swzk_client(s, ["--json", "ls", "-s", p]).stdout)
    assert ls["children"] == ["c"] and ls["stat"]["numChildren"] == 1
    get = json.loads(swzk_client(s, ["--json", "get", "-s", p]).stdout)
    assert get["data"] == "hi" and get["stat"]["dataLength"] == 2
    stat = json.loads(swzk_client(s, ["--json", "stat", p]).stdout)
    assert stat["path"] == p and stat["stat"]["dataVersion"] == 0
    acl = json.loads(swzk_client(s, ["--json", "getAcl", p]).stdout)
    assert acl["acl"] == [{"scheme": "world", "id": "anyone", "perms": "cdrwa"}]
    who = json.loads(swzk_client(s, ["--json", "whoami"]).stdout)
    assert {"scheme": "ip", "user": "127.0.0.1"} in who
    tree = json.loads(swzk_client(s, ["--json", "tree", p]).stdout)
    assert tree == {"path": p, "children": [{"path": f"{p}/c", "children": []}]}
    r = swzk_client(s, ["--json"], script=f"create -e {p}/mine\ngetEphemerals {p}\nls -R {p}\n")
    parsed = [json.loads(line) for line in r.stdout.splitlines()]
    events = [v for v in parsed if isinstance(v, dict) and "state" in v]
    assert {"state": "SyncConnected", "type": "None", "path": None} in events
    lines = [line for line, v in zip(r.stdout.splitlines(), parsed) if v not in events]
    assert json.loads(lines[0]) == [f"{p}/mine"]
    assert json.loads(lines[1]) == [p, f"{p}/c", f"{p}/mine"]
    text = swzk_client(s, ["tree", p]).stdout
    assert text == f"{p}\n└── c\n"


# ------------------------------------------------------------------ a real terminal (tmux)

class Tmux:
    def __init__(self, tmp_path, home):
        self.socket = str(tmp_path / "tmux.sock")
        self.home = home

    def run(self, *args, check=True):
        return subprocess.run(["tmux", "-S", self.socket] + list(args), capture_output=True, text=True, check=check)

    def start(self, command):
        self.run("new-session", "-d", "-x", "160", "-y", "40", "-s", "t",
                 "env", f"HOME={self.home}", "TERM=xterm", "INPUTRC=/dev/null", "bash", "--norc", "-c", command)

    def keys(self, *keys):
        self.run("send-keys", "-t", "t", *keys)

    def screen(self):
        return self.run("capture-pane", "-p", "-t", "t", check=False).stdout

    def wait_for(self, predicate, what, deadline_s=20.0):
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            text = self.screen()
            if predicate(text):
                return text
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; screen:\n{self.screen()}")

    def kill(self):
        self.run("kill-server", check=False)


def last_line(text):
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1] if lines else ""


@pytest.fixture
def tmux(tmp_path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux not installed")
    home = tmp_path / "home"
    home.mkdir()
    t = Tmux(tmp_path, home)
    yield t
    t.kill()


def test_interactive_terminal(tmux, servers):
    s = servers["swzk"]
    assert swzk_client(s, ["create", "/tabcomplete-node", "v"]).returncode == 0
    done = tmux.home / "done"
    command = f"{zkservers.swzk_bin()} client -server {s.hostport}; echo EXIT=$? > {done}"
    tmux.start(command)
    prompt = f"[zk: {s.hostport}(CONNECTED) 0]"
    tmux.wait_for(lambda t: prompt in t, "the first prompt")
    # Tab completes a command name...
    tmux.keys("getAllC", "Tab")
    tmux.wait_for(lambda t: last_line(t).endswith("getAllChildrenNumber"), "command completion")
    # ...and a znode path, asked from the server.
    tmux.keys("/tabcomp", "Tab")  # the command completion appended a space
    tmux.wait_for(lambda t: last_line(t).endswith("getAllChildrenNumber /tabcomplete-node"), "path completion")
    tmux.keys("Enter")
    tmux.wait_for(lambda t: f"(CONNECTED) 1]" in t and "\n0\n" in t, "the command's output and the next prompt")
    # Ctrl-C clears the line being typed.
    tmux.keys("get /some-unfinished-line")
    tmux.wait_for(lambda t: last_line(t).endswith("get /some-unfinished-line"), "typed text")
    tmux.keys("C-c")
    tmux.wait_for(lambda t: last_line(t).rstrip() == f"[zk: {s.hostport}(CONNECTED) 1]", "a cleared line")
    tmux.keys("ls /tabcomplete-node", "Enter")
    tmux.wait_for(lambda t: "[]" in t and "(CONNECTED) 2]" in t, "ls after Ctrl-C")
    # Ctrl-D leaves.
    tmux.keys("C-d")
    end = time.monotonic() + 20
    while not done.exists() and time.monotonic() < end:
        time.sleep(0.05)
    assert done.read_text().strip() == "EXIT=0"
    history = (tmux.home / ".swzk_history").read_text()
    assert "getAllChildrenNumber /tabcomplete-node" in history and "some-unfinished" not in history

    # A second run sees the first run's history (Up arrow).
    done.unlink()
    tmux.kill()
    tmux.start(command)
    tmux.wait_for(lambda t: prompt in t, "the second run's prompt")
    tmux.keys("Up")
    tmux.wait_for(lambda t: last_line(t).endswith("ls /tabcomplete-node"), "history from the first run")
    tmux.keys("Up")
    tmux.wait_for(lambda t: last_line(t).endswith("getAllChildrenNumber /tabcomplete-node"), "older history")
    tmux.keys("C-u", "quit", "Enter")
    end = time.monotonic() + 20
    while not done.exists() and time.monotonic() < end:
        time.sleep(0.05)
    assert done.read_text().strip() == "EXIT=0"


def test_interactive_watch_event_keeps_line(tmux, servers):
    s = servers["swzk"]
    assert swzk_client(s, ["create", "/tty-watch", "v"]).returncode == 0
    tmux.start(f"{zkservers.swzk_bin()} client -server {s.hostport}")
    tmux.wait_for(lambda t: "(CONNECTED) 0]" in t, "the prompt")
    tmux.keys("get -w /tty-watch", "Enter")
    tmux.wait_for(lambda t: "(CONNECTED) 1]" in t, "the get")
    tmux.keys("half typed")
    tmux.wait_for(lambda t: last_line(t).endswith("half typed"), "typed text")
    assert swzk_client(s, ["set", "/tty-watch", "w"]).returncode == 0
    text = tmux.wait_for(lambda t: "type:NodeDataChanged path:/tty-watch" in t, "the watch event")
    tmux.wait_for(lambda t: last_line(t).endswith("(CONNECTED) 1] half typed"), "the line redrawn below the event")
    tmux.keys("C-u", "quit", "Enter")
