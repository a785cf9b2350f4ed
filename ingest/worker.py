"""Reading files in a child process with a time limit: a hostile file can hang or crash its
parser, never the batch.

:class:`ParseWorker` keeps one child (``python -m ingest.worker``) for a batch and sends it one
file at a time over a pipe (JSON lines). A file that takes longer than ``parse_timeout`` gets
its child killed (with anything it started) and is reported; a child that dies (a crash in a
C library, the kernel's OOM killer) is reported the same way; the next file gets a new child.
The child prints nothing to the pipe but its replies: a library's own output goes to its
stderr, which is the worker log. A pool of such children reads several files at once
(:mod:`ingest.pool`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

import ingest
from ingest.limits import FileLimits, check_file, check_pages
from ingest.model import Block, BlockKind, ParsedDocument
from ingest.ocr import PageProgress, use_threads
from ingest.prepare import EMBED_SECONDS_PER_CHUNK, Prepared, Preparer, PrepareSpec
from pagewise.errors import DocumentError, PagewiseError
from pagewise.pageboxes import TextBox

log = logging.getLogger(__name__)

# Lines a child sends before its reply: an OCR page read, the file read, its chunks counted, a
# batch of its chunks with their vectors.
_BATCH = b'{"batch"'
_PROGRESS = (b'{"page"', b'{"read"', b'{"chunked"', _BATCH)
_ROOT = str(Path(ingest.__file__).resolve().parent.parent)  # the child runs this same code


class ParseWorker:
    def __init__(self, limits: FileLimits, ocr: str = "auto", log_file: Path | None = None) -> None:
        self.limits = limits
        self.ocr = ocr
        self.log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._buffer = b""
        self._spawning = threading.Lock()
        self._killed = False

    def read(
        self,
        path: Path,
        on_page: PageProgress | None = None,
        prepare: PrepareSpec | None = None,
        threads: int | None = None,
    ) -> ParsedDocument:
        """The parsed document, or DocumentError saying which limit it passed or why not;
        ``on_page`` hears of each page the child reads by OCR (a progress line on the pipe).
        With ``prepare``, the child also chunks and embeds it (:mod:`ingest.prepare`): the
        document then comes back with its ``prepared`` chunks and vectors, without blocks; they
        come in batches, kept in a temporary file until the document is complete.
        ``threads``: the CPU threads its OCR may use (unset: onnxruntime's default)."""
        check_file(path, self.limits)
        process = self._started()
        request = {
            "path": str(path.resolve()),
            "ocr": self.ocr,
            "max_pages": self.limits.max_pages,
            "prepare": None if prepare is None else asdict(prepare),
            "threads": threads,
        }
        assert process.stdin is not None
        try:
            process.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
            process.stdin.flush()
        except BrokenPipeError:
            raise self._died() from None
        spool = None if prepare is None else _spool()  # closed on failure, else with the document
        try:
            return self._answer(on_page, spool)
        except BaseException:
            if spool is not None:
                spool.close()
            raise

    def _answer(self, on_page: PageProgress | None, spool: IO[bytes] | None) -> ParsedDocument:
        deadline = time.monotonic() + self.limits.parse_timeout
        embedding = False
        while (line := self._reply(deadline)) and line.startswith(_PROGRESS):
            if line.startswith(_BATCH) and spool is not None:
                spool.write(line + b"\n")
                continue
            message = json.loads(line)
            if "page" in message:
                if on_page is not None:
                    on_page(*message["page"])
                continue
            # Read: chunking, then embedding, have limits of their own (the file is parsed;
            # the time they take follows from its length, not from what a hostile file does).
            embedding = True
            deadline = time.monotonic() + self.limits.parse_timeout
            deadline += message.get("chunked", 0) * EMBED_SECONDS_PER_CHUNK
        if line is None:
            self._stop()
            if embedding:
                raise DocumentError(
                    "chunking or embedding it took longer than its time limit"
                    f" ({self.limits.parse_timeout:g} s, parse_timeout, plus"
                    f" {EMBED_SECONDS_PER_CHUNK:g} s a chunk): stopped"
                )
            raise DocumentError(
                f"reading it took longer than {self.limits.parse_timeout:g} s (parse_timeout):"
                " stopped. A hostile or damaged file, or one too large to read in that time"
            )
        if not line:
            raise self._died()
        reply = json.loads(line)
        if "error" in reply:
            raise DocumentError(reply["error"])
        document = _document(reply["document"])
        if "prepared" in reply and spool is not None:
            document.prepared = Prepared(spool, reply["prepared"]["chunks"])
        return document

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def kill(self) -> None:
        """Kill the child (and what it started) from another thread: a read waiting on it
        then ends as a crash, and :meth:`close` reaps it."""
        with self._spawning:  # a child being started now is killed too, and no new one starts
            self._killed = True
            process = self._process
            if process is not None and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)

    def close(self) -> None:
        if self._process is not None:
            self._stop()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> ParseWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _started(self) -> subprocess.Popen[bytes]:
        with self._spawning:
            if self._killed:
                raise DocumentError("reading was stopped (the batch was interrupted)")
            return self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        if self._stderr is None and self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            self._stderr = self.log_file.open("ab")
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")])),
        }
        self._buffer = b""
        self._process = subprocess.Popen(
            [sys.executable, "-m", "ingest.worker", str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr or subprocess.DEVNULL,
            env=env,
            # Its own process group: a timeout kills whatever it started too, and Ctrl-C in
            # the terminal reaches only the parent, which stops it in order.
            start_new_session=True,
        )
        return self._process

    def _reply(self, deadline: float) -> bytes | None:
        """The next line from the child; b"" if it died, None at the deadline."""
        assert self._process is not None and self._process.stdout is not None
        fd = self._process.stdout.fileno()
        chunks = [self._buffer]
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in chunks[-1]:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    return None
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    return b""
                chunks.append(chunk)
        line, _, self._buffer = b"".join(chunks).partition(b"\n")
        return line

    def _died(self) -> DocumentError:
        assert self._process is not None
        code = self._process.wait()
        self._stop()
        how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
        return DocumentError(f"the reader crashed on it ({how}); the file is damaged or hostile")

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()


def _spool() -> IO[bytes]:
    """Where a document's batches wait until it is complete: a temporary file, anonymous
    (unlinked at once), so it goes when its document does, whatever happens."""
    return tempfile.TemporaryFile(prefix="pagewise-chunks-")


def _document(data: dict[str, Any]) -> ParsedDocument:
    blocks = [Block(**{**b, "kind": BlockKind(b["kind"])}) for b in data.pop("blocks")]
    boxes = [TextBox(**box) for box in data.pop("boxes", [])]  # OCR boxes of scanned pages
    data.pop("prepared", None)
    return ParsedDocument(**data, blocks=blocks, boxes=boxes)


def _serve(parent: int) -> None:
    """The child: read one request a line from stdin, answer one JSON line on the pipe."""
    die_with_parent(parent)
    from ingest.readers import read_document

    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # prints from libraries go to the log
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s worker %(name)s: %(message)s",
    )
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    preparer = Preparer()
    for line in sys.stdin.buffer:
        request = json.loads(line)
        path = Path(request["path"])
        limits = FileLimits(max_pages=request["max_pages"])
        reply: dict[str, Any]

        def tell(message: dict[str, Any]) -> None:
            replies.write(json.dumps(message).encode("ascii") + b"\n")
            replies.flush()

        threads = request.get("threads") or 1
        use_threads(threads)
        try:
            parsed = read_document(
                path,
                request["ocr"],
                limits.max_pages,
                lambda d, t: tell({"page": [d, t]}),
                threads,
            )
            check_pages(parsed.page_count, limits)
            if request.get("prepare") is None:
                reply = {"document": asdict(parsed)}
            else:
                spec = PrepareSpec(**request["prepare"])
                tell({"read": parsed.page_count})
                sent = 0
                # Each batch goes as soon as it is embedded: the pipe holds the reader back
                # while the parent is busy, and neither holds the whole document's vectors.
                for batch in preparer.prepare(spec, parsed, lambda n: tell({"chunked": n})):
                    tell({"batch": batch})
                    sent += len(batch["chunks"])
                reply = {"document": asdict(parsed), "prepared": {"chunks": sent}}
        except (DocumentError, PagewiseError) as exc:  # e.g. the embedder cannot load
            reply = {"error": str(exc)}
        except (SyntaxError, zlib.error, zipfile.BadZipFile, EOFError) as exc:
            # lxml's and ElementTree's errors are SyntaxErrors: a damaged XML part or stream.
            reply = {"error": f"the file is damaged (a part does not unpack or parse): {exc}"}
        except RecursionError:
            reply = {"error": "its structure nests too deeply or refers to itself (a loop)"}
        except MemoryError:
            reply = {"error": "reading it needs more memory than there is"}
        except Exception as exc:  # a reader bug on one file must not stop the batch
            logging.getLogger(__name__).exception("unexpected error reading %s", path)
            reply = {"error": f"could not be read: {exc}"}
        # ASCII escapes: a lone surrogate from a damaged text layer still travels.
        replies.write(json.dumps(reply).encode("ascii") + b"\n")
        replies.flush()


def die_with_parent(parent: int) -> None:
    """A reader whose parent is killed (SIGKILL, the OOM killer) stops at once instead of
    reading its file to the end for nobody. Linux only; elsewhere it ends at its next read of
    the closed pipe."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    # The parent may have died before the call (a loaded machine starts Python slowly): its
    # orphan then has another parent, init or a subreaper, not necessarily pid 1.
    if os.getppid() != parent:
        os._exit(1)


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid())
