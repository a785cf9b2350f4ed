"""Where the words of a scanned page lie: the boxes OCR read them in, kept per document.

A scanned page has no text layer, so the portal cannot search its picture for a cited passage
or a sensitive word; the boxes RapidOCR found at ingestion can. They are kept in one small
JSON file per document under ``data_dir/ocr-boxes``, written whole (a temporary file renamed
over the old one) while the document is being written, and removed with the document.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_DOC_ID = re.compile(r"[0-9a-f]{1,64}")  # what ingest.pipeline.document_id makes: a file name


@dataclass(frozen=True)
class TextBox:
    """One run of text OCR read on a page, and where: PDF points, origin at the bottom left
    of the page as it is shown (its rotation applied)."""

    page: int  # physical, 1-based
    text: str
    left: float
    bottom: float
    right: float
    top: float


class PageBoxes:
    """The OCR boxes of each document, one JSON file per document id."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def under(cls, data_dir: Path) -> PageBoxes:
        return cls(data_dir / "ocr-boxes")

    def _path(self, doc_id: str) -> Path:
        if not _DOC_ID.fullmatch(doc_id):  # never a path outside the folder
            raise ValueError(f"not a document id: {doc_id!r}")
        return self.folder / f"{doc_id}.json"

    def write(self, doc_id: str, boxes: list[TextBox]) -> None:
        """Replace the document's boxes; a document without any keeps no file."""
        path = self._path(doc_id)
        if not boxes:
            self.delete(doc_id)
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        data = json.dumps([asdict(box) for box in boxes], ensure_ascii=False)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{doc_id}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def read(self, doc_id: str, page: int) -> list[TextBox]:
        """The boxes of physical ``page``; none when the page was not read by OCR."""
        try:
            data = json.loads(self._path(doc_id).read_text(encoding="utf-8"))
            return [TextBox(**item) for item in data if item["page"] == page]
        except FileNotFoundError:
            return []
        except (ValueError, TypeError, KeyError, OSError) as exc:  # only the highlight is lost
            log.warning("OCR boxes of %s unreadable: %s", doc_id, exc)
            return []

    def delete(self, doc_id: str) -> None:
        self._path(doc_id).unlink(missing_ok=True)
