"""Markdown exported from documentation systems: what is indexed is the words, not the markup."""

from pathlib import Path

from ingest.chunking import chunk_blocks
from ingest.markup import html_table_rows, plain
from ingest.model import BlockKind
from ingest.readers import read_document

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "docs"


def test_an_html_table_becomes_rows_with_its_header_first(fixtures: Path) -> None:
    doc = read_document(fixtures / "exported.md")
    rows = [b.text for b in doc.blocks if b.kind is BlockKind.TABLE_ROW]
    assert rows == [
        "参数 | 描述",
        "Loaded | 服务是否已加载，enabled 表示开机启动。",
        "<name> 为服务名 | <name> 为服务名",  # a cell over two columns fills both
    ]
    assert not any("<" in b.text and "name>" not in b.text for b in doc.blocks)


def test_a_contents_list_of_heading_links_is_left_out(fixtures: Path) -> None:
    doc = read_document(fixtures / "exported.md")
    texts = [b.text for b in doc.blocks]
    assert sum("查看状态" in t for t in texts) == 1  # the heading alone
    assert [b.text for b in doc.blocks if b.kind is BlockKind.HEADING] == [
        "服务管理",
        "查看状态",
        "重启服务",
    ]


def test_links_emphasis_code_marks_and_escapes_read_as_words(fixtures: Path) -> None:
    texts = [b.text for b in read_document(fixtures / "exported.md").blocks]
    assert "状态参数如表1所示，详见官方网站 (https://example.org/docs)。" in texts
    assert "表 1 状态参数说明" in texts
    assert "执行 systemctl restart name.service，列出全部用 chkconfig --list。" in texts


def test_plain_keeps_python_names_and_drops_only_markup() -> None:
    assert plain("调用 `__init__` 与 **重要** <br/>说明") == "调用 __init__ 与 重要 说明"
    assert html_table_rows("<table><tr><td>a<br>b</td><td></td></tr><tr></tr></table>") == [
        "a b | "
    ]


def test_escapes_in_html_table_cells_read_as_the_characters() -> None:
    # Exported manuals escape Markdown's marks inside table cells as well ("\\-\\-add"): the
    # user reads, and the answer cites, "--add".
    assert html_table_rows(
        r"<table><tr><td>chkconfig network \-\-add</td><td>a\_b \\ c</td></tr></table>"
    ) == ["chkconfig network --add | a_b \\ c"]


def test_the_openeuler_chapter_indexes_its_html_tables_as_rows() -> None:
    doc = read_document(SHARED / "openeuler-admin-services-zh.md")
    rows = [b.text for b in doc.blocks if b.kind is BlockKind.TABLE_ROW]
    assert (
        "service network condrestart | systemctl condrestart network.service"
        " | 如果服务正在运行那么重启它。"
    ) in rows
    chunks = chunk_blocks(doc.blocks, len, max_tokens=400, overlap_tokens=0)
    assert not any("cellrowborder" in c.text or "<a name" in c.text for c in chunks)
    condrestart = next(c for c in chunks if "condrestart" in c.text)
    assert condrestart.section == "sysvinit命令和systemd命令"
    assert condrestart.text.startswith("sysvinit命令 | systemd命令 | 备注")
    assert "chkconfig network --add | systemctl daemon-reload" in "\n".join(rows)
    assert not any("\\-" in row for row in rows)
