#!/usr/bin/env bash
# compare.sh: swzk against Apache ZooKeeper 3.8, standalone, same settings, same workloads.
#
#   Tests/bench/compare.sh [--quick] [--reps N] [--warmup S] [--duration S] [--latency-count N]
#                          [--znodes N] [--only PHASES] [--results FILE] [--keep]
#
#   --quick            smoke run of about two minutes: 1 repetition, 2 s warm-up, 3 s runs
#   --reps N           repetitions of every measurement, interleaved Apache, swzk, Apache, swzk...
#                      (default 3; env REPS)
#   --warmup S         unmeasured load before every throughput run, in seconds (default 30, the
#                      time Apache's JIT needs to reach steady state; env WARMUP)
#   --duration S       measured seconds per throughput run (default 10; env DURATION)
#   --latency-count N  znodes per phase of the idle latency test (default 2000; env LATENCY_COUNT)
#   --znodes N         znodes of 100 B loaded for the memory and start-up tests (default 100000;
#                      env RSS_ZNODES)
#   --only PHASES      comma list of footprint (RSS and start-up), throughput, latency
#   --results FILE     where the raw rows go (default /tmp/swzk-compare-<time>.tsv)
#   --keep             keep the temporary directory (data dirs and server logs)
#
# Environment: SWZK (default .build/release/swzk), APACHE_ZK (default ../shared/tools/apache-zk.sh
# next to the worktree, else /work/shared/tools/apache-zk.sh), BENCH_TMPDIR (where data dirs go;
# default /tmp; both servers always share it, so they share a filesystem).
#
# Both servers get the same zoo.cfg keys: tickTime=2000, snapCount=100000, forceSync=yes,
# 4lw.commands.whitelist=*, maxClientCnxns=0, admin.enableServer=false, loopback client port.
#
# Phases:
#   footprint   fresh server, empty dataDir: start-up time (exec until a getData succeeds), RSS;
#               load N znodes of 100 B over one pipelined connection, RSS again; stop; start on
#               that dataDir: start-up time with N znodes, RSS after recovery.
#   throughput  one long-lived server each; set, create, get and mixed 90/10 with `swzk bench`,
#               4 sessions x 100 in flight, 1 KiB values; each run preceded by a warm-up run of
#               the same workload; server CPU (utime+stime of the server process) over the
#               measured run per 1000 requests, the bench's set-up and clean-up included.
#   latency     `swzk bench --latency`: one session, synchronous create/set/get/delete. With a C
#               compiler, also the machine's floor (Tests/bench/floor.c, no ZooKeeper): p50 of a
#               bare loopback round trip and of one with a 1100-byte pwrite + fdatasync per request
#               in BENCH_TMPDIR, what an idle read and an idle write cannot go below on any server.
# Each number in the table is the median over the repetitions; the ratio is swzk/Apache.
# Stops only what it started: Apache through `apache-zk.sh stop DIR`, swzk by pid.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY=(python3 "$HERE/zkbench.py")

SWZK="${SWZK:-$ROOT/.build/release/swzk}"
if [ -z "${APACHE_ZK:-}" ]; then
  APACHE_ZK="$ROOT/../shared/tools/apache-zk.sh"
  [ -x "$APACHE_ZK" ] || APACHE_ZK=/work/shared/tools/apache-zk.sh
fi
REPS="${REPS:-3}"
WARMUP="${WARMUP:-30}"
DURATION="${DURATION:-10}"
LATENCY_COUNT="${LATENCY_COUNT:-2000}"
RSS_ZNODES="${RSS_ZNODES:-100000}"
PHASES="footprint,throughput,latency"
RESULTS=""
KEEP=0
WORKLOADS=(set create get mixed)
SETTLE=2   # seconds between loading and reading RSS

usage() { sed -n '2,38p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) REPS=1; WARMUP=2; DURATION=3; LATENCY_COUNT=300 ;;
    --reps) REPS="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --latency-count) LATENCY_COUNT="$2"; shift ;;
    --znodes) RSS_ZNODES="$2"; shift ;;
    --only) PHASES="$2"; shift ;;
    --results) RESULTS="$2"; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
for n in REPS WARMUP DURATION LATENCY_COUNT RSS_ZNODES; do
  [[ "${!n}" =~ ^[0-9]+$ ]] || { echo "compare.sh: $n must be a whole number, not '${!n}'" >&2; exit 2; }
done
[ -x "$SWZK" ] || { echo "compare.sh: no swzk binary at $SWZK (swift build -c release)" >&2; exit 2; }
[ -x "$APACHE_ZK" ] || { echo "compare.sh: no apache-zk.sh at $APACHE_ZK" >&2; exit 2; }
# apache-zk.sh re-runs apt-get whenever cli_mt is not on PATH; Debian installs it here.
[ -x /usr/lib/zookeeper/bin/cli_mt ] && export PATH="$PATH:/usr/lib/zookeeper/bin"
command -v python3 >/dev/null || { echo "compare.sh: python3 is needed" >&2; exit 2; }
phase() { [[ ",$PHASES," == *",$1,"* ]]; }

TMP="$(mktemp -d "${BENCH_TMPDIR:-/tmp}/swzk-compare.XXXXXX")"
[ -n "$RESULTS" ] || RESULTS="/tmp/swzk-compare-$(date +%Y%m%d-%H%M%S).tsv"
: > "$RESULTS"
SETTINGS=(snapCount=100000 forceSync=yes)
APACHE_DIRS=()   # every dir handed to apache-zk.sh start, for `stop DIR`
SWZK_STARTED=()  # "pid cfg" of every swzk server we started

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

cleanup() {
  local status=$? d entry
  set +e
  for d in "${APACHE_DIRS[@]}"; do "$APACHE_ZK" stop "$d" 2>/dev/null; done
  for entry in "${SWZK_STARTED[@]}"; do stop_swzk ${entry}; done
  if [ "$KEEP" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- processes

alive() { # PID: running and not a zombie
  local state
  state="$(sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

stop_swzk() { # PID CFG: only if that pid still runs our swzk on that config
  local pid="$1" cfg="$2" i
  alive "$pid" || return 0
  tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | grep -qxF "$cfg" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do alive "$pid" || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

write_swzk_cfg() { # DIR PORT: the keys apache-zk.sh writes, plus SETTINGS
  local d="$1" port="$2" s
  mkdir -p "$d/data"
  { echo "tickTime=2000"; echo "initLimit=10"; echo "syncLimit=5"
    echo "dataDir=$d/data"; echo "clientPort=$port"; echo "clientPortAddress=127.0.0.1"
    echo "4lw.commands.whitelist=*"; echo "admin.enableServer=false"; echo "maxClientCnxns=0"
    for s in "${SETTINGS[@]}"; do echo "$s"; done; } > "$d/zoo.cfg"
}

# start_timed KIND DIR PORT: starts (or restarts, reusing DIR) a server through the start-up
# probe. Sets STARTED_PID, STARTED_MS (exec of the server process until a getData succeeds) and
# STARTED_WRAPPER_MS (time spent in apache-zk.sh before java's exec, already subtracted).
start_timed() {
  local kind="$1" d="$2" port="$3" out s sets=()
  mkdir -p "$d"
  if [ "$kind" = apache ]; then
    APACHE_DIRS+=("$d")
    for s in "${SETTINGS[@]}"; do sets+=(--set "$s"); done
    out="$("${PY[@]}" startup --port "$port" --wait --pid-file "$d/zk1/pid" --log "$d/probe.log" -- \
             "$APACHE_ZK" start "$d" --port "$port" "${sets[@]}")"
  else
    [ -f "$d/zoo.cfg" ] || write_swzk_cfg "$d" "$port"
    # The probe execs swzk itself; record the pid as soon as the probe prints it.
    out="$("${PY[@]}" startup --port "$port" --log "$d/server.log" -- "$SWZK" server -c "$d/zoo.cfg")" || {
      log "swzk did not start; tail of $d/server.log:"; tail -5 "$d/server.log" >&2; return 1; }
  fi
  read -r STARTED_PID STARTED_MS STARTED_WRAPPER_MS < <(python3 -c '
import json, sys
r = json.loads(sys.argv[1]); w = r.get("exec_ms") or 0.0
print(r["pid"], round(r["ms"] - w, 1), w)' "$out")
  [ "$kind" = swzk ] && SWZK_STARTED+=("$STARTED_PID $d/zoo.cfg")
  return 0
}

stop_server() { # KIND DIR PID
  if [ "$1" = apache ]; then "$APACHE_ZK" stop "$2"; else stop_swzk "$3" "$2/zoo.cfg"; fi
}

cpu_ticks() { # PID: utime + stime of the whole process (all threads), in clock ticks
  sed -e 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

rss_mib() { # PID
  awk '/^VmRSS:/ { printf "%.1f\n", $2 / 1024 }' "/proc/$1/status"
}

node_count() { # PORT
  "$APACHE_ZK" 4lw "127.0.0.1:$1" srvr | awk -F': ' '/^Node count/ { print $2 }'
}

record() { "${PY[@]}" record --results "$RESULTS" --server "$1" --metric "$2" --value "$3"; }

# ---------------------------------------------------------------- phases

footprint_one() { # KIND REP
  local kind="$1" rep="$2" d="$TMP/footprint-$1-$2" port rss0 rss1 loadtime nodes
  port="$("${PY[@]}" port)"
  start_timed "$kind" "$d" "$port"
  local pid="$STARTED_PID"
  record "$kind" start.empty "$STARTED_MS"
  [ "$kind" = apache ] && record "$kind" start.empty.wrapper "$STARTED_WRAPPER_MS"
  sleep "$SETTLE"
  rss0="$(rss_mib "$pid")"
  loadtime="$("${PY[@]}" load --port "$port" --count "$RSS_ZNODES" --size 100)"
  sleep "$SETTLE"
  rss1="$(rss_mib "$pid")"
  nodes="$(node_count "$port")"
  record "$kind" rss.fresh "$rss0"
  record "$kind" rss.100k "$rss1"
  record "$kind" load.100k "$loadtime"
  record "$kind" bytes.znode "$(python3 -c "print(($rss1 - $rss0) * 1048576 / $RSS_ZNODES)")"
  stop_server "$kind" "$d" "$pid"
  start_timed "$kind" "$d" "$port"
  pid="$STARTED_PID"
  record "$kind" start.100k "$STARTED_MS"
  [ "$kind" = apache ] && record "$kind" start.100k.wrapper "$STARTED_WRAPPER_MS"
  sleep "$SETTLE"
  record "$kind" rss.100k.restart "$(rss_mib "$pid")"
  [ "$(node_count "$port")" = "$nodes" ] || log "warning: $kind came back with $(node_count "$port") znodes, not $nodes"
  stop_server "$kind" "$d" "$pid"
  log "footprint $kind #$rep: $nodes znodes, RSS $rss0 -> $rss1 MiB, loaded in $loadtime s"
}

bench_args() { # WORKLOAD
  case "$1" in
    mixed) echo "--op mixed --read-pct 90" ;;
    *) echo "--op $1" ;;
  esac
}

throughput_one() { # KIND PORT PID WORKLOAD REP
  local kind="$1" port="$2" pid="$3" w="$4" rep="$5" out="$TMP/bench-$1-$4-$5.json" c0 c1
  local common=(--server "127.0.0.1:$port" --sessions 4 --depth 100 --value-size 1024 --json)
  # shellcheck disable=SC2046
  if [ "$WARMUP" -gt 0 ] && ! "$SWZK" bench "${common[@]}" $(bench_args "$w") --duration "${WARMUP}s" \
       > "$out.warmup" 2> "$out.warmup.err"; then
    log "warning: $kind $w warm-up failed: $(tail -1 "$out.warmup.err")"
  fi
  c0="$(cpu_ticks "$pid")"
  # shellcheck disable=SC2046
  if ! "$SWZK" bench "${common[@]}" $(bench_args "$w") --duration "${DURATION}s" > "$out" 2> "$out.err"; then
    log "warning: $kind $w run #$rep failed or had errors: $(tail -1 "$out.err")"
  fi
  c1="$(cpu_ticks "$pid")"
  purge_data "$kind"
  if [ -s "$out" ]; then
    "${PY[@]}" record-bench --results "$RESULTS" --server "$kind" --workload "$w" --json "$out" \
      --cpu-ticks $((c1 - c0))
    log "$w $kind #$rep: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ops_per_sec"])' "$out") ops/s"
  fi
}

# purge_data KIND: between runs, outside the measured time, each server's own purge tool keeps
# its 3 newest snapshots and the logs they need (autopurge runs at most hourly, and a 30 s create
# warm-up alone can leave gigabytes of logs and snapshots behind).
purge_data() {
  if [ "$1" = apache ]; then
    "$APACHE_ZK" purge "$a_dir/zk1/data" -n 3 > "$TMP/purge-apache.log" 2>&1 || log "warning: Apache purge failed"
  else
    "$SWZK" purge "$s_dir/data" -n 3 > "$TMP/purge-swzk.log" 2>&1 || log "warning: swzk purge failed"
  fi
}

latency_one() { # KIND PORT REP
  local out="$TMP/latency-$1-$3.json"
  if "$SWZK" bench --server "127.0.0.1:$2" --latency --count "$LATENCY_COUNT" --json > "$out" 2> "$out.err"; then
    "${PY[@]}" record-latency --results "$RESULTS" --server "$1" --json "$out"
    log "latency $1 #$3: $(cat "$out")"
  else
    log "warning: latency $1 #$3 failed: $(tail -1 "$out.err")"
  fi
}

# floor_one REP: the machine's floor for idle requests (see the header); skipped without cc.
FLOOR_BIN=""
floor_one() {
  if [ -z "$FLOOR_BIN" ]; then
    command -v cc >/dev/null || { log "no C compiler: machine floor not measured"; FLOOR_BIN=none; }
    [ -z "$FLOOR_BIN" ] && { cc -O2 -o "$TMP/floor" "$HERE/floor.c" && FLOOR_BIN="$TMP/floor" || FLOOR_BIN=none; }
  fi
  [ "$FLOOR_BIN" = none ] && return 0
  local plain durable rest
  read -r plain durable rest < <("$FLOOR_BIN" "$TMP" "$LATENCY_COUNT") || { log "warning: floor failed"; return 0; }
  record machine floor.read "$plain"
  record machine floor.write "$durable"
  log "floor #$1: loopback round trip $plain ms, with pwrite+fdatasync $durable ms"
}

# ---------------------------------------------------------------- main

started=$SECONDS
log "swzk $SWZK ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')), Apache via $APACHE_ZK"
log "reps $REPS, warm-up ${WARMUP}s, runs ${DURATION}s, latency count $LATENCY_COUNT, footprint $RSS_ZNODES znodes"
log "data under $TMP; raw rows to $RESULTS; load average $(cut -d' ' -f1-3 /proc/loadavg)"

if phase footprint; then
  for rep in $(seq 1 "$REPS"); do
    footprint_one apache "$rep"
    footprint_one swzk "$rep"
  done
fi

if phase throughput || phase latency; then
  a_dir="$TMP/load-apache"; s_dir="$TMP/load-swzk"
  a_port="$("${PY[@]}" port)"
  start_timed apache "$a_dir" "$a_port"; a_pid="$STARTED_PID"
  s_port="$("${PY[@]}" port)"
  start_timed swzk "$s_dir" "$s_port"; s_pid="$STARTED_PID"
  log "Apache pid $a_pid on $a_port, swzk pid $s_pid on $s_port"

  if phase throughput; then
    for rep in $(seq 1 "$REPS"); do
      for w in "${WORKLOADS[@]}"; do
        throughput_one apache "$a_port" "$a_pid" "$w" "$rep"
        throughput_one swzk "$s_port" "$s_pid" "$w" "$rep"
      done
    done
  elif [ "$WARMUP" -gt 0 ]; then
    # Idle latency is a steady-state number too: warm both servers up first.
    for p in "$a_port" "$s_port"; do
      "$SWZK" bench --server "127.0.0.1:$p" --op mixed --duration "${WARMUP}s" > /dev/null
    done
  fi

  if phase latency; then
    for rep in $(seq 1 "$REPS"); do
      latency_one apache "$a_port" "$rep"
      latency_one swzk "$s_port" "$rep"
      floor_one "$rep"
    done
  fi
  stop_server apache "$a_dir" "$a_pid"
  stop_server swzk "$s_dir" "$s_pid"
fi

echo
echo "swzk $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') vs Apache ZooKeeper 3.8;" \
  "$(nproc) cores; reps $REPS; warm-up ${WARMUP}s; runs ${DURATION}s; $((SECONDS - started)) s in all"
"${PY[@]}" report "$RESULTS"
echo "raw rows: $RESULTS"
