"""The vector store seam, and its default: ChromaDB, embedded or a server."""

from __future__ import annotations

import logging
import re
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

    def get(
        self, ids: Sequence[str], query: Sequence[float] | None = None
    ) -> list[StoredChunk]: ...

    def count(self) -> int: ...


def _collection_name(embedder_name: str) -> str:
    # One Chroma collection per embedding model, so vectors of different models never mix.
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", embedder_name).strip("-_").lower()[:40]
    return f"pagewise-{slug or 'default'}"


class ChromaStore:
    """Chunks with their metadata in ChromaDB; cosine distance; telemetry off."""

    def __init__(self, settings: Settings, embedder_name: str) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if settings.chroma_host:
                client: Any = chromadb.HttpClient(
                    host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
                )
            else:
                settings.chroma_path.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(
                    path=str(settings.chroma_path), settings=chroma_settings
                )
            self._collection = client.get_or_create_collection(
                _collection_name(embedder_name),
                embedding_function=None,
                metadata={"hnsw:space": "cosine", "embedder": embedder_name},
            )
        except Exception as exc:
            where = (
                f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
                if settings.chroma_host
                else f"the index at {settings.chroma_path}"
            )
            raise StoreError(f"cannot open {where}: {exc}") from exc

    def add(
        self,
        ids: Sequence[str],
        embeddings: Sequence[Sequence[float]],
        texts: Sequence[str],
        metadatas: Sequence[Metadata],
    ) -> None:
        self._collection.upsert(
            ids=list(ids),
            embeddings=[list(e) for e in embeddings],
            documents=list(texts),
            metadatas=[dict(m) for m in metadatas],
        )

    def delete_document(self, doc_id: str) -> None:
        self._collection.delete(where={"doc_id": doc_id})

    def query(
        self,
        embedding: Sequence[float],
        k: int,
        collections: Sequence[str] | None = None,
        exclude_docs: Sequence[str] = (),
    ) -> list[StoredChunk]:
        if collections is not None and not collections:
            return []
        clauses: list[dict[str, Any]] = []
        if collections is not None:
            clauses.append({"collection": {"$in": list(collections)}})
        if exclude_docs:
            clauses.append({"doc_id": {"$nin": list(exclude_docs)}})
        where: dict[str, Any] | None = (
            None if not clauses else clauses[0] if len(clauses) == 1 else {"$and": clauses}
        )
        result = self._collection.query(
            query_embeddings=[list(embedding)],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        return [
            StoredChunk(chunk_id, text or "", dict(meta or {}), 1.0 - float(distance))
            for chunk_id, text, meta, distance in zip(
                result["ids"][0],
                result["documents"][0],
                result["metadatas"][0],
                result["distances"][0],
                strict=True,
            )
        ]

    def get(self, ids: Sequence[str], query: Sequence[float] | None = None) -> list[StoredChunk]:
        if not ids:
            return []
        include = ["documents", "metadatas"] + (["embeddings"] if query is not None else [])
        result = self._collection.get(ids=list(ids), include=include)
        embeddings = result.get("embeddings")
        found: list[StoredChunk] = []
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
        return int(self._collection.count())


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    import numpy as np

    va, vb = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    denom = float(np.linalg.norm(va) * np.linalg.norm(vb)) or 1.0
    return float(va @ vb) / denom
