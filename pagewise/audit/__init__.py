"""The audit log: a hash chain of JSON lines under ``DATA_DIR/audit``, tamper-evident.

Events: logins (success and failure), questions with their answers and citations, feedback,
uploads and deletions.

Every record carries ``seq`` (1, 2, …), ``prev`` (the ``hash`` of the record before it, 64 zeros
for the first) and ``hash``: SHA-256 of the record's canonical JSON without ``hash``. Editing,
deleting, reordering or cutting a line breaks the chain, and :func:`verify` names where.
Removing whole records from the *end* cannot be seen from the log alone: keep the
``seq``/``hash`` that ``pagewise audit verify`` prints somewhere else to detect that too.

Files: ``audit-YYYYMMDD-NNN.jsonl`` (local date of the first record, NNN from 001). A new file
starts when the day changes or the current one would pass ``max_bytes``; the chain runs on
across files. An ``audit.jsonl`` from before the chain is still read by :meth:`AuditLog.recent`
and :func:`export` (as the oldest records), but has no hashes, so :func:`verify` only counts it.

Several portal processes and threads append safely: each append holds an exclusive ``flock`` on
``audit.lock`` while it reads the chain's tail and writes one whole line with ``O_APPEND``.
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import time
import tomllib
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pagewise.errors import ConfigError, PagewiseError
from pagewise.policies import BUNDLED_DIR

log = logging.getLogger(__name__)

GENESIS = "0" * 64
DEFAULT_MAX_BYTES = 50_000_000
LEGACY_FILE = "audit.jsonl"
LOCK_FILE = "audit.lock"
_FILE_NAME = re.compile(r"audit-(\d{8})-(\d{3,})\.jsonl")
# Who did it and what it was must stay readable for the audit to be useful; the chain's own
# fields must not change after hashing.
_NOT_MASKED = frozenset({"id", "time", "event", "user", "seq", "prev", "hash"})

Mask = tuple[re.Pattern[str], str]
"""A pattern and its replacement (``re.sub`` syntax: ``\\1`` keeps group 1)."""

BUILTIN_MASKS: dict[str, Mask] = {
    # Mainland mobile numbers: keep the carrier prefix and the last four digits.
    "phone": (re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)"), r"\1****\2"),
    # 18-character resident ID numbers: keep the region code and the last four characters.
    "cn_id": (
        re.compile(
            r"(?<![0-9A-Za-z])(\d{6})(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
            r"(\d{3}[0-9Xx])(?![0-9A-Za-z])"
        ),
        r"\1********\2",
    ),
    "email": (
        re.compile(r"(?<![\w.%+-])([\w%+-])[\w.%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"),
        r"\1***@\2",
    ),
}
DEFAULT_MASKS = ("phone", "cn_id")


@dataclass(frozen=True)
class AuditPolicy:
    masks: tuple[Mask, ...]


def load_audit_policy(folder: Path) -> AuditPolicy:
    """Read ``audit.toml`` from the policies folder; no file means the default masks."""
    path = folder / "audit.toml"
    if not path.is_file() and not folder.is_absolute():
        path = BUNDLED_DIR / "audit.toml"
    if not path.is_file():
        return AuditPolicy(tuple(BUILTIN_MASKS[name] for name in DEFAULT_MASKS))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}. Fix the file and retry.") from exc
    return AuditPolicy(_builtin_masks(path, data) + _custom_masks(path, data))


def _builtin_masks(path: Path, data: dict[str, Any]) -> tuple[Mask, ...]:
    names = data.get("mask", list(DEFAULT_MASKS))
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f'{path}: mask must be a list of names, e.g. mask = ["phone"]')
    unknown = [n for n in names if n not in BUILTIN_MASKS]
    if unknown:
        raise ConfigError(
            f"{path}: unknown mask {', '.join(unknown)}; use {', '.join(BUILTIN_MASKS)}"
            " or a [[custom]] pattern"
        )
    return tuple(BUILTIN_MASKS[n] for n in names)


def _custom_masks(path: Path, data: dict[str, Any]) -> tuple[Mask, ...]:
    entries = data.get("custom", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: write custom masks as [[custom]] tables")
    masks = []
    for number, entry in enumerate(entries, start=1):
        pattern = entry.get("pattern") if isinstance(entry, dict) else None
        replacement = entry.get("replacement", "***") if isinstance(entry, dict) else None
        if not isinstance(pattern, str) or not isinstance(replacement, str) or not pattern:
            raise ConfigError(
                f"{path}: custom mask {number} needs pattern = '...' and replacement = '...'"
            )
        try:
            compiled = re.compile(pattern)
            # A bad group reference in the replacement would otherwise fail at the first match,
            # inside a user's request: expand it once against an empty match now.
            probe = re.compile(pattern + "|").match("")
            if probe is not None:
                probe.expand(replacement)
        except re.error as exc:
            raise ConfigError(f"{path}: custom mask {number} is not valid: {exc}") from exc
        masks.append((compiled, replacement))
    return tuple(masks)


def _mask(value: Any, masks: Sequence[Mask]) -> Any:
    if isinstance(value, str):
        for pattern, replacement in masks:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, list):
        return [_mask(v, masks) for v in value]
    if isinstance(value, dict):
        return {k: _mask(v, masks) for k, v in value.items()}
    return value


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def record_hash(record: dict[str, Any]) -> str:
    """SHA-256 of the record's canonical JSON, leaving out its own ``hash``."""
    return hashlib.sha256(canonical({k: v for k, v in record.items() if k != "hash"})).hexdigest()


def chain_files(folder: Path) -> list[Path]:
    """The chained files, oldest first (by date, then number: 1000 sorts after 999)."""
    found = []
    for path in folder.glob("audit-*.jsonl"):
        match = _FILE_NAME.fullmatch(path.name)
        if match:
            found.append(((match[1], int(match[2])), path))
    return [path for _, path in sorted(found)]


def _file_name(day: str, number: int) -> str:
    return f"audit-{day}-{number:03d}.jsonl"


def _lines_backward(path: Path, block: int = 65536) -> Iterator[bytes]:
    """The file's lines, last first, reading only as much of its end as needed."""
    with path.open("rb") as handle:
        position = handle.seek(0, os.SEEK_END)
        rest = b""
        while position > 0:
            step = min(block, position)
            position -= step
            handle.seek(position)
            rest = handle.read(step) + rest
            *complete, last = rest.split(b"\n")
            # complete[0] may start mid-line unless we reached the start of the file.
            for line in reversed([*complete[1:], last] if complete else []):
                if line.strip():
                    yield line
            rest = complete[0] if complete else last
        if rest.strip():
            yield rest


def _parse(line: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


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
        body = {k: (v if k in _NOT_MASKED else _mask(v, self.masks)) for k, v in body.items()}
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
        needs_newline = size > 0 and _last_byte(newest) != b"\n"
        for path in reversed(files):
            for line in _lines_backward(path):
                record = _parse(line)
                if record is not None and isinstance(record.get("seq"), int):
                    return int(record["seq"]), str(record.get("hash")), needs_newline
        return 0, GENESIS, needs_newline

    def _target(self, files: list[Path], now: float, length: int) -> Path:
        today = time.strftime("%Y%m%d", time.localtime(now))
        if not files:
            return self.folder / _file_name(today, 1)
        current = files[-1]
        match = _FILE_NAME.fullmatch(current.name)
        assert match is not None  # chain_files only lists matching names
        day, number = match[1], int(match[2])
        # A clock set back must not start a file that sorts before the current one.
        if today > day:
            return self.folder / _file_name(today, 1)
        size = current.stat().st_size
        if size > 0 and size + length > self.max_bytes:
            return self.folder / _file_name(day, number + 1)
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
        for path in reversed(_all_files(self.folder)):
            for line in _lines_backward(path):
                record = _parse(line)
                if record is not None:
                    rows.append(record)
                    if len(rows) >= limit:
                        return rows
        return rows


def _last_byte(path: Path) -> bytes:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1)


def _all_files(folder: Path) -> list[Path]:
    legacy = folder / LEGACY_FILE
    return ([legacy] if legacy.is_file() else []) + chain_files(folder)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    seq: int | None
    what: str

    def __str__(self) -> str:
        seq = f" (seq {self.seq})" if self.seq is not None else ""
        return f"{self.file} line {self.line}{seq}: {self.what}"


@dataclass(frozen=True)
class VerifyReport:
    records: int
    files: int
    legacy_records: int = 0
    problem: Problem | None = None
    last_seq: int = 0
    last_hash: str = GENESIS

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def message(self) -> str:
        if self.problem is not None:
            return (
                f"audit log damaged: {self.problem}. Records before it are intact; keep a copy"
                " of the folder and check who had write access to it."
            )
        legacy = (
            f"; {self.legacy_records} older records in {LEGACY_FILE} have no hashes"
            if self.legacy_records
            else ""
        )
        return (
            f"audit log intact: {self.records} records in {self.files} files"
            f" (last seq {self.last_seq}, hash {self.last_hash}){legacy}"
        )


@dataclass(frozen=True)
class _Line:
    path: Path
    number: int
    raw: bytes
    final: bool  # the file's last line and not ended by a newline: where a cut shows


def _chain_lines(files: list[Path]) -> Iterator[_Line]:
    for path in files:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if raw.strip():
                    yield _Line(path, number, raw, not raw.endswith(b"\n"))


def verify(folder: Path) -> VerifyReport:
    """Check every chained record in order and report the first break in the chain."""
    files = chain_files(folder) if folder.is_dir() else []
    legacy = folder / LEGACY_FILE
    legacy_count = _count_lines(legacy) if legacy.is_file() else 0
    count, prev, lines = 0, GENESIS, _chain_lines(files)
    for line in lines:
        record = _parse(line.raw)
        problem = _check(line, record, count + 1, prev)
        if problem is not None and "out of order" in problem.what:
            problem = _explain_gap(problem, count + 1, lines)
        if problem is not None:
            return VerifyReport(count, len(files), legacy_count, problem, count, prev)
        assert record is not None
        count, prev = count + 1, str(record["hash"])
    return VerifyReport(count, len(files), legacy_count, None, count, prev)


def _check(line: _Line, record: dict[str, Any] | None, seq: int, prev: str) -> Problem | None:
    def problem(what: str) -> Problem:
        found = record.get("seq") if record is not None else None
        return Problem(line.path.name, line.number, found if isinstance(found, int) else None, what)

    if record is None:
        if line.final:
            return problem("truncated line: the record was cut off (incomplete write or cut)")
        return problem("not valid JSON: the line was edited or cut")
    if record.get("hash") != record_hash(record):
        return problem("edited: the content does not match its hash")
    if record.get("seq") != seq:
        return problem(f"out of order: expected seq {seq}")
    if record.get("prev") != prev:
        return problem("edited: prev does not match the hash of the record before it")
    return None


def _explain_gap(problem: Problem, expected: int, rest: Iterator[_Line]) -> Problem:
    """Tell a deleted record from a moved one: does the expected seq turn up later?"""
    if problem.seq is not None and problem.seq < expected:
        return Problem(
            problem.file,
            problem.line,
            problem.seq,
            f"duplicated or reordered: expected seq {expected}, seq {problem.seq} came already",
        )
    for line in rest:
        record = _parse(line.raw)
        if record is not None and record.get("seq") == expected:
            what = f"reordered: expected seq {expected}, which comes later ({line.path.name}"
            return Problem(problem.file, problem.line, problem.seq, f"{what} line {line.number})")
    return Problem(
        problem.file,
        problem.line,
        problem.seq,
        f"deleted: expected seq {expected}; the records before this one are missing",
    )


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for raw in handle if raw.strip())


def export(
    folder: Path, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Records, oldest first, with ``start <= time < end``; naive datetimes are local time."""
    low = start.timestamp() if start else float("-inf")
    high = end.timestamp() if end else float("inf")
    for path in _all_files(folder) if folder.is_dir() else []:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                record = _parse(raw) if raw.strip() else None
                if record is None:
                    if raw.strip():
                        log.warning("export: %s line %d is not a record, skipped", path, number)
                    continue
                when = record.get("time")
                if isinstance(when, int | float) and low <= when < high:
                    yield record


CSV_COLUMNS = (
    "time",
    "seq",
    "id",
    "event",
    "user",
    "groups",
    "client",
    "question",
    "answer",
    "citations",
    "model",
    "latency_ms",
    "ref",
    "helpful",
    "reason",
    "error",
    "other",
)
_CHAIN_ONLY = {"prev", "hash"}  # for verify, not for readers of a spreadsheet


def write_csv(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """One row a record; fields without a column go to ``other`` as JSON. Returns the rows."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rows = 0
    for record in records:
        writer.writerow([_cell(v) for v in _csv_row(record)])
        rows += 1
    return rows


def _csv_row(record: dict[str, Any]) -> list[Any]:
    when = record.get("time")
    iso = (
        dt.datetime.fromtimestamp(when, tz=dt.UTC).astimezone().isoformat(timespec="milliseconds")
        if isinstance(when, int | float)
        else ""
    )
    citations = "; ".join(
        f"{c.get('doc', '')} p.{c.get('page', '')}"
        for c in record.get("citations") or []
        if isinstance(c, dict)
    )
    groups = record.get("groups")
    named = set(CSV_COLUMNS) | _CHAIN_ONLY
    other = {k: v for k, v in record.items() if k not in named}
    fixed = {
        "time": iso,
        "groups": "; ".join(map(str, groups)) if isinstance(groups, list) else groups,
        "citations": citations,
        "other": json.dumps(other, ensure_ascii=False, sort_keys=True) if other else "",
    }
    return [fixed[c] if c in fixed else record.get(c, "") for c in CSV_COLUMNS]


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A question typed as "=HYPERLINK(...)" must not run as a formula when a spreadsheet opens
    # the export; the JSON lines export keeps the exact text.
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def day_range(first: str | None, last: str | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``--from``/``--to`` days (YYYY-MM-DD, local) as export's start and exclusive end."""
    start = _day(first, "--from")
    end = _day(last, "--to")
    if start and end and end < start:
        raise PagewiseError(f"--to {last} is before --from {first}; swap the dates")
    # --to names a day: everything up to the end of that day.
    return start, end + dt.timedelta(days=1) if end else None


def _day(text: str | None, option: str) -> dt.datetime | None:
    if text is None:
        return None
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise PagewiseError(f"{option} {text!r} is not a date; write it as YYYY-MM-DD") from None


def write_export(records: Iterable[dict[str, Any]], out: TextIO, as_csv: bool) -> int:
    """Write records as CSV or JSON lines; returns how many."""
    if as_csv:
        return write_csv(records, out)
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
