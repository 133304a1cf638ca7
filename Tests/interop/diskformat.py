"""Just enough of ZooKeeper's on-disk format (shared/spec/disk-format.md §1-§5) to prepare and
check data directories in the storage tests without trusting the code under test.

It lists `log.*` and `snapshot.*` files in zxid order, walks log records with their byte offsets
(so a test can cut or flip exactly the bytes it means to), and runs the command-line tools:
swzk's `log-dump`/`snapshot-dump`/`purge` and Apache's TxnLogToolkit/SnapshotFormatter/PurgeTxnLog.
"""

from __future__ import annotations

import re
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import zkservers

LOG_MAGIC = 0x5A4B4C47      # "ZKLG"
SNAP_MAGIC = 0x5A4B534E     # "ZKSN"
HEADER_BYTES = 16           # magic, version, dbid
RECORD_OVERHEAD = 13        # long checksum + int length before the payload, 'B' after it
TXN_HEADER = struct.Struct(">qiqqi")   # clientId, cxid, zxid, time, type

# TxnHeader.type values (disk-format §4) whose body starts with the node path.
PATH_TYPES = {1, 2, 5, 7, 15, 19, 20, 21}
TXN_CREATE_SESSION = -10
TXN_CLOSE_SESSION = -11
TXN_ERROR = -1


def version2(data_dir: Path) -> Path:
    return Path(data_dir) / "version-2"


def file_zxid(name: str, prefix: str) -> int | None:
    """The zxid in `log.<hex>` / `snapshot.<hex>[.ext]`, or None for any other name."""
    parts = name.split(".")
    if len(parts) < 2 or parts[0] != prefix:
        return None
    try:
        return int(parts[1], 16)
    except ValueError:
        return None


def _files(data_dir: Path, prefix: str) -> list[Path]:
    d = version2(data_dir)
    found = [(file_zxid(p.name, prefix), p) for p in d.iterdir()] if d.is_dir() else []
    return [p for z, p in sorted((z, p) for z, p in found if z is not None)]


def log_files(data_dir: Path) -> list[Path]:
    """`log.*` files, oldest first."""
    return _files(data_dir, "log")


def snapshot_files(data_dir: Path) -> list[Path]:
    """`snapshot.*` files, oldest first."""
    return _files(data_dir, "snapshot")


def snapshot_looks_complete(path: Path) -> bool:
    """Apache's plain `isValidSnapshot`: the file ends with the length-1 string "/"."""
    data = path.read_bytes()
    return len(data) >= 10 and data[-5:] == b"\x00\x00\x00\x01/"


@dataclass
class LogRecord:
    file: Path
    offset: int          # of the checksum field, where the record starts
    checksum: int
    payload: bytes
    session: int
    cxid: int
    zxid: int
    time: int
    type: int

    @property
    def end(self) -> int:
        """Offset just after the record's 'B' marker."""
        return self.offset + RECORD_OVERHEAD + len(self.payload)

    @property
    def payload_offset(self) -> int:
        return self.offset + 12

    @property
    def path(self) -> str | None:
        """The node path of a create/delete/setData/setACL record."""
        if self.type not in PATH_TYPES:
            return None
        (n,) = struct.unpack_from(">i", self.payload, TXN_HEADER.size)
        return self.payload[TXN_HEADER.size + 4:TXN_HEADER.size + 4 + n].decode()


def read_log(path: Path) -> tuple[list[LogRecord], str]:
    """Every complete, checksum-valid record of one log file, and why reading stopped
    ("eof", "zero-fill", or a description of the damage)."""
    data = Path(path).read_bytes()
    if len(data) < HEADER_BYTES:
        return [], "short header"
    (magic,) = struct.unpack_from(">i", data, 0)
    if magic != LOG_MAGIC:
        return [], f"bad magic {magic:#x}"
    out: list[LogRecord] = []
    pos = HEADER_BYTES
    while True:
        if pos + 12 > len(data):
            return out, "eof" if pos == len(data) else f"partial record at {pos}"
        checksum, length = struct.unpack_from(">qi", data, pos)
        if length == 0:
            return out, "zero-fill"
        if length < 0 or pos + 12 + length + 1 > len(data):
            return out, f"partial record at {pos}"
        payload = data[pos + 12:pos + 12 + length]
        if data[pos + 12 + length] != 0x42:
            return out, f"missing end marker at {pos}"
        if zlib.adler32(payload) != checksum:
            return out, f"checksum mismatch at {pos}"
        session, cxid, zxid, time, kind = TXN_HEADER.unpack_from(payload, 0)
        out.append(LogRecord(Path(path), pos, checksum, payload, session, cxid, zxid, time, kind))
        pos += 12 + length + 1


def read_logs(data_dir: Path) -> list[LogRecord]:
    """The records of every log file of a data directory, in file order."""
    records: list[LogRecord] = []
    for f in log_files(data_dir):
        records += read_log(f)[0]
    return records


def flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0xFF]))


# ---------------------------------------------------------------- tools

def swzk(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([str(zkservers.swzk_bin()), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def apache_tool(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`apache-zk.sh txnlog|snapshot|purge ...` (one JVM per call: a few seconds each)."""
    return subprocess.run(["bash", str(zkservers.apache_zk_sh()), *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=zkservers.tool_env())


_EOF_LINE = re.compile(r"^EOF reached after (\d+) txns\.$", re.M)


def eof_count(output: str) -> int | None:
    """The count in TxnLogToolkit's last line, `EOF reached after N txns.` (swzk prints it too)."""
    found = _EOF_LINE.findall(output)
    return int(found[-1]) if found else None


def formatter_node_count(output: str) -> int | None:
    """SnapshotFormatter's `ZNode Details (count=N):` minus the `/` alias it counts twice."""
    m = re.search(r"^ZNode Details \(count=(\d+)\):", output, re.M)
    return int(m.group(1)) - 1 if m else None
