"""Search at scale: N chunks of real, varied text, searched the way the portal searches.

    .venv/bin/python bench/scale.py --chunks 100000 [--server] [--json]

The shared manuals are read once with the product's own readers, chunker and embedder (cached
under --seed-cache). Copies of each chunk get varied text (segments dropped, one borrowed from
another chunk) and a slightly perturbed vector, so neither index is degenerate; the keyword index
gets the copies' real text. Chunks are written through the product's Store and Catalog in
documents of 100 chunks, spread over collections: one holds 1 %, one 50 %, seven the rest;
three documents are left pending (their chunks stay in the vector store, as after a crash).
Measured: build time, disk, resident memory, and search p50/p95 through the product's query
path (vector: Store.query with the pending $nin; keyword: Catalog.keyword_search; hybrid:
Retriever.search) for a user who sees the 1 % or the 50 % collection. The question embeddings
are computed before timing (their cost is printed apart). --server runs `chroma run` on loopback.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.retrieval import Retriever  # noqa: E402
from pagewise.catalog import Catalog, DocumentRecord  # noqa: E402
from pagewise.embedder import make_embedder  # noqa: E402
from pagewise.settings import Settings  # noqa: E402
from pagewise.store import ChromaStore  # noqa: E402

DOC_CHUNKS = 100
PENDING_DOCS = 3
SEGMENT = re.compile(r"[^。！？；.!?;\n]+[。！？；.!?;\n]?")


def load_seed(docs: Path, cache: Path) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The shared manuals' chunks and vectors, read and embedded once by the product."""
    meta_file, vec_file = cache / "chunks.json", cache / "vectors.npy"
    if meta_file.exists() and vec_file.exists():
        return json.loads(meta_file.read_text()), np.load(vec_file)
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from ui.components import build

    data = cache / "index"  # kept: a failed extraction need not read the manuals again
    if not (data / "catalog.sqlite3").exists():
        with build(Settings(data_dir=data)) as components:
            components.ingestor().ingest([docs], "seed")
    same = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    client = chromadb.PersistentClient(path=str(data / "chroma"), settings=same)
    chunks: list[dict[str, Any]] = []
    vectors: list[Any] = []
    for collection in client.list_collections():
        got: Any = collection.get(include=["documents", "metadatas", "embeddings"])
        for text, meta, vec in zip(
            got["documents"], got["metadatas"], got["embeddings"], strict=True
        ):
            chunks.append({"text": text, **{k: meta[k] for k in ("title", "kind", "section")}})
            chunks[-1].update(page=meta["page"], path=Path(str(meta["path"])).name)
            vectors.append(vec)
    cache.mkdir(parents=True, exist_ok=True)
    meta_file.write_text(json.dumps(chunks, ensure_ascii=False))
    np.save(vec_file, np.asarray(vectors, dtype=np.float32))
    return chunks, np.asarray(vectors, dtype=np.float32)


def vary(text: str, other: str, rng: random.Random) -> str:
    segments = SEGMENT.findall(text) or [text]
    kept = [s for s in segments if rng.random() > 0.15] or segments[:1]
    borrowed = SEGMENT.findall(other) or [other]
    kept.insert(rng.randrange(len(kept) + 1), rng.choice(borrowed))
    return "".join(kept)


def collection_of(doc_no: int) -> str:
    slot = doc_no % 100
    return "small" if slot == 0 else "half" if slot <= 50 else f"other-{slot % 7}"


def build_index(
    store: ChromaStore | None,
    catalog: Catalog,
    seed: list[dict[str, Any]],
    vectors: np.ndarray,
    n: int,
) -> dict[str, float]:
    rng, nrng = random.Random(7), np.random.default_rng(7)
    sigma = 0.2 / np.sqrt(vectors.shape[1])  # copies stay at cosine ~0.98 to their original
    store_s = catalog_s = 0.0
    docs = (n + DOC_CHUNKS - 1) // DOC_CHUNKS
    batch_docs = 20
    for first in range(0, docs + PENDING_DOCS, batch_docs):
        ids: list[str] = []
        vecs: list[np.ndarray] = []
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        records: list[tuple[DocumentRecord, list[tuple[str, str]]]] = []
        for doc_no in range(first, min(first + batch_docs, docs + PENDING_DOCS)):
            pending = doc_no >= docs
            coll = ("small", "half", "half")[doc_no - docs] if pending else collection_of(doc_no)
            doc_id = f"{coll}-d{doc_no}"
            size = DOC_CHUNKS if pending else min(DOC_CHUNKS, n - doc_no * DOC_CHUNKS)
            terms: list[tuple[str, str]] = []
            for i in range(size):
                j = (doc_no * DOC_CHUNKS + i) % (len(seed) * 7919)
                s = seed[j % len(seed)]
                copy = doc_no * DOC_CHUNKS + i >= len(seed)
                text = vary(s["text"], rng.choice(seed)["text"], rng) if copy else s["text"]
                vec = vectors[j % len(seed)]
                if copy:
                    vec = vec + nrng.normal(0.0, sigma, vec.shape).astype(np.float32)
                ids.append(f"{doc_id}:{i}")
                vecs.append(vec / np.linalg.norm(vec))
                texts.append(text)
                metas.append(
                    {
                        "doc_id": doc_id,
                        "collection": coll,
                        "path": f"/bench/{coll}/{doc_no}-{s['path']}",
                        "title": s["title"],
                        "kind": s["kind"],
                        "page": int(s["page"]),
                        "page_end": int(s["page"]),
                        "section": s["section"],
                    }
                )
                terms.append((ids[-1], f"{s['section']}\n{text}"))
            record = DocumentRecord(
                doc_id, coll, f"/bench/{coll}/{doc_no}", "t", "pdf", "h", "s", 1, size,
                "pending", time.time(),
            )  # fmt: skip
            records.append((record, [] if pending else terms))
        started = time.perf_counter()
        for record, _ in records:
            catalog.begin(record)
        catalog_s += time.perf_counter() - started
        started = time.perf_counter()
        if store is not None:
            store.add(ids, [v.tolist() for v in vecs], texts, metas)
        store_s += time.perf_counter() - started
        started = time.perf_counter()
        for record, terms in records:
            if terms:
                catalog.complete(record.doc_id, 1, terms, record.collection)
        catalog_s += time.perf_counter() - started
    return {"store_s": store_s, "catalog_s": catalog_s}


class CachedEmbedder:
    """The product's embedder, with the benchmark's questions embedded before timing."""

    def __init__(self, inner: Any, questions: Sequence[str]) -> None:
        self.inner, self.name = inner, inner.name
        started = time.perf_counter()
        self.cache = dict(zip(questions, inner.embed(list(questions)), strict=True))
        self.ms_per_question = (time.perf_counter() - started) * 1000 / len(questions)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.cache.get(t) or self.inner.embed([t])[0] for t in texts]

    def count_tokens(self, text: str) -> int:
        return int(self.inner.count_tokens(text))


def timed(fn: Callable[[str], object], questions: Sequence[str], rounds: int) -> dict[str, float]:
    for q in questions:
        fn(q)  # one untimed pass: the index loaded and its pages cached, as in a running portal
    samples = []
    for _ in range(rounds):
        for q in questions:
            started = time.perf_counter()
            fn(q)
            samples.append((time.perf_counter() - started) * 1000)
    p50, p95 = np.percentile(samples, [50, 95])
    return {"p50": round(float(p50), 1), "p95": round(float(p95), 1)}


def measure(
    store: Any,
    catalog: Catalog,
    retriever: Retriever,
    qvec: dict[str, list[float]],
    colls: list[str],
    label: str,
    questions: Sequence[str],
    args: argparse.Namespace,
) -> dict[str, dict[str, float]]:
    def vector(q: str) -> object:
        return store.query(qvec[q], 20, colls, catalog.pending_ids())

    def keyword(q: str) -> object:
        return catalog.keyword_search(q, 20, colls)

    def hybrid(q: str) -> object:
        return retriever.search(q, 3, colls)

    methods = (("vector", vector), ("keyword", keyword), ("hybrid", hybrid))
    return {
        f"{name} {label}": timed(fn, questions, args.rounds)
        for name, fn in methods
        if name == "keyword" or not args.keyword_only
    }


def rss_mb(pid: int | str = "self") -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    found = dict(re.findall(r"(VmRSS|VmHWM):\s+(\d+) kB", status))
    return {k: round(int(v) / 1024) for k, v in found.items()}


def disk_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20)


def start_server(path: Path) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chroma = Path(sys.executable).parent / "chroma"
    log = open(path.parent / "chroma-server.log", "wb")  # noqa: SIM115
    cmd = [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(600):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the Chroma server did not start: see chroma-server.log")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, required=True)
    parser.add_argument("--server", action="store_true", help="through `chroma run` on loopback")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--docs", type=Path, default=REPO.parent / "shared" / "docs")
    parser.add_argument("--questions", type=Path, default=REPO / "tests/fixtures/devset")
    parser.add_argument("--seed-cache", type=Path, default=Path("/tmp/pagewise-scale-seed"))
    parser.add_argument(
        "--data-dir", type=Path, help="kept afterwards, and searched again if it holds an index"
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--keyword-only", action="store_true", help="only the keyword index (no vectors)"
    )
    args = parser.parse_args()

    seed, vectors = load_seed(args.docs, args.seed_cache)
    files = sorted(args.questions.glob("*.jsonl")) if args.questions.is_dir() else [args.questions]
    questions = [json.loads(line)["q"] for f in files for line in f.read_text().splitlines()]
    data = args.data_dir or Path(tempfile.mkdtemp(prefix="pagewise-scale-"))
    data.mkdir(parents=True, exist_ok=True)
    server: subprocess.Popen[bytes] | None = None
    settings = Settings(data_dir=data)
    if args.server:
        # The server serves the same folder the embedded store writes, so one build of a
        # million chunks (hours) is measured both ways.
        server, port = start_server(Settings(data_dir=data).chroma_path)
        settings = Settings(data_dir=data, chroma_host="127.0.0.1", chroma_port=port)
    try:
        embedder = CachedEmbedder(make_embedder(settings.embedder), questions)
        catalog = Catalog(settings.catalog_path)
        store = None if args.keyword_only else ChromaStore(settings, embedder.name)
        started = time.perf_counter()
        reuse = bool(args.data_dir) and bool(catalog.documents(status=None))  # built before
        split = {} if reuse else build_index(store, catalog, seed, vectors, args.chunks)
        build_s = time.perf_counter() - started
        retriever = Retriever(store, catalog, embedder)  # type: ignore[arg-type]
        qvec = embedder.cache
        results: dict[str, Any] = {
            "chunks": args.chunks,
            "seed_chunks": len(seed),
            "server": args.server,
            "questions": len(questions),
            "build_s": None if reuse else round(build_s, 1),
            **{k: round(v, 1) for k, v in split.items()},
            "embed_question_ms": round(embedder.ms_per_question, 1),
        }
        for label, colls in (("1%", ["small"]), ("50%", ["half"])):
            results.update(measure(store, catalog, retriever, qvec, colls, label, questions, args))
        results["disk_mb"] = disk_mb(data)
        results["rss_mb"] = rss_mb()
        if server:
            results["server_rss_mb"] = rss_mb(server.pid)
    finally:
        if server:
            server.terminate()
            server.wait(30)
        if not args.data_dir:
            shutil.rmtree(data, ignore_errors=True)
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
    else:
        for key, value in results.items():
            print(f"{key:>20}: {value}")
    kind = "keyword" if args.keyword_only else "hybrid"
    worst = max(results[f"{kind} 1%"]["p95"], results[f"{kind} 50%"]["p95"])
    print(f"{kind} p95 ms at {args.chunks} chunks: {worst}")


if __name__ == "__main__":
    main()
