"""Sections of a PDF without an outline come from lines that look like headings (larger or bold
type), not from table cells or wrapped sentences that happen to start with a number."""

from collections.abc import Callable

from ingest.model import BlockKind, ParsedDocument


def test_headings_are_set_like_headings_and_table_cells_are_not(
    shared_doc: Callable[[str], ParsedDocument],
) -> None:
    parsed = shared_doc("openeuler-hardening-zh.pdf")
    headings = [b.text for b in parsed.blocks if b.kind is BlockKind.HEADING]
    for real in ("2.1.1 加固 SSH 服务", "2.5.6 登录失败超过三次后锁定", "3 安全加固工具"):
        assert real in headings
    # Table cells and a sentence wrapped inside a table cell, all matching "number + text".
    for cell in ("3 次，账户将被锁定 60 秒，锁定期", "300 否", "0 否", "1 是", "0 是"):
        assert cell not in headings
