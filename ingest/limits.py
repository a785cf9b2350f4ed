"""Per-file limits against hostile or runaway files, checked before any parser sees the file.

Size and, for the zip containers (DOCX, PPTX, XLSX), the expanded size and compression ratio
are read from the file system and the zip's central directory: cheap, and bounded by the file
size. Python's ``zipfile``, which python-docx, python-pptx and openpyxl read through, never
inflates a member past the size its directory entry declares (a larger stream fails its CRC),
so the declared sizes bound what the parsers can be made to hold. Pages are checked by the
readers (before text extraction for PDFs), parse time by :mod:`ingest.worker`.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pagewise.errors import DocumentError
from pagewise.settings import Settings

MB = 1_000_000
ZIP_SUFFIXES = frozenset({".docx", ".pptx", ".xlsx"})
# A member smaller than this may be compressed as much as it likes: tiny XML parts of blank
# text compress 200:1 and more and cost nothing.
_RATIO_FLOOR = MB


@dataclass(frozen=True)
class FileLimits:
    max_bytes: int = 100 * MB
    max_pages: int = 2000
    max_unzipped_bytes: int = 300 * MB
    max_zip_ratio: float = 100.0
    max_zip_entries: int = 10_000
    parse_timeout: float = 600.0  # seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> FileLimits:
        return cls(
            max_bytes=int(settings.max_file_mb * MB),
            max_pages=settings.max_pages,
            max_unzipped_bytes=int(settings.max_unzipped_mb * MB),
            max_zip_ratio=settings.max_zip_ratio,
            max_zip_entries=settings.max_zip_entries,
            parse_timeout=settings.parse_timeout,
        )


def check_file(path: Path, limits: FileLimits) -> None:
    """Raise DocumentError when ``path`` is over a limit that can be seen without parsing it."""
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise DocumentError(
            f"the file is {_mb(size)}, over the limit of {_mb(limits.max_bytes)} (max_file_mb)"
        )
    if path.suffix.lower() in ZIP_SUFFIXES:
        check_zip(path, limits)


def check_zip(path: Path, limits: FileLimits) -> None:
    """The zip's directory against the expanded-size, ratio and entry limits."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # not a zip at all: the reader says so in its own words
    check_members(members, limits)


def check_upload(name: str, data: bytes, limits: FileLimits) -> None:
    """The same limits for an uploaded file's bytes, before they are written anywhere."""
    if len(data) > limits.max_bytes:
        raise DocumentError(
            f"the file is {_mb(len(data))}, over the limit of {_mb(limits.max_bytes)} (max_file_mb)"
        )
    if Path(name).suffix.lower() in ZIP_SUFFIXES:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return  # the content check says what the file is instead
        check_members(members, limits)


def check_members(members: Sequence[zipfile.ZipInfo], limits: FileLimits) -> None:
    if len(members) > limits.max_zip_entries:
        raise DocumentError(
            f"the file holds {len(members)} parts, over the limit of {limits.max_zip_entries}"
            " (max_zip_entries)"
        )
    expanded = sum(m.file_size for m in members)
    if expanded > limits.max_unzipped_bytes:
        raise DocumentError(
            f"the file expands to {_mb(expanded)} when unzipped, over the limit of"
            f" {_mb(limits.max_unzipped_bytes)} (max_unzipped_mb): a zip bomb, or too large"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _RATIO_FLOOR and ratio > limits.max_zip_ratio:
            raise DocumentError(
                f"its part {member.filename!r} is compressed {ratio:.0f}:1 ({_mb(member.file_size)}"
                f" from {_mb(member.compress_size)}), over max_zip_ratio {limits.max_zip_ratio:g}:"
                " a zip bomb"
            )


def check_pages(count: int, limits: FileLimits) -> None:
    if count > limits.max_pages:
        raise DocumentError(
            f"the file has {count} pages, over the limit of {limits.max_pages} (max_pages)"
        )


def _mb(size: int) -> str:
    if size < 100_000:
        return f"{size} bytes"
    return f"{size / MB:.1f} MB" if size < 10 * MB else f"{size / MB:.0f} MB"
