"""The writer: appends signed, chained records under a file lock, one whole fsync'ed line each,
and copies the chain's head to the checkpoints outside the folder."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pagewise.audit.chain import (
    FILE_NAME,
    GENESIS,
    SIGNED,
    all_files,
    canonical,
    chain_files,
    file_name,
    key_id,
    last_byte,
    lines_backward,
    parse,
    record_hash,
)
from pagewise.audit.checkpoint import Checkpoints, Head
from pagewise.audit.masking import Mask, mask_value
from pagewise.errors import PagewiseError

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 50_000_000
LOCK_FILE = "audit.lock"
# Who did it and what it was must stay readable for the audit to be useful; the chain's own
# fields must not change after hashing.
_NOT_MASKED = frozenset({"id", "time", "event", "user", "seq", "prev", "hash", "alg", "kid"})


@dataclass
class _Tail:
    path: Path
    size: int
    seq: int
    hash: str


class AuditLog:
    """Writes need ``key`` (reading with :meth:`recent` does not). ``checkpoints`` get the head
    at every new file, every ``checkpoint_records`` records and, by a timer, within
    ``checkpoint_seconds`` of any record not yet covered."""

    def __init__(
        self,
        folder: Path,
        masks: Sequence[Mask] = (),
        max_bytes: int = DEFAULT_MAX_BYTES,
        key: bytes | None = None,
        checkpoints: Checkpoints | None = None,
        checkpoint_records: int = 20,
        checkpoint_seconds: float = 60.0,
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.masks = tuple(masks)
        self.max_bytes = max_bytes
        self.key = key
        self.checkpoints = checkpoints or Checkpoints()
        self.checkpoint_records = checkpoint_records
        self.checkpoint_seconds = checkpoint_seconds
        # The tail this process wrote last: still valid while the file has the same size.
        self._tail: _Tail | None = None
        self._checkpointed = 0  # the newest seq known to be in the checkpoints
        self._timer: threading.Timer | None = None
        self._timer_lock = threading.Lock()

    def record(self, event: str, user: str, **fields: Any) -> str:
        """Append one record and return its id; the line is on disk when this returns."""
        if self.key is None:
            raise PagewiseError("the audit log was opened without its key; records need one")
        # default=str: values JSON cannot hold are stored (and hashed) as their text.
        body = json.loads(json.dumps(fields, ensure_ascii=False, default=str))
        body = {k: (v if k in _NOT_MASKED else mask_value(v, self.masks)) for k, v in body.items()}
        record_id = uuid.uuid4().hex
        with self._locked():
            self._append_locked(body, record_id, event, user)
        return record_id

    def checkpoint(self) -> None:
        """Write the chain's head to the checkpoints now unless they hold it already (the
        timer calls this; so can a short-lived process before it exits)."""
        if not self.checkpoints.enabled:
            return
        with self._locked():
            files = chain_files(self.folder)
            seq, hash_, _ = self._tail_of(files)
            if seq > self._checkpointed:
                self.checkpoints.write(self.folder, seq, hash_, "timer")
                self._checkpointed = seq

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        lock_fd = os.open(self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(lock_fd)  # closing releases the lock

    def _append_locked(self, body: dict[str, Any], record_id: str, event: str, user: str) -> None:
        assert self.key is not None
        files = chain_files(self.folder)
        seq, prev, needs_newline = self._tail_of(files)
        now = time.time()
        entry = {**body, "id": record_id, "time": now, "event": event, "user": user}
        entry.update(seq=seq + 1, prev=prev, alg=SIGNED, kid=key_id(self.key))
        entry["hash"] = record_hash(entry, self.key)
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
        self._after_append(entry["seq"], entry["hash"], "new file" if created else "")

    def _after_append(self, seq: int, hash_: str, reason: str) -> None:
        if not self.checkpoints.enabled:
            return
        if not reason and seq - self._checkpointed >= self.checkpoint_records:
            reason = f"{self.checkpoint_records} records"
        if reason:
            # A new file is checkpointed with its first record: then deleting the newest file
            # takes away a record that the checkpoint names.
            self.checkpoints.write(self.folder, seq, hash_, reason)
            self._checkpointed = seq
            return
        with self._timer_lock:
            if self._timer is None:
                self._timer = threading.Timer(self.checkpoint_seconds, self._on_timer)
                self._timer.daemon = True
                self._timer.start()

    def _on_timer(self) -> None:
        with self._timer_lock:
            self._timer = None
        try:
            self.checkpoint()
        except Exception:  # a timer thread has nobody to tell but the log
            log.exception("audit checkpoint by timer failed")

    def _tail_of(self, files: list[Path]) -> tuple[int, str, bool]:
        """Last seq and hash of the chain, and whether the newest file lacks its final newline.

        Read from disk (another process wrote, or this one just started), the tail is held
        against the newest checkpoint: a chain that went backwards is not continued."""
        tail, newest = self._tail, files[-1] if files else None
        # Nobody wrote since this process did: the file has the size it left.
        if (
            newest
            and tail is not None
            and (tail.path, tail.size) == (newest, newest.stat().st_size)
        ):
            return tail.seq, tail.hash, False
        needs_newline = newest is not None and newest.stat().st_size > 0
        needs_newline = needs_newline and last_byte(files[-1]) != b"\n"
        found: dict[str, Any] = {"seq": 0, "hash": GENESIS}
        for path in reversed(files):
            records = (r for r in map(parse, lines_backward(path)) if r is not None)
            found = next((r for r in records if isinstance(r.get("seq"), int)), found)
            if found["seq"]:
                break
        self._check_continuation(found, self.checkpoints.latest(self.folder))
        return int(found["seq"]), str(found.get("hash")), needs_newline

    def _check_continuation(self, tail: dict[str, Any], head: Head | None) -> None:
        seq = int(tail["seq"])
        if head is not None:
            self._checkpointed = max(self._checkpointed, min(seq, head.seq))
            if seq < head.seq or (seq == head.seq and tail.get("hash") != head.hash):
                what = (
                    f"ends at seq {seq}, but {head.source} recorded seq {head.seq}: records were"
                    " removed from its end"
                    if seq < head.seq
                    else f"seq {seq} differs from {head.source}: its newest record was rewritten"
                )
                raise PagewiseError(
                    f"the audit log in {self.folder} {what}. Nothing more is recorded until this"
                    " is resolved: keep a copy of the folder, run `pagewise audit verify`, and"
                    " restore the missing records from a backup"
                )
        kid = tail.get("kid")
        if self.key is not None and kid is not None and kid != key_id(self.key):
            raise PagewiseError(
                f"the audit log in {self.folder} was signed with key {kid}, but audit_key_file"
                f" holds key {key_id(self.key)}: restore the key file that signed it"
            )

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
