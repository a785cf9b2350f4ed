"""The chain's file format: canonical JSON, record hashes, file names and reading lines back."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
# A signed record names its algorithm and key; records without ``alg`` were written before
# signing (plain SHA-256) and are still checked, but none may follow a signed one.
SIGNED = "hmac-sha256"
LEGACY_FILE = "audit.jsonl"
FILE_NAME = re.compile(r"audit-(\d{8})-(\d{3,})\.jsonl")


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def record_hash(record: dict[str, Any], key: bytes | None = None) -> str:
    """HMAC-SHA256 with ``key`` (SHA-256 without) of the record's canonical JSON, leaving out
    its own ``hash``: without the key nobody can write a record that verifies."""
    body = canonical({k: v for k, v in record.items() if k != "hash"})
    if key is None:
        return hashlib.sha256(body).hexdigest()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A short name of the key, stored in each record: tells "another key" from "edited"."""
    return hmac.new(key, b"pagewise audit key id", hashlib.sha256).hexdigest()[:16]


def chain_files(folder: Path) -> list[Path]:
    """The chained files, oldest first (by date, then number: 1000 sorts after 999)."""
    found = []
    for path in folder.glob("audit-*.jsonl"):
        match = FILE_NAME.fullmatch(path.name)
        if match:
            found.append(((match[1], int(match[2])), path))
    return [path for _, path in sorted(found)]


def file_name(day: str, number: int) -> str:
    return f"audit-{day}-{number:03d}.jsonl"


def lines_backward(path: Path, block: int = 65536) -> Iterator[bytes]:
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


def parse(line: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def last_byte(path: Path) -> bytes:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1)


def all_files(folder: Path) -> list[Path]:
    legacy = folder / LEGACY_FILE
    return ([legacy] if legacy.is_file() else []) + chain_files(folder)
