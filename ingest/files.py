"""Which files a batch holds, and the keys a document is known by."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from ingest.readers import SUPPORTED_SUFFIXES, unsupported_reason
from ingest.report import FileReport


def document_id(collection: str, path: Path) -> str:
    key = f"{collection}\0{path.resolve()}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[FileReport]]:
    """Supported files under ``paths`` (recursively, sorted), and reports for the rest."""
    files: list[Path] = []
    rejected: list[FileReport] = []
    for path in paths:
        if path.is_dir():
            for child in _walk(path):
                if child.suffix.lower() in SUPPORTED_SUFFIXES:
                    files.append(child)
                else:
                    rejected.append(_unsupported(child))
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(path)
            else:
                rejected.append(_unsupported(path))
        else:
            rejected.append(FileReport(str(path), "failed", reason="no such file or folder"))
    return sorted(set(files)), rejected


def _walk(folder: Path) -> Iterator[Path]:
    for child in sorted(folder.rglob("*")):
        relative = child.relative_to(folder)
        hidden = any(part.startswith((".", "~$")) for part in relative.parts)
        if child.is_file() and not hidden:
            yield child


def _unsupported(path: Path) -> FileReport:
    return FileReport(str(path), "failed", reason=unsupported_reason(path))
