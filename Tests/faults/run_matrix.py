#!/usr/bin/env python3
"""Run fault rows against a proxied swzk or Apache ensemble and print one table.

  run_matrix.py --servers 3|5 --target swzk|apache --rows all|name,... --seed S --duration D --out DIR

Each row leaves DIR/<target>-<servers>-<row>/{history.jsonl,final_states.json,result.json,cluster/}.
The checker (checker.check_history) is used when it is importable; otherwise the violations
column says "checker missing". "lost" is this directory's own check (workload.lost_writes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rows import ROWS, run_row   # noqa: E402

HEADER = ("row", "ops", "unknown", "violations", "lost", "recover_s", "final", "converged")


def format_row(r) -> tuple:
    recover = "-" if r.recover_s is None else f"{r.recover_s:.2f}"
    return (r.row, str(r.ops), str(r.unknown), r.violations, str(r.lost), recover,
            "ok" if r.final_write else "FAILED", "yes" if r.converged else "NO")


def print_table(results) -> None:
    rows = [HEADER] + [format_row(r) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    for r in results:
        if r.error:
            print(f"{r.row}: error: {r.error.splitlines()[0]}")
        for note in r.notes:
            print(f"{r.row}: {note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", type=int, choices=(3, 5), default=3)
    parser.add_argument("--target", choices=("swzk", "apache"), default="swzk")
    parser.add_argument("--rows", default="all", help="all, or names separated by commas: " + ",".join(ROWS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds the fault lasts")
    parser.add_argument("--out", default="/tmp/swzk-faults")
    parser.add_argument("--tick-time", type=int, default=200)
    parser.add_argument("--clients", type=int, default=5)
    args = parser.parse_args()
    names = list(ROWS) if args.rows == "all" else [n.strip() for n in args.rows.split(",") if n.strip()]
    unknown = [n for n in names if n not in ROWS]
    if unknown:
        print(f"run_matrix.py: unknown rows: {', '.join(unknown)} (rows: {', '.join(ROWS)})", file=sys.stderr)
        return 2
    results = []
    for name in names:
        print(f"-- {name} ({args.target}, {args.servers} servers)", file=sys.stderr, flush=True)
        results.append(run_row(name, args.target, args.servers, args.seed, args.duration, Path(args.out),
                               tick_ms=args.tick_time, clients=args.clients))
    print(f"target {args.target}, {args.servers} servers, seed {args.seed}, fault {args.duration:g} s, "
          f"tickTime {args.tick_time} ms")
    print_table(results)
    bad = [r for r in results if r.error or r.lost or not r.final_write or not r.converged]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
