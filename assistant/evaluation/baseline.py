"""A plain llama-index pipeline, for `pagewise eval --baseline` to measure our design against.

Everything is llama-index's default except the two seams that must be equal for the comparison
to mean anything: the embedding model and the LLM are ours. So the differences measured are
the ones we designed (reading, chunking, hybrid search, prompt, citation check, threshold).

Offline: llama-index-core 0.14 bundles both the NLTK data its sentence splitter needs
(``llama_index/core/_static/nltk_cache``) and tiktoken's cl100k_base file
(``_static/tiktoken_cache``), and points NLTK and tiktoken at them, so its default tokenizer
is kept: the baseline gets the chunk sizes people actually get. It would download only where
NLTK_DATA or TIKTOKEN_CACHE_DIR is set to a folder lacking those files.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.prompts.default_prompts import DEFAULT_TEXT_QA_PROMPT_TMPL
from llama_index.core.schema import Document, MetadataMode, NodeWithScore
from pydantic import PrivateAttr

from assistant.answer import Answer
from assistant.citations import is_refusal, make_citation
from assistant.llm import LLM, Message
from assistant.retrieval import Passage
from pagewise.embedder import Embedder
from pagewise.policies import BUNDLED_DIR, Policies, load_policies

COLLECTION = "baseline"


class PagewiseEmbedding(BaseEmbedding):
    """Our embedder behind llama-index's embedding interface."""

    _embedder: Embedder = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        # Batch size changes only speed, not vectors; the numpy model is much faster on
        # larger batches than llama-index's default of 10.
        kwargs.setdefault("embed_batch_size", 64)
        super().__init__(model_name=embedder.name, **kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "PagewiseEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.embed([query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.embed([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed(texts)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)


class BaselinePipeline:
    def __init__(
        self,
        files: Sequence[Path],
        embedder: Embedder,
        llm: LLM,
        max_tokens: int = 512,
        top_k: int = 3,
        policies: Policies | None = None,
    ) -> None:
        self.llm = llm
        self.max_tokens = max_tokens
        # A reply that is any language's configured refusal is a refusal, as for the assistant.
        self.policies = policies or load_policies(BUNDLED_DIR)
        documents = SimpleDirectoryReader(input_files=[str(f) for f in files]).load_data()
        self._pages = _physical_pages(documents)
        index = VectorStoreIndex.from_documents(
            documents,
            embed_model=PagewiseEmbedding(embedder),
            transformations=[SentenceSplitter()],
        )
        self._retriever = index.as_retriever(similarity_top_k=top_k)

    def retrieve(self, question: str) -> list[Passage]:
        return [self._passage(found) for found in self._retriever.retrieve(question)]

    def ask(self, question: str) -> Answer:
        started = time.perf_counter()
        nodes = self._retriever.retrieve(question)
        passages = [self._passage(found) for found in nodes]
        # As llama-index's default response synthesizer builds the context: the node texts with
        # their LLM-visible metadata (page_label, file_path), blank-line separated.
        context = "\n\n".join(
            found.node.get_content(metadata_mode=MetadataMode.LLM) for found in nodes
        )
        prompt = DEFAULT_TEXT_QA_PROMPT_TMPL.format(context_str=context, query_str=question)
        text = "".join(
            self.llm.stream([Message("user", prompt)], max_tokens=self.max_tokens, temperature=0.0)
        )
        return Answer(
            question=question,
            answer=text,
            refused=is_refusal(text, *self.policies.all_refusals()),
            citations=[make_citation(n, p) for n, p in enumerate(passages, start=1)],
            passages=passages,
            latency_ms=(time.perf_counter() - started) * 1000,
            model=self.llm.name,
        )

    def _passage(self, found: NodeWithScore) -> Passage:
        node = found.node
        meta = node.metadata
        name = str(meta.get("file_name", ""))
        path = str(meta.get("file_path", name))
        page = self._pages.get(node.ref_doc_id or "", 1)
        return Passage(
            chunk_id=node.node_id,
            doc=name,
            doc_id=path,
            title=name,
            page=page,
            page_end=page,
            page_label=str(meta.get("page_label", page)),
            section="",
            score=float(found.score or 0.0),
            text=node.get_content(metadata_mode=MetadataMode.NONE),
            path=path,
            collection=COLLECTION,
        )


def _physical_pages(documents: Sequence[Document]) -> dict[str, int]:
    """Document id -> 1-based physical page.

    llama-index's PDF reader makes one Document per page, in page order, with no gaps, and
    records only ``page_label``: the printed label where the PDF has /PageLabels (ours start
    at i, ii, ... or 1 after the front matter), so the label cannot be the page. The position
    of the Document among its file's Documents is. Other readers (Markdown makes one Document
    per heading) have no pages: page 1.
    """
    pages: dict[str, int] = {}
    seen: dict[str, int] = {}
    for document in documents:
        path = str(document.metadata.get("file_path", ""))
        if path.lower().endswith(".pdf"):
            seen[path] = seen.get(path, 0) + 1
            pages[document.doc_id] = seen[path]
        else:
            pages[document.doc_id] = 1
    return pages
