"""Hostile files: per-file limits, a reader that hangs or crashes stopped, and a fuzzed batch of
several hundred damaged manuals that is ingested or reported file by file, never broken."""

from __future__ import annotations

import random
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import hostile_files as hostile
import pytest

from ingest.limits import FileLimits, check_file
from ingest.pipeline import FileReport, IngestSummary
from ingest.worker import ParseWorker
from pagewise.embedder import Embedder
from pagewise.errors import DocumentError
from pagewise.settings import Settings
from ui.components import Components, build

FUZZ_SEED = 20261128
PER_SEED = 80
FUZZ_TIMEOUT = 20.0  # no damaged copy of a small manual should come near it


def _build(tmp_path: Path, embedder: Embedder, **settings: object) -> Components:
    chosen = Settings(data_dir=tmp_path / "data", ocr="off", **settings)  # type: ignore[arg-type]
    return build(chosen, embedder=embedder)


def _timed_ingest(components: Components, folder: Path) -> tuple[IngestSummary, dict[str, float]]:
    """The batch's summary and the seconds each file took, from the progress callback."""
    took: dict[str, float] = {}
    last = time.monotonic()

    def on_file(report: FileReport) -> None:
        nonlocal last
        now = time.monotonic()
        took[report.path] = now - last
        last = now

    return components.ingestor().ingest([folder], "hostile", on_file=on_file), took


def _consistent(components: Components, summary: IngestSummary) -> None:
    """Catalog and store agree: every added document whole, nothing half-written."""
    documents = components.catalog.documents("hostile")
    assert components.catalog.pending_ids() == []
    assert len(documents) == summary.count("added")
    assert components.store.count() == sum(d.chunks for d in documents) == summary.chunks


@pytest.fixture
def fuzzed(tmp_path: Path, fixtures: Path) -> Iterator[tuple[Path, list[str]]]:
    """Several hundred damaged copies of five small manuals, the same on every run, and the
    names of the undamaged originals among them."""
    folder = tmp_path / "fuzzed"
    folder.mkdir()
    seeds = {
        "manual.pdf": (fixtures / "manual.pdf").read_bytes(),
        "folio.pdf": (fixtures / "folio.pdf").read_bytes(),
        "handbook.docx": (fixtures / "handbook.docx").read_bytes(),
        "deck.pptx": hostile.deck(),
        "book.xlsx": hostile.workbook(),
    }
    rng = random.Random(FUZZ_SEED)
    for name, seed in seeds.items():
        (folder / name).write_bytes(seed)
        stem, suffix = name.rsplit(".", 1)
        mutations = hostile.RAW if suffix == "pdf" else hostile.ZIPPED
        for number, data in enumerate(hostile.mutants(seed, mutations, PER_SEED, rng)):
            (folder / f"{stem}-{number:03d}.{suffix}").write_bytes(data)
    (folder / "bomb.docx").write_bytes(hostile.zip_bomb_docx(50 * hostile.MB))
    (folder / "loop.pdf").write_bytes(hostile.pdf_reference_loops())
    (folder / "page-tree-loop.pdf").write_bytes(hostile.pdf_page_tree_loop())
    yield folder, list(seeds)
    shutil.rmtree(folder)


def test_hundreds_of_damaged_files_are_each_ingested_or_reported_and_the_index_stays_whole(
    tmp_path: Path, embedder: Embedder, fuzzed: tuple[Path, list[str]]
) -> None:
    folder, originals = fuzzed
    files = sorted(p.name for p in folder.iterdir())
    components = _build(tmp_path, embedder, parse_timeout=FUZZ_TIMEOUT)
    started = time.monotonic()
    summary, took = _timed_ingest(components, folder)
    seconds = time.monotonic() - started

    by_name = {Path(f.path).name: f for f in summary.files}
    assert sorted(by_name) == files, "one report per file: the batch went to its end"
    assert {f.status for f in summary.files} <= {"added", "failed"}
    assert all(f.reason for f in summary.files if f.status == "failed")
    assert all(by_name[name].status == "added" for name in originals)
    assert by_name["loop.pdf"].status == "added"  # the loops are cut, the text is read
    assert "cyclic" in by_name["page-tree-loop.pdf"].reason
    assert "zip bomb" in by_name["bomb.docx"].reason
    assert max(took.values()) < FUZZ_TIMEOUT + 5, "no reader ran past its time limit"
    _consistent(components, summary)

    reasons = Counter(f.reason.split(":")[0][:60] for f in summary.files if f.status == "failed")
    print(
        f"\nfuzzed {len(files)} files in {seconds:.1f} s: {summary.count('added')} ingested,"
        f" {summary.count('failed')} reported; slowest {max(took.values()):.2f} s"
    )
    kinds = Counter((Path(f.path).suffix, f.status) for f in summary.files)
    print(
        "  " + ", ".join(f"{suffix} {status} {n}" for (suffix, status), n in sorted(kinds.items()))
    )
    for reason, count in reasons.most_common():
        print(f"  {count:4d}  {reason}")
    components.close()


def test_files_over_a_limit_are_reported_before_parsing_and_a_slow_one_is_stopped(
    tmp_path: Path, embedder: Embedder, fixtures: Path
) -> None:
    folder = tmp_path / "hostile"
    folder.mkdir()
    shutil.copy(fixtures / "folio.pdf", folder / "good.pdf")
    (folder / "bomb.docx").write_bytes(hostile.zip_bomb_docx(50 * hostile.MB))
    (folder / "wide-bomb.xlsx").write_bytes(hostile.wide_zip_bomb_xlsx(310, hostile.MB - 1))
    (folder / "pages.pdf").write_bytes(hostile.pdf_with_pages(2001))
    (folder / "slow.pdf").write_bytes(hostile.pdf_slow_to_read(100_000))
    (folder / "deep.pdf").write_bytes(hostile.pdf_deep_nesting())
    (folder / "indirect-loop.pdf").write_bytes(hostile.pdf_indirect_loop())
    (folder / "flate-bomb.pdf").write_bytes(hostile.pdf_flate_bomb(300 * hostile.MB))
    with (folder / "huge.pdf").open("wb") as sparse:  # 101 MB on paper, nothing on disk
        sparse.write(b"%PDF-1.7\n")
        sparse.truncate(101 * hostile.MB)
    components = _build(tmp_path, embedder, parse_timeout=3.0)
    summary, took = _timed_ingest(components, folder)

    reports = {Path(f.path).name: f for f in summary.files}
    assert reports["good.pdf"].status == "added"
    assert re.search(r"compressed \d+:1 .* a zip bomb", reports["bomb.docx"].reason)
    assert "expands to 310 MB" in reports["wide-bomb.xlsx"].reason
    assert "2001 pages, over the limit of 2000" in reports["pages.pdf"].reason
    assert "the file is 101 MB, over the limit of 100 MB" in reports["huge.pdf"].reason
    assert "took longer than 3 s (parse_timeout): stopped" in reports["slow.pdf"].reason
    # Files are read ahead of the writer (ingest.pool): its read began before the file before
    # it was reported, so only the bound above is measured here.
    assert took[str(folder / "slow.pdf")] < 8.0
    # pypdf inflates no stream past 75 MB: the bomb's page is empty, the other one is read.
    assert reports["flate-bomb.pdf"].status == "added"
    assert reports["flate-bomb.pdf"].warnings == ["1 page(s) without text: 2"]
    for name in ("deep.pdf", "indirect-loop.pdf"):
        assert reports[name].status == "failed" and reports[name].reason
    _consistent(components, summary)
    components.close()


def test_a_reader_that_dies_is_reported_and_the_next_file_gets_a_new_one(
    tmp_path: Path, fixtures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The child reads this variable's module list at start: make its PDF reader kill itself.
    crash = tmp_path / "crash"
    crash.mkdir()
    (crash / "sitecustomize.py").write_text(
        "import os, ingest.pdf\n"
        "def _die(*args, **kwargs):\n"
        "    os.kill(os.getpid(), 9)\n"
        "ingest.pdf.read_pdf = _die\n"
        "import ingest.readers\n"
        "ingest.readers.read_pdf = _die\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(crash))
    with ParseWorker(FileLimits(parse_timeout=30)) as worker:
        with pytest.raises(DocumentError, match=r"the reader crashed on it \(killed by signal 9\)"):
            worker.read(fixtures / "folio.pdf")
        assert worker.read(fixtures / "handbook.docx").kind == "docx"


def test_limits_come_from_the_settings_and_check_file_serves_uploads_too(tmp_path: Path) -> None:
    small = tmp_path / "small.docx"
    small.write_bytes(hostile.zip_bomb_docx(500))
    check_file(small, FileLimits.from_settings(Settings(max_file_mb=1, max_unzipped_mb=1)))
    with pytest.raises(DocumentError, match=r"the file is \d+ bytes, over the limit of 1000 bytes"):
        check_file(small, FileLimits.from_settings(Settings(max_file_mb=0.001)))
    big = tmp_path / "big.docx"
    big.write_bytes(hostile.zip_bomb_docx(2 * hostile.MB))
    with pytest.raises(DocumentError, match=r"expands to [\d.]+ MB .* \(max_unzipped_mb\)"):
        check_file(big, FileLimits.from_settings(Settings(max_unzipped_mb=1)))
    with pytest.raises(DocumentError, match=r"compressed \d+:1"):
        check_file(big, FileLimits.from_settings(Settings(max_zip_ratio=10)))
    defaults = FileLimits.from_settings(Settings())
    assert defaults == FileLimits()
