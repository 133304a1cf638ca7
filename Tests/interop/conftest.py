"""pytest fixtures for the interop suite: servers on demand, stopped when their module ends.

Environment:
  SWZK_BIN                   the swzk executable (default .build/debug/swzk under the repo root);
                             a missing binary FAILS every swzk-side test
  SWZK_INTEROP_APACHE_ONLY=1 skip the swzk side (for developing the suite against Apache alone)
  SWZK_UPDATE_GOLDEN=1       rewrite golden/ files from the live Apache output instead of comparing
                             (see compare.py)
  APACHE_ZK_SH               override the path of shared/tools/apache-zk.sh
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import zkservers  # noqa: E402

def require_swzk() -> None:
    """Skip in Apache-only mode; otherwise fail loudly when the binary is missing."""
    if zkservers.apache_only():
        pytest.skip("SWZK_INTEROP_APACHE_ONLY=1: swzk side not run")
    binary = zkservers.swzk_bin()
    if not binary.exists():
        pytest.fail(f"swzk binary not found at {binary}: build it (swift build) or set SWZK_BIN. "
                    "Set SWZK_INTEROP_APACHE_ONLY=1 only to run the Apache side.", pytrace=False)


@pytest.fixture(scope="module")
def zk_start(tmp_path_factory):
    """Factory: `zk_start(kind, settings, name)` starts "apache" or "swzk" in a fresh directory.

    `zk_start(kind, settings, name, data_from=DIR)` starts it on a copy of the data directory DIR;
    `zk_start.restart(server)` starts swzk again on the same data directory (after a stop or a
    kill -9); `zk_start.on(data_dir, settings, name)` starts swzk on `data_dir` in place. Every
    server it started is stopped when the module finishes (tests may stop one earlier).
    """
    started: list[zkservers.ZKServer] = []

    def start(kind: str, settings: dict[str, str] | None = None, name: str = "srv",
              data_from: Path | None = None) -> zkservers.ZKServer:
        if kind == "swzk":
            require_swzk()
        workdir = tmp_path_factory.mktemp(f"{kind}-{name}")
        try:
            server = zkservers.start(kind, workdir, settings, data_from)
        except (RuntimeError, FileNotFoundError) as e:
            pytest.fail(f"could not start {kind}: {e}", pytrace=False)
        started.append(server)
        return server

    def restart(server: zkservers.ZKServer, settings: dict[str, str] | None = None) -> zkservers.ZKServer:
        try:
            again = zkservers.restart_swzk(server, settings)
        except (RuntimeError, FileNotFoundError) as e:
            pytest.fail(f"could not restart swzk on {server.data_dir}: {e}", pytrace=False)
        started.append(again)
        return again

    def start_on(data_dir: Path, settings: dict[str, str] | None = None, name: str = "srv") -> zkservers.ZKServer:
        require_swzk()
        try:
            server = zkservers.start_swzk_on(tmp_path_factory.mktemp(f"swzk-{name}"), data_dir, settings)
        except (RuntimeError, FileNotFoundError) as e:
            pytest.fail(f"could not start swzk on {data_dir}: {e}", pytrace=False)
        started.append(server)
        return server

    start.restart = restart
    start.on = start_on
    yield start
    for server in reversed(started):
        server.stop()
