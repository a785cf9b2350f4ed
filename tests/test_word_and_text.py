from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE

from ingest.chunking import chunk_blocks
from ingest.model import BlockKind
from ingest.readers import read_document
from pagewise.errors import DocumentError


def test_docx_pages_follow_explicit_and_rendered_page_breaks(fixtures: Path) -> None:
    doc = read_document(fixtures / "handbook.docx")
    assert doc.title == "员工手册 Employee Handbook"
    assert doc.page_count == 3
    page_of = {b.text: b.page for b in doc.blocks}
    assert page_of["新员工入职第一天需要领取工牌和笔记本电脑。"] == 1
    # The rendered break right after the explicit one is the same page break, counted once.
    assert page_of["第二章 报销 Expenses"] == 2
    assert page_of["Receipts must be submitted within 30 days."] == 2
    assert page_of["Late receipts need director approval."] == 3
    assert page_of["逾期报销需要总监审批。"] == 3


def test_docx_headings_give_sections_and_tables_stay_rows(fixtures: Path) -> None:
    doc = read_document(fixtures / "handbook.docx")
    rows = [b.text for b in doc.blocks if b.kind is BlockKind.TABLE_ROW]
    assert rows == [
        "费用类型 | 上限 | 审批人",
        "差旅 | 每天 500 元 | 部门经理",
        "餐饮 | 每人 100 元 | 直属主管",
    ]
    chunks = chunk_blocks(doc.blocks, len, 200, 0)
    travel = next(c for c in chunks if "差旅 | 每天 500 元" in c.text)
    assert (travel.section, travel.page) == ("第二章 报销 Expenses", 2)
    accounts = next(c for c in chunks if "LDAP account" in c.text)
    assert accounts.section_path == "第一章 入职 Onboarding > 1.1 Accounts"


def test_markdown_headings_give_sections_but_code_comments_do_not(fixtures: Path) -> None:
    doc = read_document(fixtures / "guide.md")
    headings = [(b.text, b.level) for b in doc.blocks if b.kind is BlockKind.HEADING]
    assert headings == [("部署指南 Deployment Guide", 1), ("安装 Install", 2), ("升级 Upgrade", 2)]
    assert "./install.sh --prefix /opt/app" in [b.text for b in doc.blocks]
    rows = [b.text for b in doc.blocks if b.kind is BlockKind.TABLE_ROW]
    assert rows == ["版本 | 支持期限", "2.x | 2026 年底"]


def test_plain_text_form_feed_starts_a_new_page(fixtures: Path) -> None:
    doc = read_document(fixtures / "notes.txt")
    assert doc.page_count == 2
    chunks = chunk_blocks(doc.blocks, len, 200, 0)
    handover = next(c for c in chunks if "值班日志" in c.text)
    assert (handover.page, handover.section) == (2, "第二章 交接")


@pytest.mark.parametrize(
    ("name", "reason"),
    [("empty.txt", "empty"), ("legacy.doc", "unsupported file type .doc")],
)
def test_unusable_files_raise_a_clear_reason(fixtures: Path, name: str, reason: str) -> None:
    with pytest.raises(DocumentError, match=reason):
        read_document(fixtures / name)


def test_gb18030_text_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "旧文件.txt"
    path.write_bytes("第一章 说明\n本文件使用 GBK 编码保存。\n".encode("gb18030"))
    doc = read_document(path)
    assert "本文件使用 GBK 编码保存。" in [b.text for b in doc.blocks]


def test_word_contents_entries_are_kept_but_not_indexed(tmp_path: Path) -> None:
    document = docx.Document()
    for level in (1, 2):
        document.styles.add_style(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("1 范围\t1", style="toc 1")
    document.add_paragraph("1.1 有效期\t2", style="toc 2")
    document.add_heading("1 范围", level=1)
    document.add_paragraph("本规定适用于全体员工。")
    document.add_heading("1.1 有效期", level=2)
    document.add_paragraph("口令有效期为 90 天。")
    path = tmp_path / "contents.docx"
    document.save(str(path))
    parsed = read_document(path)
    entries = [b.text for b in parsed.blocks if b.kind is BlockKind.CONTENTS]
    assert entries == ["1 范围\t1", "1.1 有效期\t2"]
    chunks = chunk_blocks(parsed.blocks, len, max_tokens=200, overlap_tokens=0)
    assert [(c.section, c.text) for c in chunks] == [
        ("1 范围", "本规定适用于全体员工。"),
        ("1.1 有效期", "口令有效期为 90 天。"),
    ]
