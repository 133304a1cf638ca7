#!/usr/bin/env bash
# profile.sh: where the swzk server spends its CPU, per workload, with perf.
#
#   Tests/bench/profile.sh [--seconds S] [--warmup S] [--out DIR] [--call-graph fp|dwarf] WORKLOAD...
#
#   WORKLOAD   set, create, get, mixed (swzk bench, 4 sessions x 100 in flight, 1 KiB values,
#              the load compare.sh measures) or startup (start-up on a dataDir holding
#              --znodes znodes of 100 B, profiled from exec until the first getData succeeds)
#   --seconds  profiled seconds per load workload (default 10)
#   --warmup   unprofiled load before each (default 5)
#   --znodes   znodes for the startup profile (default 100000)
#   --out      where perf.data files and reports go (default /tmp/swzk-profile-<time>)
#   --call-graph  fp (default; cheap) or dwarf (when frame pointers are missing)
#
# For each workload it writes W.data, W.self.txt (symbols by self time) and W.children.txt
# (by inclusive time). Needs perf (Debian: linux-perf) and a release build with debug info
# (SwiftPM's release builds on Linux carry it). Stops only the swzk servers it started.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY=(python3 "$HERE/zkbench.py")
SWZK="${SWZK:-$ROOT/.build/release/swzk}"
SECONDS_PROFILED=10
WARMUP=5
ZNODES=100000
OUT="/tmp/swzk-profile-$(date +%Y%m%d-%H%M%S)"
CALL_GRAPH=fp
WORKLOADS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PROFILED="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --znodes) ZNODES="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --call-graph) CALL_GRAPH="$2"; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    set|create|get|mixed|startup) WORKLOADS+=("$1") ;;
    *) echo "profile.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
[ ${#WORKLOADS[@]} -gt 0 ] || { echo "profile.sh: name at least one workload" >&2; exit 2; }
command -v perf >/dev/null || { echo "profile.sh: perf is needed (apt-get install linux-perf)" >&2; exit 2; }
[ -x "$SWZK" ] || { echo "profile.sh: no swzk at $SWZK" >&2; exit 2; }
mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/swzk-profile-data.XXXXXX)"
STARTED=()   # "pid cfg"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

stop_swzk() { # PID CFG
  local pid="$1" cfg="$2" i
  [ -r "/proc/$pid/cmdline" ] || return 0
  tr '\0' '\n' < "/proc/$pid/cmdline" | grep -qxF "$cfg" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do
    [ "$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)" = "" ] && return 0
    [ "$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)" = Z ] && return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local status=$? e
  set +e
  for e in "${STARTED[@]}"; do stop_swzk ${e}; done
  rm -rf "$TMP"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

write_cfg() { # DIR PORT
  mkdir -p "$1/data"
  printf '%s\n' tickTime=2000 initLimit=10 syncLimit=5 "dataDir=$1/data" "clientPort=$2" \
    clientPortAddress=127.0.0.1 '4lw.commands.whitelist=*' admin.enableServer=false maxClientCnxns=0 \
    snapCount=100000 forceSync=yes > "$1/zoo.cfg"
}

start_swzk() { # DIR PORT -> SERVER_PID
  local out
  out="$("${PY[@]}" startup --port "$2" --log "$1/server.log" -- "$SWZK" server -c "$1/zoo.cfg")"
  SERVER_PID="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["pid"])' "$out")"
  STARTED+=("$SERVER_PID $1/zoo.cfg")
}

reports() { # NAME
  perf report -i "$OUT/$1.data" --no-children --sort symbol --percent-limit 0.5 --stdio -g none \
    > "$OUT/$1.self.txt" 2>/dev/null || true
  perf report -i "$OUT/$1.data" --children --sort symbol --percent-limit 2 --stdio -g none \
    > "$OUT/$1.children.txt" 2>/dev/null || true
  log "$1: $OUT/$1.self.txt, $OUT/$1.children.txt"
}

bench_args() { if [ "$1" = mixed ]; then echo "--op mixed --read-pct 90"; else echo "--op $1"; fi; }

load_dir="$TMP/load"; load_port=""
for w in "${WORKLOADS[@]}"; do
  if [ "$w" = startup ]; then
    d="$TMP/startup"; port="$("${PY[@]}" port)"; write_cfg "$d" "$port"
    start_swzk "$d" "$port"
    "${PY[@]}" load --port "$port" --count "$ZNODES" --size 100 > /dev/null
    stop_swzk "$SERVER_PID" "$d/zoo.cfg"
    perf record -q -F 4999 --call-graph "$CALL_GRAPH" -o "$OUT/startup.data" -- \
      "$SWZK" server -c "$d/zoo.cfg" 2> "$d/server-profiled.log" &
    perf_pid=$!
    "${PY[@]}" wait --port "$port" --timeout 120
    server_pid="$(pgrep -P "$perf_pid" | head -1)"
    stop_swzk "$server_pid" "$d/zoo.cfg"
    wait "$perf_pid" || true
    grep -h "loaded" "$d/server-profiled.log" >&2 || true
    reports startup
    continue
  fi
  if [ -z "$load_port" ]; then
    load_port="$("${PY[@]}" port)"; write_cfg "$load_dir" "$load_port"; start_swzk "$load_dir" "$load_port"
    load_pid="$SERVER_PID"
  fi
  common=(--server "127.0.0.1:$load_port" --sessions 4 --depth 100 --value-size 1024 --json)
  # shellcheck disable=SC2046
  [ "$WARMUP" -gt 0 ] && "$SWZK" bench "${common[@]}" $(bench_args "$w") --duration "${WARMUP}s" > /dev/null
  # shellcheck disable=SC2046
  "$SWZK" bench "${common[@]}" $(bench_args "$w") --duration "$((SECONDS_PROFILED + 2))s" > "$OUT/$w.bench.json" &
  bench_pid=$!
  sleep 1
  perf record -q -F 999 --call-graph "$CALL_GRAPH" -p "$load_pid" -o "$OUT/$w.data" -- sleep "$SECONDS_PROFILED"
  wait "$bench_pid" || log "warning: bench $w reported errors"
  log "$w: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ops_per_sec"])' "$OUT/$w.bench.json") ops/s while profiled"
  reports "$w"
done
log "done: $OUT"
