"""Chunking and embedding a document where it was read: in the reader child of the pool.

The parent then only writes. A reader gets a :class:`PrepareSpec` with each file when the
ingestor's embedder can be rebuilt from its settings name (:func:`pagewise.embedder.recipe`);
it loads that embedder once, on its first file, with ``threads`` CPU threads (the machine's
cores shared among the pool's readers), chunks the document as the parent would, embeds the
chunks ``batch_size`` at a time (the batches the parent would have embedded) and sends back the
chunks with their vectors as float32 bytes: the same numbers the embedder returns (both built-in
embedders compute in float32), a fifth of their size as JSON numbers. The blocks stay in the
child: the parent needs only the chunks.
"""

from __future__ import annotations

import base64
from array import array
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ingest.chunking import chunk_blocks
from ingest.model import Chunk, ParsedDocument, Prepared
from pagewise.embedder import Embedder, make_embedder
from pagewise.errors import DocumentError

# The time a reader may take to embed, past its reading time limit: generous (a chunk takes
# ~0.1 s on one loaded core), as the embedder cannot be made to hang by a file; it only stops
# a reader that went astray.
EMBED_SECONDS_PER_CHUNK = 2.0


@dataclass(frozen=True)
class PrepareSpec:
    """What a reader needs to chunk and embed as the ingestor would."""

    embedder: str  # the settings name make_embedder rebuilds it from
    threads: int
    chunk_tokens: int
    chunk_overlap: int
    batch_size: int


def embedding_text(chunk: Chunk) -> str:
    # Embedded and keyword-indexed under its heading path ("管理服务 > 管理系统服务"):
    # the context a question names, with the chapter a bare sub-heading leaves out.
    return f"{chunk.section_path}\n{chunk.text}" if chunk.section_path else chunk.text


class Preparer:
    """The reader child's side: one embedder per process, loaded on first use."""

    def __init__(self) -> None:
        self._embedders: dict[tuple[str, int], Embedder] = {}

    def prepare(
        self, spec: PrepareSpec, document: ParsedDocument, on_chunked: Callable[[int], None]
    ) -> dict[str, Any]:
        """The chunks and vectors of ``document`` as they travel on the pipe; ``on_chunked``
        hears how many chunks there are before they are embedded."""
        embedder = self._embedder(spec)
        chunks = chunk_blocks(
            document.blocks, embedder.count_tokens, spec.chunk_tokens, spec.chunk_overlap
        )
        if not chunks:
            raise DocumentError("no text to index")
        on_chunked(len(chunks))
        vectors = array("f")
        for start in range(0, len(chunks), spec.batch_size):
            batch = chunks[start : start + spec.batch_size]
            for row in embedder.embed([embedding_text(c) for c in batch]):
                vectors.extend(row)
        return {
            "chunks": [asdict(c) for c in chunks],
            "dim": len(vectors) // len(chunks),
            "vectors": base64.b64encode(vectors.tobytes()).decode("ascii"),
        }

    def _embedder(self, spec: PrepareSpec) -> Embedder:
        key = (spec.embedder, spec.threads)
        if key not in self._embedders:
            self._embedders[key] = make_embedder(spec.embedder, spec.threads)
        return self._embedders[key]


def prepared(data: dict[str, Any]) -> Prepared:
    """The parent's side: what :meth:`Preparer.prepare` sent."""
    return Prepared(
        chunks=[Chunk(**c) for c in data["chunks"]],
        vectors=base64.b64decode(data["vectors"]),
        dim=data["dim"],
    )
