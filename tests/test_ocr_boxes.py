"""A scanned page's picture in the portal: the cited passage is highlighted and sensitive words
are blacked out where OCR read them, from the boxes kept at ingestion (the page has no text
layer to search); the boxes live and die with their document."""

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scanned import QUESTION, SCANNED, ScanIndex

from assistant.retrieval import Passage
from ingest.ocr import _engine
from ingest.pipeline import document_id
from pagewise.catalog import DocumentRecord
from pagewise.pageboxes import PageBoxes, TextBox
from pagewise.sensitive import SensitiveWords
from pagewise.text import squeeze
from ui.components import Components
from ui.portal.pages import RENDER_SCALE, ocr_hidden_boxes, ocr_passage_boxes, render_page

LOCKED = "账户将被锁定60秒"  # on page 2 of the scan, in a wrapped table cell


@dataclass
class _Index:
    components: Components
    doc_id: str
    passage: Passage  # the passage holding LOCKED


@pytest.fixture(scope="module")
def scan(scan_index: ScanIndex) -> _Index:
    """The scan as ingested once for the run (OCR takes seconds a page), and the passage that
    holds LOCKED."""
    found = scan_index.components.retriever().search(QUESTION, 5, None)
    passage = next(p for p in found if p.page == 2 and squeeze(LOCKED) in squeeze(p.text))
    return _Index(scan_index.components, passage.doc_id, passage)


def _picture(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _crop(png: bytes, box: tuple[float, float, float, float], height: float) -> np.ndarray:
    """The part of the page's picture inside ``box`` (PDF points, origin bottom left)."""
    left, bottom, right, top = (v * RENDER_SCALE for v in box)
    rows = slice(int(height * RENDER_SCALE - top), int(height * RENDER_SCALE - bottom) + 1)
    return _picture(png)[rows, int(left) : int(right) + 1]


def test_the_boxes_of_every_scanned_page_are_kept_in_page_points(scan: _Index) -> None:
    boxes = scan.components.page_boxes
    for page in range(1, 6):
        read = boxes.read(scan.doc_id, page)
        assert len(read) > 10 and all(b.page == page for b in read)
        # An A4 page is 595 x 842 points.
        assert all(0 <= b.left < b.right <= 596 and 0 <= b.bottom < b.top <= 843 for b in read)
    assert any(squeeze(LOCKED) in squeeze(b.text) for b in boxes.read(scan.doc_id, 2))


def test_the_cited_passage_is_highlighted_where_its_text_is(scan: _Index) -> None:
    boxes = scan.components.page_boxes.read(scan.doc_id, 2)
    marked = ocr_passage_boxes(boxes, scan.passage.text)
    locked = next(b for b in boxes if squeeze(LOCKED) in squeeze(b.text))
    assert (locked.left, locked.bottom, locked.right, locked.top) in marked
    # Lines far from the passage (the page's first lines) are not marked.
    assert len(marked) < len(boxes)

    png = render_page(SCANNED, 2, scan.passage.text, None, boxes)
    plain = render_page(SCANNED, 2, "", None, boxes)
    height = 842.4
    spot = (locked.left, locked.bottom, locked.right, locked.top)
    # Yellow over the line: blue drops where the highlight lies, nowhere at the page's top.
    assert _crop(png, spot, height)[..., 2].mean() < _crop(plain, spot, height)[..., 2].mean() - 30
    assert (_picture(png)[:60] == _picture(plain)[:60]).all()
    # And what lies under the highlight reads as the passage's words.
    crop = _crop(plain, spot, height).astype(np.uint8)
    read = "".join(_engine()(np.ascontiguousarray(crop)).txts or ())
    assert "锁定" in read


def test_a_scanned_page_without_the_boxes_is_shown_plain(scan: _Index) -> None:
    assert render_page(SCANNED, 2, scan.passage.text) == render_page(SCANNED, 2, "")


def test_listed_words_are_blacked_out_on_a_scanned_page(scan: _Index) -> None:
    boxes = scan.components.page_boxes.read(scan.doc_id, 2)
    hide = SensitiveWords(["锁定"]).find
    hidden = ocr_hidden_boxes(boxes, hide)
    locked = next(b for b in boxes if squeeze(LOCKED) in squeeze(b.text))
    inside = [h for h in hidden if locked.bottom - 2 <= h[1] and h[3] <= locked.top + 2]
    # Two hits in that box ("锁定60秒，锁定期"), each a part of it, not the whole box.
    assert len(inside) == 2 and all(h[2] - h[0] < (locked.right - locked.left) / 3 for h in inside)

    def black(png: bytes) -> int:
        return int((_picture(png).max(axis=2) < 8).sum())

    clean = render_page(SCANNED, 2, "", None, boxes)
    assert black(render_page(SCANNED, 2, "", hide, boxes)) > black(clean) + 500


def test_a_word_read_across_two_boxes_is_still_hidden() -> None:
    boxes = [TextBox(1, "内部", 100, 100, 120, 110), TextBox(1, "机密文件", 125, 100, 165, 110)]
    hidden = ocr_hidden_boxes(boxes, SensitiveWords(["内部机密"]).find)
    assert len(hidden) == 2
    assert hidden[0][0] == pytest.approx(99) and hidden[1][2] == pytest.approx(146)


def test_the_boxes_go_with_their_document(
    components: Components, fixtures: Path, tmp_path: Path
) -> None:
    boxes, ingestor = components.page_boxes, components.ingestor()
    old = [TextBox(1, "旧的扫描页", 1, 1, 2, 2)]
    # A file read again without scanned pages (here: now a text file) keeps no boxes.
    guide = tmp_path / "guide.md"
    guide.write_bytes((fixtures / "guide.md").read_bytes())
    doc_id = document_id("default", guide)
    boxes.write(doc_id, old)
    assert not ingestor.ingest([guide], "default").failed
    assert boxes.read(doc_id, 1) == [] and not list(boxes.folder.glob("*"))
    # Deleted, pruned (its file gone) or left half-written by a crash: its boxes go too.
    boxes.write(doc_id, old)
    ingestor.delete(doc_id)
    assert not list(boxes.folder.glob("*"))
    assert not ingestor.ingest([guide], "default").failed
    boxes.write(doc_id, old)
    guide.unlink()
    assert [r.status for r in ingestor.prune("default")] == ["removed"]
    assert not list(boxes.folder.glob("*"))
    record = DocumentRecord(doc_id, "default", str(guide), "t", "pdf", "h", "s", 1, 1, "p", 0.0)
    components.catalog.begin(record)
    boxes.write(doc_id, old)
    assert ingestor.recover() == 1 and not list(boxes.folder.glob("*"))
    # A document id is a file name under the folder, never a path out of it.
    assert boxes.read("../catalog", 1) == []
    with pytest.raises(ValueError):
        boxes.write("../catalog", old)


def test_an_unreadable_boxes_file_costs_only_the_highlight(tmp_path: Path) -> None:
    boxes = PageBoxes(tmp_path)
    (tmp_path / "00ff.json").write_text("{not json", encoding="utf-8")
    assert boxes.read("00ff", 1) == []
