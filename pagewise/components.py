"""The one place where the default implementations of the seams are chosen."""

from __future__ import annotations

import logging
import logging.handlers
from dataclasses import dataclass

from assistant.retrieval import Retriever
from ingest.pipeline import Ingestor
from pagewise.catalog import Catalog
from pagewise.embedder import Embedder, make_embedder
from pagewise.settings import Settings
from pagewise.store import ChromaStore, Store


@dataclass
class Components:
    settings: Settings
    catalog: Catalog
    store: Store
    embedder: Embedder

    def ingestor(self) -> Ingestor:
        return Ingestor(
            self.catalog,
            self.store,
            self.embedder,
            chunk_tokens=self.settings.chunk_tokens,
            chunk_overlap=self.settings.chunk_overlap,
            batch_size=self.settings.embed_batch_size,
        )

    def retriever(self) -> Retriever:
        return Retriever(self.store, self.catalog, self.embedder)

    def close(self) -> None:
        self.catalog.close()


def build(
    settings: Settings, embedder: Embedder | None = None, store: Store | None = None
) -> Components:
    """Open the index under ``settings.data_dir``; tests pass their own embedder or store."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    embedder = embedder or make_embedder(settings.embedder)
    return Components(
        settings=settings,
        catalog=Catalog(settings.catalog_path),
        store=store or ChromaStore(settings, embedder.name),
        embedder=embedder,
    )


def configure_logging(settings: Settings) -> None:
    """Everything goes to a rotating log file under the data dir; the terminal stays clean."""
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        settings.log_dir / "pagewise.log", maxBytes=10_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    # pypdf reports every quirk of a damaged file as a warning; keep them in the log only.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
