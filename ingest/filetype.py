"""What a file is, by its bytes: an upload named ``report.pdf`` must be a PDF before it is kept.

The extension says which reader will parse the file; a file whose bytes are something else
(an executable, an HTML page, a zip of anything) must not reach that reader, nor be stored in
the manuals folder where a later batch would pick it up. Checked here, before anything is
written:

* a safe file name: no folder part, not hidden, a supported suffix;
* the size against the limit;
* PDF: the ``%PDF-`` header (within the first 1024 bytes, as readers accept it);
* DOCX, PPTX, XLSX: a zip whose ``[Content_Types].xml`` declares the main part of that kind
  (a .docx that is a spreadsheet, or a zip without the part, is refused); its expanded size
  and compression ratio are checked by ingest/limits.py;
* Markdown and text: decodes as UTF-8 or GB18030 (as the reader does) and holds no NUL byte.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path

from ingest.readers import SUPPORTED_SUFFIXES

PDF_MAGIC = b"%PDF-"
PDF_HEADER_WINDOW = 1024
MAX_NAME_CHARS = 200
_CONTENT_TYPES = "[Content_Types].xml"
_MAX_CONTENT_TYPES_BYTES = 1_000_000
_MAIN_PART = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
_TEXT_SUFFIXES = {".md", ".markdown", ".txt"}


def upload_problem(name: str, data: bytes, max_bytes: int) -> str | None:
    """Why this upload must not be stored, or None when it may be."""
    problem = name_problem(name)
    if problem:
        return problem
    if len(data) > max_bytes:
        return (
            f"{len(data) / 1e6:.3g} MB is over the upload limit of {max_bytes / 1e6:.3g} MB"
            " (setting upload_max_mb)"
        )
    return content_problem(Path(name).suffix.lower(), data)


def name_problem(name: str) -> str | None:
    """Why ``name`` is not a safe file name for the manuals folder, or None."""
    if not name or name in (".", "..") or name != Path(name).name or "\\" in name:
        return "the file name must not name a folder"
    if name.startswith(".") or len(name) > MAX_NAME_CHARS:
        return f"the file name must not start with '.' or be longer than {MAX_NAME_CHARS}"
    if any(unicodedata.category(c)[0] == "C" for c in name):
        return "the file name holds control or invisible characters"
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return f"{suffix or 'no suffix'} is not a supported kind of manual"
    return None


def content_problem(suffix: str, data: bytes) -> str | None:
    """Why ``data`` is not what ``suffix`` says, or None when it is."""
    if not data:
        return "the file is empty"
    if suffix == ".pdf":
        if PDF_MAGIC not in data[:PDF_HEADER_WINDOW]:
            return "the file is not a PDF (no %PDF- header)"
        return None
    if suffix in _MAIN_PART:
        return _office_problem(suffix, data)
    if suffix in _TEXT_SUFFIXES:
        return _text_problem(data)
    return f"{suffix} is not a supported kind of manual"


def _office_problem(suffix: str, data: bytes) -> str | None:
    kind = suffix.lstrip(".").upper()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            try:
                info = archive.getinfo(_CONTENT_TYPES)
            except KeyError:
                return f"the file is a zip but not a {kind} (no {_CONTENT_TYPES})"
            if info.file_size > _MAX_CONTENT_TYPES_BYTES:
                return f"the {kind}'s {_CONTENT_TYPES} is implausibly large"
            types = archive.read(info).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, ValueError):
        return f"the file is not a {kind} (not a readable zip container)"
    if _MAIN_PART[suffix] not in types:
        others = [s.lstrip(".").upper() for s, part in _MAIN_PART.items() if part in types]
        actual = f"a {others[0]}" if others else "another kind of document"
        return f"the file is {actual}, not a {kind}"
    return None


def _text_problem(data: bytes) -> str | None:
    if b"\x00" in data:
        return "the file is binary, not text (it holds NUL bytes)"
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return None
    return "the text is neither UTF-8 nor GB18030; save it as UTF-8"
