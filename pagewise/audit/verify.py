"""Verifying the chain: every record's signature, sequence and link, where it first breaks, and
whether it still holds the heads recorded outside the folder (a cut or rewritten end)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pagewise.audit.chain import (
    GENESIS,
    LEGACY_FILE,
    SIGNED,
    chain_files,
    key_id,
    parse,
    record_hash,
)
from pagewise.audit.checkpoint import Head
from pagewise.errors import ConfigError


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    seq: int | None
    what: str

    def __str__(self) -> str:
        seq = f" (seq {self.seq})" if self.seq is not None else ""
        if not self.file:
            return f"no records{seq}: {self.what}"
        return f"{self.file} line {self.line}{seq}: {self.what}"


@dataclass(frozen=True)
class VerifyReport:
    records: int
    files: int
    legacy_records: int = 0
    problem: Problem | None = None
    last_seq: int = 0
    last_hash: str = GENESIS
    unsigned: int = 0  # chained records from before signing: checked by plain SHA-256
    heads: Sequence[Head] = field(default_factory=tuple)  # checked, and found in the chain

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
        unsigned = (
            f"; the first {self.unsigned} records are from before signing (SHA-256 only)"
            if self.unsigned
            else ""
        )
        newest = max(self.heads, key=lambda h: h.seq, default=None)
        anchored = (
            f"; it holds seq {newest.seq} as recorded by {newest.source}"
            if newest is not None
            else "; no checkpoint to check its end against (records cut from the end would not"
            " show: set audit_checkpoint_file, or pass --head SEQ:HASH)"
        )
        return (
            f"audit log intact: {self.records} records in {self.files} files"
            f" (last seq {self.last_seq}, hash {self.last_hash}){legacy}{unsigned}{anchored}"
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


def verify(folder: Path, key: bytes | None = None, heads: Sequence[Head] = ()) -> VerifyReport:
    """Check every chained record in order and report the first break in the chain, then that
    the chain still holds every head in ``heads`` (from the checkpoints, or given by hand)."""
    files = chain_files(folder) if folder.is_dir() else []
    legacy = folder / LEGACY_FILE
    legacy_count = _count_lines(legacy) if legacy.is_file() else 0
    wanted = {head.seq for head in heads}
    found: dict[int, str] = {}
    count, prev, unsigned, last = 0, GENESIS, 0, None
    lines = _chain_lines(files)
    for line in lines:
        record = parse(line.raw)
        problem = _check(line, record, count + 1, prev, key, signed=count > unsigned)
        if problem is not None and "out of order" in problem.what:
            problem = _explain_gap(problem, count + 1, lines)
        if problem is not None:
            return VerifyReport(count, len(files), legacy_count, problem, count, prev, unsigned)
        assert record is not None
        count, prev, last = count + 1, str(record["hash"]), line
        unsigned += record.get("alg") is None
        if count in wanted:
            found[count] = prev
    problem = _check_heads(heads, found, count, last)
    return VerifyReport(
        count, len(files), legacy_count, problem, count, prev, unsigned, () if problem else heads
    )


def _check(
    line: _Line,
    record: dict[str, Any] | None,
    seq: int,
    prev: str,
    key: bytes | None,
    signed: bool,
) -> Problem | None:
    def problem(what: str) -> Problem:
        found = record.get("seq") if record is not None else None
        return Problem(line.path.name, line.number, found if isinstance(found, int) else None, what)

    if record is None:
        if line.final:
            return problem("truncated line: the record was cut off (incomplete write or cut)")
        return problem("not valid JSON: the line was edited or cut")
    alg = record.get("alg")
    if alg is None and signed:
        return problem("not signed, after signed records: rewritten by someone without the key")
    if alg is not None and alg != SIGNED:
        return problem(f"unknown signature {alg!r}: edited")
    if alg is not None and key is None:
        raise ConfigError("the audit log is signed: verifying it needs its key (audit_key_file)")
    if alg is not None and key is not None and record.get("kid") != key_id(key):
        return problem(
            f"signed with another key ({record.get('kid')}, the key file's is {key_id(key)}):"
            " verify with the key that wrote the log, or it was forged"
        )
    if record.get("hash") != record_hash(record, key if alg is not None else None):
        return problem("edited: the content does not match its signature")
    if record.get("seq") != seq:
        return problem(f"out of order: expected seq {seq}")
    if record.get("prev") != prev:
        return problem("edited: prev does not match the hash of the record before it")
    return None


def _check_heads(
    heads: Sequence[Head], found: dict[int, str], count: int, last: _Line | None
) -> Problem | None:
    """The newest head the chain does not hold, as a problem at the chain's end."""
    for head in sorted(heads, key=lambda h: h.seq, reverse=True):
        if head.seq > count:
            what = (
                f"cut: the log ends here, but {head.source} recorded seq {head.seq}; records"
                f" {count + 1}-{head.seq} (or more) were removed from its end (its last lines"
                " or its newest files)"
            )
        elif found.get(head.seq) != head.hash:
            what = (
                f"rewritten: seq {head.seq} is not the record {head.source} recorded"
                f" (hash {head.hash[:12]}…); the chain was rebuilt from there or before"
            )
        else:
            continue
        if last is None:
            return Problem("", 0, None, what)
        return Problem(last.path.name, last.number, count, what)
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
