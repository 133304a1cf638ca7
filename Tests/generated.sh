#!/usr/bin/env bash
# man/ and completions/ are generated from swzk's command definitions and committed.
#   bash Tests/generated.sh update   regenerate them
#   bash Tests/generated.sh check    fail (exit 1) when the committed files are stale
# The manual date is fixed so that regenerating an unchanged tree changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-check}"
DATE=2026-11-22
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

swift build --product swzk >/dev/null
swift package --allow-writing-to-package-directory generate-manual \
  --configuration debug --multi-page --date "$DATE" >/dev/null
mkdir -p "$out/man" "$out/completions"
cp .build/plugins/GenerateManual/outputs/swzk/*.1 "$out/man/"
bin=.build/debug/swzk
"$bin" --generate-completion-script bash > "$out/completions/swzk.bash"
"$bin" --generate-completion-script zsh > "$out/completions/_swzk"
"$bin" --generate-completion-script fish > "$out/completions/swzk.fish"

case "$mode" in
  update)
    rm -rf man completions
    cp -r "$out/man" man
    cp -r "$out/completions" completions
    echo "man/ and completions/ regenerated" ;;
  check)
    if diff -ru man "$out/man" && diff -ru completions "$out/completions"; then
      echo "man/ and completions/ are up to date"
    else
      echo "man/ or completions/ are stale: run 'bash Tests/generated.sh update' and commit" >&2
      exit 1
    fi ;;
  *) echo "usage: $0 update|check" >&2; exit 2 ;;
esac
