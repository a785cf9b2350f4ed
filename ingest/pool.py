"""Reading several files at once: a pool of :class:`~ingest.worker.ParseWorker` children.

Each of ``workers`` threads of the parent drives one ParseWorker (one child process, with its
time limit and crash handling); a thread only waits on its child's pipe, so the parent's own
thread stays free to write the documents already read. With a :class:`PrepareSpec` (set by
the ingestor when its embedder can be rebuilt in a child) the children also chunk and embed,
so the parent only writes. Results come back in
the order the files went in, and at most ``2 × workers`` documents are read ahead of the
writer, so memory is bounded by the pool, not by the length of the batch. The store and the
catalog are never touched here: writing stays in the caller's one thread, document by document.
"""

from __future__ import annotations

import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Generic, TypeVar

from ingest.limits import FileLimits
from ingest.model import ParsedDocument
from ingest.ocr import PageProgress
from ingest.prepare import PrepareSpec
from ingest.worker import ParseWorker
from pagewise.errors import DocumentError

T = TypeVar("T")


def _put(
    events: queue.SimpleQueue[tuple[Path, int, int]], path: Path, done: int, total: int
) -> None:
    events.put((path, done, total))


@dataclass
class Parsed(Generic[T]):
    """What a file gave: its document, or the error that says why not."""

    job: T
    document: ParsedDocument | None = None
    error: Exception | None = None


def default_workers() -> int:
    """One reader per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class ParsePool:
    def __init__(
        self,
        workers: int,
        limits: FileLimits,
        ocr: str = "auto",
        log_file: Path | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("a pool needs at least one worker")
        self.workers = workers
        self.limits = limits
        self.ocr = ocr
        self.log_file = log_file
        self.prepare: PrepareSpec | None = None  # what the children chunk and embed with
        self.threads: int | None = None  # CPU threads for each child's OCR
        self._idle: list[ParseWorker] = []
        self._reading: dict[Path, ParseWorker] = {}
        self._all: list[ParseWorker] = []
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._closed = False

    def read(self, path: Path, on_page: PageProgress | None = None) -> ParsedDocument:
        """One file, read by a child of the pool (the caller's thread waits for it);
        ``on_page`` hears of each page read by OCR, on the thread that reads."""
        worker = self._checkout()
        with self._lock:
            self._reading[path] = worker
        try:
            return worker.read(path, on_page, self.prepare, self.threads)
        finally:
            with self._lock:
                del self._reading[path]
            self._checkin(worker)

    def map(
        self,
        jobs: Iterable[tuple[T, Path | None]],
        on_page: Callable[[Path, int, int], None] | None = None,
    ) -> Iterator[Parsed[T]]:
        """Each ``(job, path)`` back as a :class:`Parsed`, in input order; a job without a
        path is passed through unread (a file already known to be unchanged or unreadable).
        ``on_page`` hears of OCR pages on the caller's thread, while it waits (a portal's
        progress bar can only be drawn from there)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="parse")
        events: queue.SimpleQueue[tuple[Path, int, int]] = queue.SimpleQueue()
        window = 2 * self.workers
        pending: deque[tuple[T, Future[ParsedDocument] | None]] = deque()
        reading = 0
        for job, path in jobs:
            future = None
            if path is not None:
                heard = None if on_page is None else partial(_put, events, path)
                future = self._executor.submit(self.read, path, heard)
            pending.append((job, future))
            reading += future is not None
            while pending and (reading >= window or pending[0][1] is None):
                item, reading = self._next(pending, reading, events, on_page)
                yield item
        while pending:
            item, reading = self._next(pending, reading, events, on_page)
            yield item

    def close(self) -> None:
        """Stop every child now (a Ctrl-C or an error in the writer): the threads waiting on
        them see them die, and no reader process outlives its batch."""
        with self._lock:
            self._closed = True  # no new child from here on
            workers = list(self._all)
        for worker in workers:
            worker.kill()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        for worker in workers:
            worker.close()
        with self._lock:
            self._all.clear()
            self._idle.clear()
            self._closed = False  # the pool may serve another batch

    def child_pids(self) -> list[int]:
        """The children running now."""
        with self._lock:
            return [pid for w in self._all if (pid := w.pid) is not None]

    def reading(self) -> dict[Path, int]:
        """The files being read now, and the process reading each (tests kill one)."""
        with self._lock:
            return {path: pid for path, w in self._reading.items() if (pid := w.pid) is not None}

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _next(
        pending: deque[tuple[T, Future[ParsedDocument] | None]],
        reading: int,
        events: queue.SimpleQueue[tuple[Path, int, int]],
        on_page: Callable[[Path, int, int], None] | None,
    ) -> tuple[Parsed[T], int]:
        job, future = pending.popleft()
        if future is None:
            return Parsed(job), reading
        while on_page is not None:
            wait([future], timeout=0.2)
            while not events.empty():
                on_page(*events.get())
            if future.done():
                break
        try:
            return Parsed(job, document=future.result()), reading - 1
        except DocumentError as exc:
            return Parsed(job, error=exc), reading - 1
        except Exception as exc:  # a reader bug on one file must not stop the batch
            return Parsed(job, error=exc), reading - 1

    def _checkout(self) -> ParseWorker:
        with self._lock:
            if self._closed:
                raise DocumentError("reading was stopped (the batch was interrupted)")
            if self._idle:
                return self._idle.pop()
            worker = ParseWorker(self.limits, self.ocr, self.log_file)
            self._all.append(worker)
            return worker

    def _checkin(self, worker: ParseWorker) -> None:
        with self._lock:
            if worker in self._all:
                self._idle.append(worker)
