"""The writer: appends hash-chained records under a file lock, one whole fsync'ed line each."""

from __future__ import annotations

import fcntl
import json
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pagewise.audit.chain import (
    FILE_NAME,
    GENESIS,
    all_files,
    canonical,
    chain_files,
    file_name,
    last_byte,
    lines_backward,
    parse,
    record_hash,
)
from pagewise.audit.masking import Mask, mask_value

DEFAULT_MAX_BYTES = 50_000_000
LOCK_FILE = "audit.lock"
# Who did it and what it was must stay readable for the audit to be useful; the chain's own
# fields must not change after hashing.
_NOT_MASKED = frozenset({"id", "time", "event", "user", "seq", "prev", "hash"})


@dataclass
class _Tail:
    path: Path
    size: int
    seq: int
    hash: str


class AuditLog:
    def __init__(
        self,
        folder: Path,
        masks: Sequence[Mask] = (),
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.masks = tuple(masks)
        self.max_bytes = max_bytes
        # The tail this process wrote last: still valid while the file has the same size.
        self._tail: _Tail | None = None

    def record(self, event: str, user: str, **fields: Any) -> str:
        """Append one record and return its id; the line is on disk when this returns."""
        # default=str: values JSON cannot hold are stored (and hashed) as their text.
        body = json.loads(json.dumps(fields, ensure_ascii=False, default=str))
        body = {k: (v if k in _NOT_MASKED else mask_value(v, self.masks)) for k, v in body.items()}
        record_id = uuid.uuid4().hex
        lock_fd = os.open(self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            self._append_locked(body, record_id, event, user)
        finally:
            os.close(lock_fd)  # closing releases the lock
        return record_id

    def _append_locked(self, body: dict[str, Any], record_id: str, event: str, user: str) -> None:
        files = chain_files(self.folder)
        seq, prev, needs_newline = self._tail_of(files)
        now = time.time()
        entry = {**body, "id": record_id, "time": now, "event": event, "user": user}
        entry.update(seq=seq + 1, prev=prev)
        entry["hash"] = record_hash(entry)
        data = canonical(entry) + b"\n"
        path = self._target(files, now, len(data))
        if path in files and needs_newline:
            data = b"\n" + data  # a cut line before must not swallow this record
        created = path not in files
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(
                    f"audit log: only {written} of {len(data)} bytes written (disk full?)"
                )
            os.fsync(fd)
            size = os.fstat(fd).st_size
        finally:
            os.close(fd)
        if created:
            self._sync_folder()  # the new file's name must survive a crash too
        self._tail = _Tail(path, size, entry["seq"], entry["hash"])

    def _tail_of(self, files: list[Path]) -> tuple[int, str, bool]:
        """Last seq and hash of the chain, and whether the newest file lacks its final newline."""
        if not files:
            return 0, GENESIS, False
        newest = files[-1]
        size = newest.stat().st_size
        tail = self._tail
        if tail is not None and tail.path == newest and tail.size == size:
            return tail.seq, tail.hash, False
        needs_newline = size > 0 and last_byte(newest) != b"\n"
        for path in reversed(files):
            for line in lines_backward(path):
                record = parse(line)
                if record is not None and isinstance(record.get("seq"), int):
                    return int(record["seq"]), str(record.get("hash")), needs_newline
        return 0, GENESIS, needs_newline

    def _target(self, files: list[Path], now: float, length: int) -> Path:
        today = time.strftime("%Y%m%d", time.localtime(now))
        if not files:
            return self.folder / file_name(today, 1)
        current = files[-1]
        match = FILE_NAME.fullmatch(current.name)
        assert match is not None  # chain_files only lists matching names
        day, number = match[1], int(match[2])
        # A clock set back must not start a file that sorts before the current one.
        if today > day:
            return self.folder / file_name(today, 1)
        size = current.stat().st_size
        if size > 0 and size + length > self.max_bytes:
            return self.folder / file_name(day, number + 1)
        return current

    def _sync_folder(self) -> None:
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def recent(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest records first, across files; unreadable lines are left out."""
        rows: list[dict[str, Any]] = []
        for path in reversed(all_files(self.folder)):
            for line in lines_backward(path):
                record = parse(line)
                if record is not None:
                    rows.append(record)
                    if len(rows) >= limit:
                        return rows
        return rows
