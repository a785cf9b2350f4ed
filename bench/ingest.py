"""Ingestion speed: pages/s and chunks/s, peak memory, and the time of a no-op re-run.

    .venv/bin/python bench/ingest.py [--shared PATH] [--pages 500] [--per-format]

Scenarios, each in a fresh process and a fresh data dir:
  shared      the 55-page shared manual (../shared/docs/java-manual-huangshan.pdf)
  synthetic   a corpus of 10 PDFs of 50 pages each, assembled from the shared manual's pages
  per format  (--per-format) every other document in ../shared/docs on its own: PDF without an
              outline, scanned PDF (OCR), PPTX, XLSX, Markdown
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
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


def run_scenario(paths: list[Path]) -> dict[str, float]:
    """Runs inside a child process so that peak memory belongs to this scenario alone."""
    from pagewise.settings import Settings
    from ui.components import build

    data_dir = Path(tempfile.mkdtemp(prefix="pagewise-bench-"))
    started = time.perf_counter()
    components = build(Settings(data_dir=data_dir))
    load_seconds = time.perf_counter() - started
    first = components.ingestor().ingest(paths, "bench")
    again = components.ingestor().ingest(paths, "bench")
    components.close()
    assert not first.failed and again.count("unchanged") == len(paths)
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
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--per-format", action="store_true", help="Also each shared document.")
    parser.add_argument("--child", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(run_scenario(args.child)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        synthetic = build_synthetic(args.shared, Path(tmp), args.pages)
        scenarios = {"shared manual": [args.shared], f"synthetic {args.pages} pages": synthetic}
        if args.per_format:
            for path in sorted(args.shared.parent.iterdir()):
                if path != args.shared and path.is_file():
                    scenarios[path.name] = [path]
        rows = []
        for name, paths in scenarios.items():
            out = subprocess.run(
                [sys.executable, __file__, "--child", *map(str, paths)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            rows.append((name, json.loads(out.strip().splitlines()[-1])))

    print(f"machine: {describe()}")
    header = (
        f"{'scenario':<36} {'files':>5} {'pages':>6} {'chunks':>6} {'ingest s':>9} "
        f"{'pages/s':>8} {'chunks/s':>8} {'no-op s':>8} {'peak MiB':>9}"
    )
    print(header)
    print("-" * len(header))
    for name, r in rows:
        print(
            f"{name:<36} {r['files']:>5.0f} {r['pages']:>6.0f} {r['chunks']:>6.0f} "
            f"{r['seconds']:>9.1f} {r['pages_per_s']:>8.2f} {r['chunks_per_s']:>8.2f} "
            f"{r['noop_seconds']:>8.2f} {r['peak_rss_mib']:>9.0f}"
        )


if __name__ == "__main__":
    main()
