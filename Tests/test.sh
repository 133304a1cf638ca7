#!/usr/bin/env bash
# The project's one test command (CI runs it through .ci/run):
#   1. Debian packages the tests need (Apache ZooKeeper 3.8 + C client, readline and zlib headers, venv)
#   2. a Python venv at .build-venv/ with kazoo and pytest
#   3. swift build
#   4. swift test
#   5. pytest Tests/interop against .build/debug/swzk (and Apache ZooKeeper beside it)
#   6. pytest Tests/faults: the history checker's own tests, the fault proxy, and the CI fault
#      rows on a 3-node swzk ensemble (the whole matrix: Tests/faults/run_matrix.py)
#   7. libFuzzer targets for every decoder of outside bytes, 10 s each (Tests/fuzz/run.sh 3600: hours)
# Safe to run again and again: each step only does work that is missing.
# SWZK_INTEROP_APACHE_ONLY=1 runs only the Apache side of the interop suite (suite development).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
# apache-zk.sh comes from shared/tools beside the repository (APACHE_ZK_SH overrides).
APACHE_ZK_SH="${APACHE_ZK_SH:-$ROOT/../shared/tools/apache-zk.sh}"
export APACHE_ZK_SH
# Debian puts the C client (cli_mt) outside PATH; apache-zk.sh looks for it on PATH.
export PATH="$PATH:/usr/lib/zookeeper/bin"

section() { printf '\n==== %s ====\n' "$*"; }
die() { echo "test.sh: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

section "1/7 Debian packages"
want=(libreadline-dev zlib1g-dev zookeeper zookeeper-bin libslf4j-java tmux)
python3 -c 'import ensurepip, venv' 2>/dev/null || want+=(python3-venv)
command -v python3 >/dev/null || want+=(python3 python3-venv)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq || die "apt-get update failed"
  as_root apt-get install -y -qq "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
else
  echo "all present: ${want[*]}"
fi
[ -f "$APACHE_ZK_SH" ] || die "$APACHE_ZK_SH not found (shared/ must sit beside the repository)"
bash "$APACHE_ZK_SH" install || die "apache-zk.sh install failed"
command -v cli_mt >/dev/null || die "cli_mt not found after installing zookeeper-bin"

section "2/7 Python venv (.build-venv)"
VENV="$ROOT/.build-venv"
if ! "$VENV/bin/python" -c 'import kazoo, pytest' 2>/dev/null; then
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check 'kazoo==2.11.0' 'pytest>=7,<10' \
    || die "pip install kazoo pytest failed"
fi
"$VENV/bin/python" -c 'import kazoo, pytest; print("kazoo", kazoo.__version__, "pytest", pytest.__version__)'

section "3/7 swift build"
swift build || die "swift build failed"

failed=()
section "3a/7 repository top level"
# DESIGN.md keeps the top level lean; a stray file (a bench output once landed as "0") fails here.
stray=$(git ls-files 2>/dev/null | cut -d/ -f1 | sort -u | grep -vxE '\.ci|\.gitignore|Package\.swift|README\.md|Sources|Tests|man|completions' || true)
if [ -n "$stray" ]; then
  echo "unexpected tracked entries at the top level: $stray"
  failed+=("top level")
else
  echo "top level is lean"
fi

section "3b/7 man/ and completions/ up to date"
bash Tests/generated.sh check || failed+=("generated man/completions")

section "4/7 swift test"
log="$(mktemp)"
swift test 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || failed+=("swift test")
rm -f "$log"

section "5/7 interop tests (pytest Tests/interop)"
export SWZK_BIN="${SWZK_BIN:-$ROOT/.build/debug/swzk}"
"$VENV/bin/python" -m pytest -q -rfEs Tests/interop || failed+=("interop tests")

section "6/7 fault tests (pytest Tests/faults)"
"$VENV/bin/python" -m pytest -q -rfEs Tests/faults || failed+=("fault tests")

section "7/7 fuzzing (Tests/fuzz/run.sh 10)"
bash Tests/fuzz/run.sh 10 || failed+=("fuzzing")

section "summary"
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all steps passed"
