"""Data dirs with a document already ingested: ingested once per run, copied for each test."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from pagewise.embedder import Embedder
from pagewise.settings import Settings
from ui.components import build

# index_copy(document, collection, data_dir) -> data_dir
IndexCopy = Callable[[Path, str, Path], Path]


class IndexCopies:
    """Fills a test's data dir (not there yet) with an index of ``document`` in
    ``collection``, as ingesting it with the default settings would. Each document is ingested
    once (reader processes, OCR of any blank page, embedding: seconds) under a folder that
    ``new_folder`` gives, then copied for every test that asks (milliseconds): a test's writes
    never reach another test's copy."""

    def __init__(self, new_folder: Callable[[], Path], embedder: Embedder) -> None:
        self._new_folder = new_folder
        self._embedder = embedder
        self._ingested: dict[tuple[Path, str], Path] = {}

    def __call__(self, document: Path, collection: str, data_dir: Path) -> Path:
        key = (document, collection)
        if key not in self._ingested:
            data = self._new_folder() / "data"
            with build(Settings(data_dir=data), embedder=self._embedder) as components:
                summary = components.ingestor().ingest([document], collection)
            assert not summary.failed, summary.as_dict()
            self._ingested[key] = data
        shutil.copytree(self._ingested[key], data_dir)
        return data_dir
