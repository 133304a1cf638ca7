#!/usr/bin/env bash
# storage.sh: how fast swzk restarts from its txn log and how long a client waits while a
# snapshot of a large tree is written, beside Apache ZooKeeper 3.8. Measurements, not tests:
# it prints tables and asserts nothing (DESIGN §10).
#
#   Tests/bench/storage.sh                      everything: replay of 200k txns (swzk, Apache),
#                                               snapshot pauses on 1M znodes (swzk)
#   Tests/bench/storage.sh --only replay --txns 50000
#   Tests/bench/storage.sh --only pause --znodes 200000 --duration 10 --pause-kinds swzk,apache
#
# The binary is $SWZK_BIN, else .build/release/swzk when it exists (build it with
# `swift build -c release`), else .build/debug/swzk. Python: .build-venv (Tests/test.sh makes
# it), else $PYTHON. Servers run on free ports of 127.0.0.1 in a temporary directory that is
# removed at the end (keep it with --workdir DIR).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$(pwd)"
export PATH="$PATH:/usr/lib/zookeeper/bin"
export APACHE_ZK_SH="${APACHE_ZK_SH:-$ROOT/../shared/tools/apache-zk.sh}"

if [ -z "${SWZK_BIN:-}" ]; then
  if [ -x .build/release/swzk ]; then SWZK_BIN="$ROOT/.build/release/swzk"; else SWZK_BIN="$ROOT/.build/debug/swzk"; fi
fi
export SWZK_BIN
[ -x "$SWZK_BIN" ] || { echo "storage.sh: $SWZK_BIN not found; run swift build -c release" >&2; exit 1; }

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  if [ -x .build-venv/bin/python ]; then PY=.build-venv/bin/python; else PY=python3; fi
fi

workdir=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --workdir) workdir="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
cleanup=""
if [ -z "$workdir" ]; then
  workdir="$(mktemp -d /tmp/swzk-storage-bench.XXXXXX)"
  cleanup="$workdir"
fi
trap '[ -n "$cleanup" ] && rm -rf "$cleanup"' EXIT

echo "swzk: $SWZK_BIN ($("$SWZK_BIN" --version 2>/dev/null || echo '?')); work directory $workdir" >&2
"$PY" Tests/bench/storage.py --workdir "$workdir" "${args[@]+"${args[@]}"}"
