"""PowerPoint and Excel files as manuals: slides and sheets are pages, citations read naturally."""

from pathlib import Path

import pytest
from openpyxl import Workbook
from test_citations import passage

from assistant.citations import make_citation
from assistant.prompt import citation_label
from ingest.chunking import chunk_blocks
from ingest.model import BlockKind
from ingest.readers import read_document
from pagewise.errors import DocumentError
from ui.components import Components

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "docs"
DECK = SHARED / "openchain-iso5230-overview-zh.pptx"
WORKBOOK = SHARED / "openchain-policy-template-zh.xlsx"


def test_a_slide_is_a_page_its_title_the_section_and_its_notes_included() -> None:
    deck = read_document(DECK)
    assert deck.kind == "pptx" and deck.page_count == 12
    # PowerPoint's default "PowerPoint Presentation" is no title: the first slide's is.
    assert deck.title == "ISO/IEC 5230开源许可合规性"
    first = [b for b in deck.blocks if b.page == 1]
    assert first[0].kind is BlockKind.HEADING and first[0].text == "ISO/IEC 5230开源许可合规性"
    assert any(b.text.startswith("备注：OpenChain项目旨在帮助改进合规流程") for b in first)
    # Line breaks inside a paragraph (vertical tabs) split into lines; slide numbers are left out.
    assert all("\x0b" not in b.text for b in deck.blocks)
    assert not any(b.text == "2" for b in deck.blocks if b.page == 2)


def test_every_slide_opens_its_own_section_so_no_passage_runs_onto_the_next() -> None:
    deck = read_document(DECK)
    # Slide 3 has no title: its text is under an unnamed section, not under slide 2's title.
    assert [b.text for b in deck.blocks if b.page == 3 and b.kind is BlockKind.HEADING] == [""]
    chunks = chunk_blocks(deck.blocks, len, max_tokens=400, overlap_tokens=30)
    assert all(c.page == c.page_end for c in chunks)
    standard = next(c for c in chunks if "ISO/IEC 5230:2020" in c.text)
    assert standard.page == 3 and standard.section == ""


def test_a_sheet_is_a_page_and_each_row_carries_its_column_headers() -> None:
    book = read_document(WORKBOOK)
    assert book.kind == "xlsx" and book.page_count == 7
    policy = [b for b in book.blocks if b.page == 2]
    assert policy[0].kind is BlockKind.HEADING and policy[0].text == "政策"
    assert {b.page_label for b in policy} == {"政策"}
    rows = [b.text for b in policy if b.kind is BlockKind.TABLE_ROW]
    assert any(
        r.startswith("第 3 行：类别: TX | 政策通用描述: (A) [公司] 了解开源许可证") for r in rows
    )


def test_merged_cells_are_expanded_and_empty_rows_and_columns_dropped(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "许可证"
    sheet.append(["类别", None, "许可证", "说明"])
    sheet.append(["宽松", None, "MIT", "可以闭源分发"])
    sheet.append([None, None, "Apache-2.0", "需保留 NOTICE"])
    sheet.append([])
    sheet.merge_cells("A2:A3")
    path = tmp_path / "licences.xlsx"
    workbook.save(path)
    rows = [b.text for b in read_document(path).blocks if b.kind is BlockKind.TABLE_ROW]
    assert rows == [
        "类别 | 许可证 | 说明",
        "第 2 行：类别: 宽松 | 许可证: MIT | 说明: 可以闭源分发",
        "第 3 行：类别: 宽松 | 许可证: Apache-2.0 | 说明: 需保留 NOTICE",
    ]


def test_tables_stacked_in_a_sheet_each_have_their_own_header(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([None, "步骤", "解释"])
    sheet.append([1, "确定使用场景", "你用代码做什么？"])  # numbered under an unnamed column
    sheet.append([])  # an empty row ends the table
    sheet.append(["代码筛选器", "（未列出的组合提交审核）"])  # a caption over the next table
    sheet.append(["使用场景", "许可证", "修改", "结果"])
    sheet.append(["嵌入式设备", "Copyleft（弱）", "否", "允许"])
    path = tmp_path / "stacked.xlsx"
    workbook.save(path)
    rows = [b.text for b in read_document(path).blocks if b.kind is BlockKind.TABLE_ROW]
    assert rows == [
        "步骤 | 解释",
        "第 2 行：1 | 步骤: 确定使用场景 | 解释: 你用代码做什么？",
        "代码筛选器 | （未列出的组合提交审核）",
        "使用场景 | 许可证 | 修改 | 结果",
        "第 6 行：使用场景: 嵌入式设备 | 许可证: Copyleft（弱） | 修改: 否 | 结果: 允许",
    ]


def test_sheet_chunks_do_not_repeat_the_header_row_their_rows_already_name() -> None:
    book = read_document(WORKBOOK)
    chunks = chunk_blocks(book.blocks, len, max_tokens=300, overlap_tokens=0)
    roles = [c for c in chunks if c.section == "1_-_角色"]
    assert len(roles) > 3
    assert sum(c.text.startswith("角色代码 | 姓名") for c in roles) == 1
    screener = next(c for c in chunks if c.page == 5 and "第 54 行" in c.text)
    assert "第 54 行：使用场景: 分发（嵌入式设备） | 来源可接受性: >8 | 许可证: Copyleft（弱）" in (
        screener.text
    )


def test_a_broken_office_file_is_reported_not_crashed(tmp_path: Path) -> None:
    for name in ("broken.pptx", "broken.xlsx"):
        path = tmp_path / name
        path.write_bytes(b"PK\x03\x04 not really a zip")
        with pytest.raises(DocumentError):
            read_document(path)


def test_citations_name_the_slide_or_the_sheet() -> None:
    slide = passage("文本", page=5, label="5", section="当今的软件供应链")
    slide = slide.__class__(**{**slide.__dict__, "kind": "pptx", "title": "ISO 5230"})
    assert citation_label(slide) == "《ISO 5230》第 5 张幻灯片 · 当今的软件供应链"
    sheet = passage("第 3 行：类别: TX\n第 9 行：类别: RX", page=2, label="政策", section="政策")
    sheet = sheet.__class__(**{**sheet.__dict__, "kind": "xlsx", "title": "开源政策模板"})
    assert citation_label(sheet) == "《开源政策模板》工作表「政策」第 3–9 行"
    assert make_citation(1, sheet).rows == "3–9"
    prose = sheet.__class__(**{**sheet.__dict__, "text": "说明文字"})
    assert citation_label(prose) == "《开源政策模板》工作表「政策」"


def test_decks_and_workbooks_are_ingested_and_found(components: Components) -> None:
    summary = components.ingestor().ingest([DECK, WORKBOOK], "default")
    assert not summary.failed
    found = components.retriever().search("OpenChain 自我认证是免费的吗？", 3, None)
    assert any(p.doc == DECK.name and p.kind == "pptx" for p in found)
