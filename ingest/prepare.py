"""Chunking and embedding a document where it was read: in the reader child of the pool.

The parent then only writes. A reader gets a :class:`PrepareSpec` with each file when the
ingestor's embedder can be rebuilt from its settings name (:func:`pagewise.embedder.recipe`);
it loads that embedder once, on its first file, with ``threads`` CPU threads (the machine's
cores shared among the pool's readers), chunks the document as the parent would, embeds the
chunks ``batch_size`` at a time (the batches the parent would have embedded) and sends back the
chunks with their vectors as float32 bytes: the same numbers the embedder returns (both built-in
embedders compute in float32), a fifth of their size as JSON numbers. The blocks stay in the
child: the parent needs only the chunks.

A long document's chunks travel in batches of about :data:`STREAM_CHUNKS`, each sent as soon as
it is embedded, so neither side holds all its vectors, nor the whole reply, at once: the parent
keeps the batches in a temporary file (:class:`Prepared`) until the document is read to its end
and writes it from there, batch by batch. A reader that fails or dies half-way has written
nothing: the document is still written whole or not at all.
"""

from __future__ import annotations

import base64
import json
from array import array
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import IO, Any

from ingest.chunking import chunk_blocks
from ingest.model import Chunk, ParsedDocument
from pagewise.embedder import Embedder, make_embedder
from pagewise.errors import DocumentError

# The time a reader may take to embed, past its reading time limit: generous (a chunk takes
# ~0.1 s on one loaded core), as the embedder cannot be made to hang by a file; it only stops
# a reader that went astray.
EMBED_SECONDS_PER_CHUNK = 2.0
# Chunks a reader sends at a time (a whole number of embedding batches): a few hundred KB of
# text and vectors, whatever the length of the document.
STREAM_CHUNKS = 256


@dataclass(frozen=True)
class PrepareSpec:
    """What a reader needs to chunk and embed as the ingestor would."""

    embedder: str  # the settings name make_embedder rebuilds it from
    threads: int
    chunk_tokens: int
    chunk_overlap: int
    batch_size: int
    stream_chunks: int = STREAM_CHUNKS  # chunks sent at a time


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
    ) -> Iterator[dict[str, Any]]:
        """The chunks and vectors of ``document`` as they travel on the pipe, a batch at a
        time; ``on_chunked`` hears how many chunks there are before they are embedded. The
        document's blocks are let go once it is chunked."""
        embedder = self._embedder(spec)
        chunks = chunk_blocks(
            document.blocks, embedder.count_tokens, spec.chunk_tokens, spec.chunk_overlap
        )
        document.blocks = []  # the parent needs only the chunks
        if not chunks:
            raise DocumentError("no text to index")
        on_chunked(len(chunks))
        # Embedded in the batches the parent would embed: from the first chunk, batch_size each.
        step = spec.batch_size * max(1, spec.stream_chunks // spec.batch_size)
        for first in range(0, len(chunks), step):
            part = chunks[first : first + step]
            vectors = array("f")
            for start in range(0, len(part), spec.batch_size):
                batch = part[start : start + spec.batch_size]
                for row in embedder.embed([embedding_text(c) for c in batch]):
                    vectors.extend(row)
            yield {
                "chunks": [asdict(c) for c in part],
                "dim": len(vectors) // len(part),
                "vectors": base64.b64encode(vectors.tobytes()).decode("ascii"),
            }

    def _embedder(self, spec: PrepareSpec) -> Embedder:
        key = (spec.embedder, spec.threads)
        if key not in self._embedders:
            self._embedders[key] = make_embedder(spec.embedder, spec.threads)
        return self._embedders[key]


@dataclass
class Prepared:
    """The parent's side: a document's chunks and vectors as its reader sent them, in a
    temporary file (a batch a line, as it came on the pipe) until they are written."""

    spool: IO[bytes]
    count: int  # chunks in all

    def batches(self) -> Iterator[tuple[list[Chunk], list[list[float]]]]:
        """Each batch's chunks and their vectors, in order, decoded only as they are written."""
        self.spool.seek(0)
        for line in self.spool:
            data = json.loads(line)["batch"]
            values = array("f")
            values.frombytes(base64.b64decode(data["vectors"]))
            flat, dim = values.tolist(), data["dim"]
            vectors = [flat[i : i + dim] for i in range(0, len(flat), dim)]
            yield [Chunk(**c) for c in data["chunks"]], vectors

    def each_chunk(self) -> Iterator[Chunk]:
        """The chunks one at a time, without decoding their vectors."""
        self.spool.seek(0)
        for line in self.spool:
            yield from (Chunk(**c) for c in json.loads(line)["batch"]["chunks"])

    @property
    def chunks(self) -> list[Chunk]:
        """All the chunks at once (a test, a short document)."""
        return [c for chunks, _ in self.batches() for c in chunks]

    @property
    def vectors(self) -> list[list[float]]:
        """All the vectors at once (a test, a short document)."""
        return [v for _, vectors in self.batches() for v in vectors]
