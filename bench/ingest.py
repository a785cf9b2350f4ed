"""Ingestion speed: pages/s and chunks/s, peak memory, and the time of a no-op re-run.

    .venv/bin/python bench/ingest.py [--shared PATH] [--pages 500] [--per-format]
        [--workers 1 2] [--pin] [--scanned PATH --scanned-pages 20] [--big 200 2000]
        [--only NAME]

Scenarios, each in a fresh process and a fresh data dir:
  shared      the 55-page shared manual (../shared/docs/java-manual-huangshan.pdf)
  synthetic   a corpus of 10 PDFs of 50 pages each, assembled from the shared manual's pages
  per format  (--per-format) every other document in ../shared/docs on its own: PDF without an
              outline, scanned PDF (OCR), PPTX, XLSX, Markdown
  big         (--big N ...) one PDF of N pages taken in turn from every text PDF beside the
              shared manual (each round copied afresh, so no page shares its content with
              another): the parent's and the largest reader's peak memory, against N

With --pin, a run with N workers is held to N cores (CPU affinity, inherited by the readers):
the scaling of the worker pool per core, which the unpinned figures hide because one worker's
reader already embeds on every core while the parent writes.

Each row gives the load average over the scenario (the machine may be shared) and the CPU
seconds per page of the parent and its readers together: the work done, whatever share of the
machine it got. "other CPU s" is what the rest of the machine used meanwhile (other processes,
the hypervisor's steal, from /proc/stat): compare pages/s between runs only when it is near 0.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from machine_info import describe  # noqa: E402

DEFAULT_SHARED = REPO.parent / "shared" / "docs" / "java-manual-huangshan.pdf"


def build_synthetic(source: Path, folder: Path, pages: int, per_file: int = 50) -> list[Path]:
    """PDFs made of the source's text pages in shifted order, so each file is distinct."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(source)
    text_pages = [
        i for i, p in enumerate(reader.pages) if len((p.extract_text() or "").strip()) > 50
    ]
    files = []
    for number in range(pages // per_file):
        writer = PdfWriter()
        for i in range(per_file):
            writer.add_page(reader.pages[text_pages[(number * 7 + i) % len(text_pages)]])
        writer.add_metadata({"/Title": f"Synthetic manual {number + 1}"})
        path = folder / f"synthetic-{number + 1:02d}.pdf"
        with path.open("wb") as handle:
            writer.write(handle)
        files.append(path)
    return files


def cut_pages(source: Path, folder: Path, pages: int, per_file: int) -> list[Path]:
    """``pages`` pages of ``source`` (its pages again from the first when it has fewer) in
    files of ``per_file`` pages."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(source)
    files = []
    for start in range(0, pages, per_file):
        writer = PdfWriter()
        for index in range(start, min(start + per_file, pages)):
            writer.add_page(reader.pages[index % len(reader.pages)])
        path = folder / f"{source.stem}-{start + 1:04d}.pdf"
        with path.open("wb") as handle:
            writer.write(handle)
        files.append(path)
    return files


def build_mixed(sources: list[Path], path: Path, pages: int) -> Path:
    """One PDF of ``pages`` pages, taken in turn from ``sources``; each round reads the sources
    again, so pypdf copies every page's content anew instead of pointing at one copy."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    while len(writer.pages) < pages:
        readers = [PdfReader(source) for source in sources]
        longest = max(len(r.pages) for r in readers)
        for index in range(longest):
            for reader in readers:
                if index < len(reader.pages) and len(writer.pages) < pages:
                    writer.add_page(reader.pages[index])
    writer.add_metadata({"/Title": f"Mixed manual of {pages} pages"})
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def text_pdfs(folder: Path) -> list[Path]:
    """The PDFs of ``folder`` with a text layer (not the scanned one)."""
    return sorted(p for p in folder.glob("*.pdf") if "scanned" not in p.name)


def run_scenario(paths: list[Path], workers: int) -> dict[str, float]:
    """Runs inside a child process so that peak memory belongs to this scenario alone."""
    from pagewise.settings import Settings
    from ui.components import build

    data_dir = Path(tempfile.mkdtemp(prefix="pagewise-bench-"))
    started = time.perf_counter()
    components = build(Settings(data_dir=data_dir))
    load_seconds = time.perf_counter() - started
    first = components.ingestor(workers).ingest(paths, "bench")
    again = components.ingestor(workers).ingest(paths, "bench")
    components.close()
    assert not first.failed and again.count("unchanged") == len(paths)
    cpu = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN)
    return {
        "files": len(paths),
        "pages": first.pages,
        "chunks": first.chunks,
        "seconds": first.seconds,
        "pages_per_s": first.pages / first.seconds,
        "chunks_per_s": first.chunks / first.seconds,
        "noop_seconds": again.seconds,
        "load_seconds": load_seconds,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        # The largest reader child (the kernel keeps the maximum over reaped children).
        "child_peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "workers": workers,
        # CPU seconds of this process and its reader children: the work done, whatever the
        # share of a busy machine it got.
        "cpu_seconds": cpu,
        "reader_cpu_seconds": _cpu(resource.RUSAGE_CHILDREN),
        # The whole scenario (loading, the ingest, the no-op re-run) per page ingested.
        "cpu_s_per_page": cpu / max(1, first.pages),
        "load_1min_after": os.getloadavg()[0],
    }


def _pinned(cores: list[int]) -> Callable[[], None]:
    return lambda: os.sched_setaffinity(0, cores)


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _machine_busy() -> float:
    """CPU seconds every core of the machine has spent busy since boot (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--per-format", action="store_true", help="Also each shared document.")
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="Files read at once.")
    parser.add_argument("--pin", action="store_true", help="Hold a run with N workers to N cores.")
    parser.add_argument("--scanned", type=Path, help="A scanned PDF to read by OCR.")
    parser.add_argument("--scanned-pages", type=int, default=20)
    parser.add_argument(
        "--big", type=int, nargs="+", default=[], help="Also one PDF of each many pages."
    )
    parser.add_argument("--only", help="Run only the scenarios whose name contains this.")
    parser.add_argument("--child", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(run_scenario(args.child, args.workers[0])))
        return

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        synthetic = build_synthetic(args.shared, folder, args.pages)
        scenarios = {"shared manual": [args.shared], f"synthetic {args.pages} pages": synthetic}
        if args.per_format:
            for path in sorted(args.shared.parent.iterdir()):
                if path != args.shared and path.is_file():
                    scenarios[path.name] = [path]
        if args.scanned:
            n = args.scanned_pages
            (folder / "one").mkdir()
            (folder / "cut").mkdir()
            scenarios[f"scanned {n} p, 1 file (OCR)"] = cut_pages(
                args.scanned, folder / "one", n, n
            )
            scenarios[f"scanned {n} p, 1-p files (OCR)"] = cut_pages(
                args.scanned, folder / "cut", n, 1
            )
        for pages in args.big:
            mixed = build_mixed(text_pdfs(args.shared.parent), folder / f"big-{pages}.pdf", pages)
            scenarios[f"one mixed PDF of {pages} pages"] = [mixed]
        if args.only:
            scenarios = {k: v for k, v in scenarios.items() if args.only in k}
        rows = []
        for name, paths in scenarios.items():
            for workers in args.workers:
                load = os.getloadavg()[0]
                busy = _machine_busy()
                cores = sorted(os.sched_getaffinity(0))[:workers] if args.pin else None
                out = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--workers",
                        str(workers),
                        "--child",
                        *map(str, paths),
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                    preexec_fn=_pinned(cores) if cores else None,
                ).stdout
                row = json.loads(out.strip().splitlines()[-1])
                row["load_1min_before"] = load
                # CPU the rest of the machine used meanwhile (other processes, the hypervisor's
                # steal): a pages/s ratio is only worth reading when this stays near zero.
                row["other_cpu_seconds"] = max(0.0, _machine_busy() - busy - row["cpu_seconds"])
                row["cores"] = len(cores) if cores else os.cpu_count() or 0
                rows.append((name, row))
                print(f"{name} workers={workers}: {rows[-1][1]}", file=sys.stderr, flush=True)

    print(f"machine: {describe()}; load average before: {LOAD}, after: {os.getloadavg()}")
    header = (
        f"{'scenario':<32} {'wkrs':>4} {'cores':>5} {'files':>5} {'pages':>6} {'chunks':>6} "
        f"{'ingest s':>9} "
        f"{'pages/s':>8} {'chunks/s':>8} {'no-op s':>8} {'CPU s':>7} {'reader CPU s':>12} "
        f"{'CPU s/page':>10} {'other CPU s':>11} {'peak MiB':>9} {'reader MiB':>10} {'load':>9}"
    )
    print(header)
    print("-" * len(header))
    for name, r in rows:
        print(
            f"{name:<32} {r['workers']:>4.0f} {r['cores']:>5.0f} {r['files']:>5.0f} "
            f"{r['pages']:>6.0f} "
            f"{r['chunks']:>6.0f} {r['seconds']:>9.1f} {r['pages_per_s']:>8.2f} "
            f"{r['chunks_per_s']:>8.2f} {r['noop_seconds']:>8.2f} {r['cpu_seconds']:>7.0f} "
            f"{r['reader_cpu_seconds']:>12.0f} {r['cpu_s_per_page']:>10.3f} "
            f"{r['other_cpu_seconds']:>11.0f} "
            f"{r['peak_rss_mib']:>9.0f} {r['child_peak_rss_mib']:>10.0f} "
            f"{r['load_1min_before']:>4.1f}-{r['load_1min_after']:<4.1f}"
        )


LOAD = os.getloadavg()

if __name__ == "__main__":
    main()
