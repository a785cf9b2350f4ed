"""The chain's head, kept outside the audit folder: a cut or rewritten end shows against it.

The hash chain proves that nothing was changed *inside* the log; records removed from its end
(its last lines, or the newest file) leave a shorter chain that is still whole. So the writer
copies the head (``seq`` and ``hash`` of the newest record) to a second place: a JSON lines
file outside the data dir (``audit_checkpoint_file``) and/or the system log
(``audit_syslog``), at every new file, every ``audit_checkpoint_records`` records and within
``audit_checkpoint_seconds`` of any record. ``verify`` then demands that the chain still
holds every head written there; the writer refuses to continue a chain that went backwards.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pagewise.audit.chain import lines_backward, parse
from pagewise.errors import ConfigError, PagewiseError

log = logging.getLogger(__name__)

_HEAD = re.compile(r"(\d+):([0-9a-f]{64})")


@dataclass(frozen=True)
class Head:
    """A record the chain must still hold: its seq and hash, and who said so (for messages)."""

    seq: int
    hash: str
    source: str


def parse_head(text: str) -> Head:
    """``SEQ:HASH`` as ``pagewise audit verify`` prints it."""
    match = _HEAD.fullmatch(text.strip().lower())
    if match is None:
        raise PagewiseError(
            f"--head {text!r} is not SEQ:HASH (a number, a colon and 64 hex digits), as"
            " `pagewise audit verify` prints them"
        )
    return Head(int(match[1]), match[2], f"--head {match[1]}:{match[2][:12]}…")


class Checkpoints:
    """Where heads are written and read back; ``path`` None and ``syslog`` None: nowhere."""

    def __init__(self, path: Path | None = None, syslog: str | None = None) -> None:
        self.path = path
        self._syslog = _syslog_logger(syslog) if syslog else None

    @property
    def enabled(self) -> bool:
        return self.path is not None or self._syslog is not None

    def write(self, folder: Path, seq: int, hash_: str, reason: str) -> None:
        """Record the head of the chain in ``folder``; on disk when this returns."""
        where = str(folder.resolve())
        if self.path is not None:
            entry = {"log": where, "seq": seq, "hash": hash_, "time": time.time()}
            line = json.dumps({**entry, "reason": reason}, ensure_ascii=False) + "\n"
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, line.encode("utf-8"))
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                raise PagewiseError(
                    f"cannot write the audit checkpoint file {self.path}: {exc.strerror}. Make it"
                    " writable for Pagewise's user, or change audit_checkpoint_file"
                ) from None
        if self._syslog is not None:
            self._syslog.info(
                "pagewise audit checkpoint log=%s seq=%d hash=%s reason=%s",
                where,
                seq,
                hash_,
                reason,
            )

    def latest(self, folder: Path) -> Head | None:
        """The newest head recorded for ``folder`` in the checkpoint file."""
        return next(self._heads(folder, newest_first=True), None)

    def heads(self, folder: Path) -> list[Head]:
        """Every head recorded for ``folder``, oldest first."""
        return list(self._heads(folder, newest_first=False))

    def _heads(self, folder: Path, newest_first: bool) -> Iterator[Head]:
        if self.path is None or not self.path.is_file():
            return
        where = str(folder.resolve())
        try:
            if newest_first:
                lines: Iterator[bytes] = lines_backward(self.path)
            else:
                lines = iter(self.path.read_bytes().splitlines())
            for line in lines:
                entry = parse(line)
                if entry is None or entry.get("log") != where:
                    continue
                seq, hash_, when = entry.get("seq"), entry.get("hash"), entry.get("time")
                if isinstance(seq, int) and isinstance(hash_, str):
                    yield Head(seq, hash_, f"the checkpoint in {self.path} {_when(when)}")
        except PermissionError:
            raise PagewiseError(
                f"cannot read the audit checkpoint file {self.path} (permission denied)"
            ) from None


def _when(value: object) -> str:
    if not isinstance(value, int | float):
        return "(no time)"
    moment = dt.datetime.fromtimestamp(value, tz=dt.UTC).astimezone()
    return f"of {moment.isoformat(timespec='seconds')}"


def _syslog_logger(address: str) -> logging.Logger:
    """A logger that sends only to the system log: ``/dev/log`` (a socket path) or HOST:PORT
    (UDP, e.g. a remote collector the audit folder's owner cannot rewrite)."""
    host, _, port = address.rpartition(":")
    target: str | tuple[str, int] = address
    if not address.startswith("/") and host and port.isdigit():
        target = (host.strip("[]"), int(port))
    try:
        handler = logging.handlers.SysLogHandler(
            address=target, facility=logging.handlers.SysLogHandler.LOG_AUTH
        )
    except OSError as exc:
        raise ConfigError(
            f"audit_syslog {address!r}: cannot reach the system log ({exc.strerror or exc});"
            " use /dev/log, HOST:PORT of a syslog server, or unset it"
        ) from None
    handler.setFormatter(logging.Formatter("pagewise: %(message)s"))
    logger = logging.getLogger(f"pagewise.audit.syslog.{address}")
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False  # the head goes to the system log, not only to pagewise.log
    return logger
