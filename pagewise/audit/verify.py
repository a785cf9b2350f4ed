"""Verifying the chain: every record's hash, sequence and link, and where it first breaks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pagewise.audit.chain import GENESIS, LEGACY_FILE, chain_files, parse, record_hash


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
        record = parse(line.raw)
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
        record = parse(line.raw)
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
