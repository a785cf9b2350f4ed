"""The vector store seam, and its default: ChromaDB, embedded or a server."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pagewise.errors import StoreError
from pagewise.settings import Settings

log = logging.getLogger(__name__)

Metadata = Mapping[str, str | int | float | bool]


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    text: str
    metadata: dict[str, Any]
    similarity: float | None = None  # cosine similarity to the query, when there was one


class Store(Protocol):
    def add(
        self,
        ids: Sequence[str],
        embeddings: Sequence[Sequence[float]],
        texts: Sequence[str],
        metadatas: Sequence[Metadata],
    ) -> None: ...

    def delete_document(self, doc_id: str) -> None: ...

    def query(
        self,
        embedding: Sequence[float],
        k: int,
        collections: Sequence[str] | None = None,
        exclude_docs: Sequence[str] = (),
    ) -> list[StoredChunk]: ...

    def nearest(
        self,
        embedding: Sequence[float],
        k: int,
        collections: Sequence[str] | None = None,
        exclude_docs: Sequence[str] = (),
    ) -> list[tuple[str, float]]:
        """``query``'s ranking, as (chunk id, similarity), without reading text or metadata."""
        ...

    def get(
        self,
        ids: Sequence[str],
        query: Sequence[float] | None = None,
        collections: Sequence[str] | None = None,
    ) -> list[StoredChunk]: ...

    def count(self) -> int: ...


def _collection_name(embedder_name: str) -> str:
    # Chroma collections are per embedding model, so vectors of different models never mix.
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", embedder_name).strip("-_").lower()[:40]
    return f"pagewise-{slug or 'default'}"


# Chroma filters before its HNSW search by scanning metadata: with a collection filter a query
# at a million chunks took 2 s instead of 3 ms (issue 15). So each access collection has its own
# Chroma collection, every query runs unfiltered in the collections the user may see, and the
# results are merged by distance; a chunk of any other collection is never read.
# Documents being written (pending) are dropped after the query: over-fetching this many more
# keeps k results unless a pending document fills the top, and then the query is repeated with
# Chroma's filter.
PENDING_MARGIN = 20
_MIGRATE_BATCH = 2000


class ChromaStore:
    """Chunks with their metadata in ChromaDB, one Chroma collection per access collection;
    cosine distance; telemetry off."""

    def __init__(self, settings: Settings, embedder_name: str) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self._embedder = embedder_name
        self._base = _collection_name(embedder_name)
        self._handles: dict[str, Any] = {}
        self._lock = threading.Lock()
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if settings.chroma_host:
                self._client: Any = chromadb.HttpClient(
                    host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
                )
            else:
                settings.chroma_path.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(
                    path=str(settings.chroma_path), settings=chroma_settings
                )
            self._client.heartbeat()
            self._move_single_collection()
        except Exception as exc:
            where = (
                f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
                if settings.chroma_host
                else f"the index at {settings.chroma_path}"
            )
            raise StoreError(f"cannot open {where}: {exc}") from exc

    def _chroma_name(self, collection: str) -> str:
        # Access collection names may hold any letter; Chroma's allow only ASCII (3-63 chars).
        return f"{self._base}-{hashlib.sha256(collection.encode()).hexdigest()[:12]}"

    def _open(self, collection: str, create: bool = False) -> Any | None:
        with self._lock:
            handle = self._handles.get(collection)
        if handle is not None:
            return handle
        from chromadb.errors import NotFoundError

        name = self._chroma_name(collection)
        if create:
            handle = self._client.get_or_create_collection(
                name,
                embedding_function=None,
                metadata={
                    "hnsw:space": "cosine",
                    "embedder": self._embedder,
                    "pagewise_collection": collection,
                },
            )
        else:
            try:
                handle = self._client.get_collection(name, embedding_function=None)
            except (NotFoundError, ValueError):
                return None  # nothing was ever stored in that collection
        with self._lock:
            self._handles[collection] = handle
        return handle

    def _collections(self) -> list[str]:
        """Every access collection with chunks of this embedder (asked each time: another
        process may have added one)."""
        names = []
        for listed in self._client.list_collections():
            meta = listed.metadata or {}
            if meta.get("embedder") == self._embedder and "pagewise_collection" in meta:
                names.append(str(meta["pagewise_collection"]))
        return sorted(names)

    def _handles_for(self, collections: Sequence[str] | None) -> list[Any]:
        names = self._collections() if collections is None else dict.fromkeys(collections)
        return [h for h in (self._open(c) for c in names) if h is not None]

    def _move_single_collection(self) -> None:
        """Data dirs written before the per-collection layout kept every chunk in one Chroma
        collection: move its chunks (vectors included, nothing is re-read) once, then drop it."""
        from chromadb.errors import NotFoundError

        try:
            old = self._client.get_collection(self._base, embedding_function=None)
        except (NotFoundError, ValueError):
            return
        total = int(old.count())
        log.warning(
            "moving %d chunks into one Chroma collection per access collection (once; nothing"
            " is re-read or re-embedded)",
            total,
        )
        for offset in range(0, total, _MIGRATE_BATCH):
            got = old.get(
                limit=_MIGRATE_BATCH,
                offset=offset,
                include=["embeddings", "documents", "metadatas"],
            )
            self.add(got["ids"], got["embeddings"], got["documents"], got["metadatas"])
        self._client.delete_collection(self._base)
        log.warning("moved %d chunks; the single collection %s is gone", total, self._base)

    def add(
        self,
        ids: Sequence[str],
        embeddings: Sequence[Sequence[float]],
        texts: Sequence[str],
        metadatas: Sequence[Metadata],
    ) -> None:
        groups: dict[str, list[int]] = {}
        for i, meta in enumerate(metadatas):
            if "collection" not in meta:
                raise StoreError(f"chunk {ids[i]} has no collection: it could not be protected")
            groups.setdefault(str(meta["collection"]), []).append(i)
        for collection, rows in groups.items():
            self._open(collection, create=True).upsert(  # type: ignore[union-attr]
                ids=[ids[i] for i in rows],
                embeddings=[list(embeddings[i]) for i in rows],
                documents=[texts[i] for i in rows],
                metadatas=[dict(metadatas[i]) for i in rows],
            )

    def delete_document(self, doc_id: str) -> None:
        for handle in self._handles_for(None):
            handle.delete(where={"doc_id": doc_id})

    def query(
        self,
        embedding: Sequence[float],
        k: int,
        collections: Sequence[str] | None = None,
        exclude_docs: Sequence[str] = (),
    ) -> list[StoredChunk]:
        return self._ranked(embedding, k, collections, set(exclude_docs), _WITH_TEXT)

    def nearest(
        self,
        embedding: Sequence[float],
        k: int,
        collections: Sequence[str] | None = None,
        exclude_docs: Sequence[str] = (),
    ) -> list[tuple[str, float]]:
        # Reading the hits' text and metadata was most of a query (100 k chunks, 40 hits: 4 of
        # 5 ms CPU; the HNSW search 1.3); the retriever reads them only for the passages it
        # shows. A pending document is only known by its chunks' metadata, so with one pending
        # the metadata is read (without the text).
        excluded = set(exclude_docs)
        include = ["metadatas", "distances"] if excluded else ["distances"]
        hits = self._ranked(embedding, k, collections, excluded, include)
        return [(c.chunk_id, c.similarity or 0.0) for c in hits]

    def _ranked(
        self,
        embedding: Sequence[float],
        k: int,
        collections: Sequence[str] | None,
        excluded: set[str],
        include: list[str],
    ) -> list[StoredChunk]:
        fetch = k + PENDING_MARGIN if excluded else k
        found: list[StoredChunk] = []
        for handle in self._handles_for(collections):
            hits = _query(handle, embedding, fetch, None, include)
            kept = [c for c in hits if c.metadata.get("doc_id") not in excluded]
            if len(kept) < k and len(hits) == fetch:  # pending chunks filled the top
                where = {"doc_id": {"$nin": sorted(excluded)}}
                kept = _query(handle, embedding, k, where, include)
            found.extend(kept)
        found.sort(key=lambda c: c.similarity or 0.0, reverse=True)
        return found[:k]

    def get(
        self,
        ids: Sequence[str],
        query: Sequence[float] | None = None,
        collections: Sequence[str] | None = None,
    ) -> list[StoredChunk]:
        """The chunks ``ids`` that are in ``collections`` (None: any); others are not read."""
        if not ids:
            return []
        include = ["documents", "metadatas"] + (["embeddings"] if query is not None else [])
        found: list[StoredChunk] = []
        for handle in self._handles_for(collections):
            result = handle.get(ids=list(ids), include=include)
            embeddings = result.get("embeddings")
            for i, chunk_id in enumerate(result["ids"]):
                similarity = None
                if query is not None and embeddings is not None:
                    similarity = _cosine(query, embeddings[i])
                found.append(
                    StoredChunk(
                        chunk_id,
                        result["documents"][i] or "",
                        dict(result["metadatas"][i] or {}),
                        similarity,
                    )
                )
        order = {chunk_id: i for i, chunk_id in enumerate(ids)}
        return sorted(found, key=lambda c: order[c.chunk_id])

    def count(self) -> int:
        return sum(int(h.count()) for h in self._handles_for(None))


_WITH_TEXT = ["documents", "metadatas", "distances"]


def _query(
    handle: Any,
    embedding: Sequence[float],
    k: int,
    where: dict[str, Any] | None,
    include: list[str],
) -> list[StoredChunk]:
    result = handle.query(
        query_embeddings=[list(embedding)], n_results=k, where=where, include=include
    )
    ids = result["ids"][0]
    texts = (result.get("documents") or [None])[0] or [""] * len(ids)
    metas = (result.get("metadatas") or [None])[0] or [{}] * len(ids)
    return [
        StoredChunk(chunk_id, text or "", dict(meta or {}), 1.0 - float(distance))
        for chunk_id, text, meta, distance in zip(
            ids, texts, metas, result["distances"][0], strict=True
        )
    ]


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    import numpy as np

    va, vb = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    denom = float(np.linalg.norm(va) * np.linalg.norm(vb)) or 1.0
    return float(va @ vb) / denom
