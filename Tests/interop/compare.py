"""Comparing outputs: unified diffs for failures, and the golden files of Apache's output."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def diff_text(expected: list[str], actual: list[str], expected_name: str, actual_name: str,
              limit: int = 300) -> str:
    lines = list(difflib.unified_diff(expected, actual, expected_name, actual_name, lineterm="", n=2))
    if len(lines) > limit:
        lines = lines[:limit] + [f"... ({len(lines) - limit} more diff lines)"]
    return "\n".join(lines)


def assert_same(expected: list[str], actual: list[str], expected_name: str, actual_name: str,
                save_dir: Path | None = None) -> None:
    """Fail with a unified diff (and, if given, both outputs saved for inspection)."""
    if expected == actual:
        return
    note = ""
    if save_dir is not None:
        save_dir.mkdir(parents=True, exist_ok=True)
        (save_dir / "expected.txt").write_text("\n".join(expected) + "\n")
        (save_dir / "actual.txt").write_text("\n".join(actual) + "\n")
        note = f"\n(full outputs saved in {save_dir})"
    pytest.fail(f"{actual_name} differs from {expected_name}:\n"
                + diff_text(expected, actual, expected_name, actual_name) + note, pytrace=False)


def check_golden(name: str, lines: list[str], tmp_path: Path) -> None:
    """Compare live Apache output with golden/<name>, or rewrite it with SWZK_UPDATE_GOLDEN=1."""
    path = GOLDEN_DIR / name
    if os.environ.get("SWZK_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
        return
    if not path.exists():
        pytest.fail(f"{path} missing: run once with SWZK_UPDATE_GOLDEN=1", pytrace=False)
    assert_same(path.read_text().splitlines(), lines, f"golden/{name}", "live Apache", tmp_path)


class ApacheOutputs:
    """Runs named runners against fresh Apache servers, once each, and remembers the output.

    `runners` maps a name to `runner(server) -> list[str]`.  Every name gets its own server,
    so a runner's output (zxids included) does not depend on which other tests ran.
    """

    def __init__(self, zk_start, runners: dict, settings: dict[str, str]):
        self.zk_start, self.runners, self.settings = zk_start, runners, settings
        self.cache: dict[str, list[str]] = {}

    def __call__(self, name: str) -> list[str]:
        if name not in self.cache:
            self.cache[name] = run_fresh(self.zk_start, "apache", self.runners[name], self.settings, name)
        return self.cache[name]


def run_fresh(zk_start, kind: str, runner, settings: dict[str, str], name: str) -> list[str]:
    """Start a fresh server of `kind`, run `runner` on it, stop it."""
    server = zk_start(kind, settings, name)
    try:
        return runner(server)
    finally:
        server.stop()
