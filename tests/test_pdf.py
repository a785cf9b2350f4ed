from pathlib import Path

import pytest

from ingest.chunking import chunk_blocks
from ingest.model import BlockKind
from ingest.pdf import read_pdf
from pagewise.errors import DocumentError


def test_pdf_blocks_carry_physical_page_and_page_label_from_pagelabels(fixtures: Path) -> None:
    doc = read_pdf(fixtures / "manual.pdf")
    assert doc.title == "Pagewise 示例手册"
    assert doc.page_count == 6
    by_text = {b.text: b for b in doc.blocks}
    requirement = next(b for t, b in by_text.items() if t.startswith("服务器至少需要"))
    assert (requirement.page, requirement.page_label) == (3, "1")
    preface = next(b for t, b in by_text.items() if t.startswith("本手册说明"))
    assert (preface.page, preface.page_label) == (2, "ii")


def test_pdf_sections_come_from_the_outline(fixtures: Path) -> None:
    chunks = chunk_blocks(read_pdf(fixtures / "manual.pdf").blocks, len, 60, 0)
    password = next(c for c in chunks if "密码长度至少 12 位" in c.text)
    assert password.section == "2.1 密码策略"
    assert password.section_path == "第二章 安全 > 2.1 密码策略"
    assert (password.page, password.page_label) == (6, "4")


def test_paragraph_running_over_a_page_break_records_both_pages(fixtures: Path) -> None:
    chunks = chunk_blocks(read_pdf(fixtures / "manual.pdf").blocks, len, 400, 0)
    backup = next(c for c in chunks if "每天凌晨 2 点执行全量备份" in c.text)
    assert "备份保留 30 天" in backup.text
    assert (backup.page, backup.page_end) == (3, 4)
    assert (backup.page_label, backup.page_label_end) == ("1", "2")
    assert backup.section == "1.2 备份策略"


def test_page_without_text_is_a_warning_not_a_failure(fixtures: Path) -> None:
    doc = read_pdf(fixtures / "manual.pdf")
    assert doc.warnings == ["1 page(s) without text: 5"]
    assert not any(b.page == 5 for b in doc.blocks)


def test_printed_folios_become_page_labels_and_running_header_is_dropped(fixtures: Path) -> None:
    doc = read_pdf(fixtures / "folio.pdf")
    assert doc.title == "运维手册（2024 版）"
    retention = next(b for b in doc.blocks if "应用日志保留 180 天" in b.text)
    assert (retention.page, retention.page_label) == (3, "2/3")
    assert not any("2024 版" in b.text or b.text == "2/3" for b in doc.blocks)
    headings = [(b.text, b.level) for b in doc.blocks if b.kind is BlockKind.HEADING]
    assert headings == [
        ("一、日志管理", 1),
        ("(一) 日志级别", 2),
        ("(二) 日志保留", 2),
        ("二、监控告警", 1),
    ]


def test_shared_manual_pages_labels_and_sections(shared_manual: Path) -> None:
    doc = read_pdf(shared_manual)
    assert doc.page_count == 55
    assert doc.title == "Java 开发手册（黄山版）"
    chunks = chunk_blocks(doc.blocks, len, 300, 0)
    millis = next(c for c in chunks if "获取当前毫秒数" in c.text)
    assert 13 in (millis.page, millis.page_end)
    assert millis.section == "(五) 日期时间"
    assert millis.section_path == "一、编程规约 > (五) 日期时间"
    constants = next(c for c in chunks if "常量命名应该全部大写" in c.text)
    assert (constants.page, constants.page_label, constants.section) == (4, "1/51", "(一) 命名风格")
    cover_and_preface = [c for c in chunks if c.page <= 3]
    assert all(c.page_label is None for c in cover_and_preface)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("encrypted.pdf", "encrypted with a password"),
        ("truncated.pdf", "truncated"),
        ("not-a-pdf.pdf", "not a PDF file"),
        ("scanned.pdf", "no text layer"),
    ],
)
def test_unreadable_pdfs_raise_a_clear_reason(fixtures: Path, name: str, reason: str) -> None:
    with pytest.raises(DocumentError, match=reason):
        read_pdf(fixtures / name)
