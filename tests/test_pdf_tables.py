"""Ruled tables in PDFs are read as rows: one line per row, its cells joined with " | ", the lines
of a wrapped cell joined, a table that runs on over a page joined to its first page (a cell merged
over the rows on both sides of the break made whole), so that the chunker keeps rows whole and
carries the header row into the next chunk."""

from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.chunking import chunk_blocks
from ingest.model import BlockKind, ParsedDocument
from ingest.readers import read_document
from ingest.table_rows import Line, join_pages
from ingest.tables import Table

HEADER_1_1 = "加固项 | 建议加固 | 易用性影响 | openEuler 默认是否设置了该加固项"


@pytest.fixture(scope="module")
def hardening(shared_doc: Callable[[str], ParsedDocument]) -> ParsedDocument:
    return shared_doc("openeuler-hardening-zh.pdf")


def rows(parsed: ParsedDocument, page: int | None = None) -> list[str]:
    return [
        b.text
        for b in parsed.blocks
        if b.kind is BlockKind.TABLE_ROW and (page is None or b.page == page)
    ]


def test_a_table_row_is_one_line_with_the_lines_of_its_cells_joined(
    hardening: ParsedDocument,
) -> None:
    assert rows(hardening, 7)[0] == HEADER_1_1
    assert (
        "限定登录失败时的尝试次数 | 当用户登录系统时，口令连续输错3 次，账户将被锁定 60 秒，"
        "锁定期间不能登录系统。 | 用户不能随意登录系统，账户被锁定后必须等待 60 秒。 | 是"
    ) in rows(hardening, 7)


def test_words_cut_at_a_cell_edge_and_hyphenated_names_are_whole(
    hardening: ParsedDocument,
) -> None:
    assert "LogLevel | 设置记录 sshd 日志消息的层次 | VERBOSE | 是" in rows(hardening, 10)
    assert any("SyslogFacility | " in row for row in rows(hardening, 10))
    strong = next(row for row in rows(hardening, 8) if row.startswith("SSH 强加密算法"))
    assert "hmac-sha2-256、hmac-sha2-512 算法" in strong


def test_a_table_that_runs_on_loses_its_repeated_header_and_joins_the_cut_row(
    hardening: ParsedDocument,
) -> None:
    # Page 8 repeats the header of table 1-1 and carries the end ("系统。") of its last row.
    assert HEADER_1_1 not in rows(hardening, 8)
    assert rows(hardening, 8)[0].startswith("su 权限限制 | ")
    assert any("不修改则无法进入系统。 | 否" in row for row in rows(hardening, 7))
    # The chapter's running header between the two parts is gone, so no text parts them.
    page_8 = [b for b in hardening.blocks if b.page == 8]
    assert page_8[0].kind is BlockKind.TABLE_ROW


def test_a_chunk_on_the_tables_next_page_starts_with_its_header(
    hardening: ParsedDocument,
) -> None:
    chunks = chunk_blocks(hardening.blocks, lambda text: len(text) // 2 + 1, 200, 30)
    su = next(c for c in chunks if "su 权限限制 | " in c.text)
    assert su.text.splitlines()[0] == HEADER_1_1
    assert su.page == 8


def test_a_cell_merged_over_rows_stands_whole_in_each_of_them(
    hardening: ParsedDocument,
) -> None:
    # Table 2-3: one description for four accept_redirects settings, one for two rp_filter.
    described = "是否发送 ICMP 重定向报文。加固策略为禁止发送。"
    for name in ("net.ipv4.conf.all", "net.ipv6.conf.all", "net.ipv6.conf.default"):
        assert f"{name}.accept_redirects | {described} | 0 | 是" in rows(hardening, 21)
    rp_filter = [row for row in rows(hardening, 20) if "rp_filter |" in row]
    assert len(rp_filter) == 2
    assert all("使用该特定源 IP 地址的数据包是否通过接口获取其响应" in row for row in rp_filter)


def test_a_cell_merged_over_rows_on_both_sides_of_a_page_break_stands_whole_in_each(
    hardening: ParsedDocument,
) -> None:
    # Table 2-3: one description for the all and default settings, cut by the page break.
    source_route = (
        "accept_source_route 指允许数据包的发送者指定数据包的发送路径，以及返回给发送者的"
        "数据包所走的路径。加固策略为禁用该特性。 | 0 | 是"
    )
    assert f"net.ipv4.conf.all.accept_source_route | {source_route}" in rows(hardening, 20)
    assert f"net.ipv4.conf.default.accept_source_route | {source_route}" in rows(hardening, 21)
    secure = "设置系统是接收来自任何主机的ICMP 重定向消息还是从默认网关列表中的网关处接收 ICMP"
    assert any(
        row.startswith(f"net.ipv4.conf.all.secure_redirects | {secure}")
        for row in rows(hardening, 21)
    )
    assert rows(hardening, 22)[0].startswith(f"net.ipv4.conf.default.secure_redirects | {secure}")


def test_rows_that_end_a_page_without_a_merged_cell_keep_their_own_text(
    hardening: ParsedDocument,
) -> None:
    assert rows(hardening, 11)[-1] == (
        "ClientAliveCountMax | 设置超时次数。服务器发出请求后，客户端没有响应的次数达到一定值，"
        "连接自动断开 | 0 | 否"
    )
    assert (
        rows(hardening, 12)[0]
        == "Banner | 指定登录 SSH 前后显示的提示信息的文件 | /etc/issue.net | 是"
    )
    assert rows(hardening, 13)[0].startswith("LoginGraceTime | 限制用户必须在指定的时限内认证成功")
    assert rows(hardening, 27)[-1] == "retry=3 | 每次修改最多可以尝试 3 次"


def test_a_merged_cell_cut_by_the_page_break_is_joined_over_all_the_rows_it_stands_in() -> None:
    header = ["key", "description", "value"]
    table = Table(100, 100, 500, 700, [header], header, runs_on=frozenset({1}))
    next_part = _table(header)
    before = [
        _row(header, table),
        _row(["a", "shared first half", "1"], table),
        _row(["b", "shared first half", "2"], table),
    ]
    page = [
        _row(header, next_part),
        _row(["c", "and second half", "3"], next_part),
        _row(["d", "and second half", "4"], next_part),
        _row(["e", "its own", "5"], next_part),
    ]
    join_pages([before, page], lambda line: False)
    whole = "shared first half and second half"
    assert [line.text for line in before[1:]] == [f"a | {whole} | 1", f"b | {whole} | 2"]
    assert [line.text for line in page] == [
        f"c | {whole} | 3",
        f"d | {whole} | 4",
        "e | its own | 5",
    ]


def test_text_around_tables_is_read_as_before(hardening: ParsedDocument) -> None:
    texts = [b.text for b in hardening.blocks if b.kind is BlockKind.TEXT]
    assert "表1-1 加固影响说明" in texts  # the caption, no longer glued to the first cells
    # Page 27 has text above a table whose header is that of the table ending page 26: it is
    # another table, and the text stays.
    page_27 = [b.text for b in hardening.blocks if b.page == 27]
    assert any(t.startswith("配置实现在/etc/pam.d/password-auth") for t in page_27)
    assert "minlen=8 | 口令长度至少包含 8 个字符" in rows(hardening, 27)
    assert "表2-5 pam_pwquality.so配置项说明" in page_27


def test_rows_without_rules_between_them_are_split_at_their_lines(
    shared_doc: Callable[[str], ParsedDocument],
) -> None:
    # Sphinx (LaTeX) rules a table's header off, not its rows.
    parsed = shared_doc("edumips64-doc-sphinx-en.pdf")
    assert "Double Word | .word or .word64 | 64" in rows(parsed, 7)
    assert rows(parsed, 9)[:3] == ["Register | Alias", "0 | zero", "1 | at"]


def test_a_document_without_ruled_tables_has_no_rows(fixtures: Path) -> None:
    assert rows(read_document(fixtures / "manual.pdf", ocr="off")) == []


def _table(header: list[str], left: float = 100) -> Table:
    return Table(left, 100, 500, 700, [header], header)


def _row(cells: list[str], table: Table) -> Line:
    return Line(" | ".join(cells), cells, table)


@pytest.mark.parametrize("above", ["表2-5 pam_pwquality.so配置项说明", "2.2 文件权限"])
def test_text_above_a_table_at_the_top_of_a_page_means_a_new_table(above: str) -> None:
    # Same header, same width as the table that ends the page before: still another table.
    first, second = _table(["配置项", "说明"]), _table(["配置项", "说明"])
    before = [_row(["配置项", "说明"], first), _row(["use_uid", "基于当前帐户的 uid。"], first)]
    page = [Line(above), _row(["配置项", "说明"], second), _row(["", "（续）"], second)]
    join_pages([before, page], lambda line: False)
    assert [line.text for line in page] == [above, "配置项 | 说明", " | （续）"]
    assert before[-1].cells == ["use_uid", "基于当前帐户的 uid。"]


def test_a_running_header_and_a_repeated_header_row_are_dropped_where_a_table_goes_on() -> None:
    table, next_part = _table(["a", "b"]), _table(["a", "b"])
    # The chapter's running header is on a few pages only, too few to be known as one.
    before = [Line("Guide 1 Chapter"), _row(["a", "b"], table), _row(["x", "cut"], table)]
    page = [
        Line("Guide 1 Chapter"),
        _row(["a", "b"], next_part),
        _row(["", "row"], next_part),
        _row(["y", "z"], next_part),
    ]
    join_pages([before, page], lambda line: False)
    assert before[-1].cells == ["x", "cut row"]
    assert [line.text for line in page] == ["y | z"]
