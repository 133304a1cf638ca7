#!/usr/bin/env python3
"""Summarises a perf.data file recorded with call graphs: share of samples per thread, top
functions by self and by inclusive cost (each function counted once per sample), and, with
--focus NAME, the callers that lead into functions whose name contains NAME.

Swift symbols are demangled with `swift demangle --simplified` when it is on PATH.

    perfsummary.py FILE.data [--top N] [--focus NAME]...
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys


def samples(path: str):
    """Yields (thread name, [frames, innermost first]) per sample."""
    out = subprocess.run(["perf", "script", "-i", path, "-F", "comm,tid,ip,sym"],
                         capture_output=True, text=True, errors="replace").stdout
    for block in out.split("\n\n"):
        lines = [l for l in block.split("\n") if l.strip()]
        if not lines:
            continue
        head = lines[0].split()
        comm = " ".join(head[:-1]) if len(head) > 1 else head[0]
        frames = []
        for l in lines[1:]:
            parts = l.strip().split(None, 1)
            frames.append(parts[1] if len(parts) > 1 else parts[0])
        yield comm, frames


def demangler(names: set[str]) -> dict[str, str]:
    tool = shutil.which("swift-demangle") or shutil.which("swift")
    if not tool:
        return {n: n for n in names}
    cmd = [tool] if tool.endswith("swift-demangle") else [tool, "demangle"]
    ordered = sorted(names)
    out = subprocess.run(cmd + ["--simplified"], input="\n".join(ordered), capture_output=True,
                         text=True).stdout.split("\n")
    return {n: (out[i] if i < len(out) and out[i] else n) for i, n in enumerate(ordered)}


def short(name: str, width: int = 110) -> str:
    name = re.sub(r"\s+", " ", name)
    return name if len(name) <= width else name[: width - 1] + "…"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("data")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--focus", action="append", default=[])
    args = p.parse_args()

    threads = collections.Counter()
    self_cost = collections.Counter()
    incl = collections.Counter()
    stacks = []
    total = 0
    for comm, frames in samples(args.data):
        if not frames:
            continue
        total += 1
        # Thread pools number their threads; fold the numbers so a pool is one line.
        threads[re.sub(r"#?\d+", "N", comm)] += 1
        self_cost[frames[0]] += 1
        for f in set(frames):
            incl[f] += 1
        stacks.append(frames)
    if not total:
        sys.exit("no samples")
    names = set(self_cost) | set(incl)
    dm = demangler(names)

    def pct(n: int) -> str:
        return f"{100 * n / total:5.1f}%"

    print(f"{total} samples")
    print("\n-- threads")
    for t, n in threads.most_common():
        print(f"{pct(n)}  {t}")
    print("\n-- self")
    for f, n in self_cost.most_common(args.top):
        print(f"{pct(n)}  {short(dm[f])}")
    print("\n-- inclusive")
    skip = re.compile(r"start_thread|ThreadOpsPosix|setupThreadAndEventLoop|NIOThread|SelectableEventLoop\.run\(\)"
                      r"|runOneLoopTick|^\[unknown\]|^0+$|entry_SYSCALL|do_syscall_64|_dispatch_|DiskWriterThread")
    shown = 0
    for f, n in incl.most_common():
        if skip.search(f) or skip.search(dm[f]):
            continue
        print(f"{pct(n)}  {short(dm[f])}")
        shown += 1
        if shown >= args.top:
            break
    for focus in args.focus:
        callers = collections.Counter()
        n_focus = 0
        for frames in stacks:
            for i, f in enumerate(frames):
                if focus in dm[f]:
                    n_focus += 1
                    caller = dm[frames[i + 1]] if i + 1 < len(frames) else "(none)"
                    callers[caller] += 1
                    break
        print(f"\n-- callers of *{focus}* ({pct(n_focus)} inclusive)")
        for c, n in callers.most_common(8):
            print(f"{pct(n)}  {short(c)}")


if __name__ == "__main__":
    main()
