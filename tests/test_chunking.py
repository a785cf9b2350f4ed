from pathlib import Path

from ingest.chunking import chunk_blocks, split_sentences
from ingest.model import Block, BlockKind
from ingest.pdf import read_pdf
from pagewise.embedder import Embedder


def _text(text: str, page: int = 1) -> Block:
    return Block(BlockKind.TEXT, text, page, str(page))


def test_sentences_split_after_chinese_and_english_sentence_ends() -> None:
    assert split_sentences("第一句。第二句！Third one. Fourth? 第五；e.g.x") == [
        "第一句。",
        "第二句！",
        "Third one.",
        "Fourth?",
        "第五；",
        "e.g.x",
    ]


def test_chunks_end_on_sentence_boundaries_and_stay_under_the_size() -> None:
    sentences = [f"规则{i}要求所有接口都必须记录访问日志。" for i in range(12)]
    chunks = chunk_blocks([_text("".join(sentences))], len, max_tokens=60, overlap_tokens=0)
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.tokens <= 60
        assert chunk.text.endswith("。")
    assert "".join(c.text for c in chunks) == "".join(sentences)


def test_consecutive_chunks_overlap_by_whole_sentences() -> None:
    sentences = [f"Rule {i} applies to every service." for i in range(10)]
    chunks = chunk_blocks([_text(" ".join(sentences))], len, max_tokens=80, overlap_tokens=40)
    first, second = chunks[0], chunks[1]
    last_sentence = first.text.split(". ")[-1]
    assert second.text.startswith(last_sentence.rstrip("."))


def test_a_heading_closes_the_chunk_so_no_chunk_mixes_sections() -> None:
    blocks = [
        Block(BlockKind.HEADING, "一、日志", 1, "1", 1),
        _text("日志必须保留 180 天。"),
        Block(BlockKind.HEADING, "二、监控", 1, "1", 1),
        _text("告警必须五分钟内响应。"),
    ]
    chunks = chunk_blocks(blocks, len, max_tokens=200, overlap_tokens=30)
    assert [(c.section, c.text) for c in chunks] == [
        ("一、日志", "日志必须保留 180 天。"),
        ("二、监控", "告警必须五分钟内响应。"),
    ]


def test_an_overlong_sentence_is_cut_to_fit() -> None:
    chunks = chunk_blocks([_text("很" * 500)], len, max_tokens=100, overlap_tokens=0)
    assert all(c.tokens <= 100 for c in chunks)
    assert "".join(c.text for c in chunks) == "很" * 500


def test_shared_manual_chunks_fit_the_embedder_token_budget(
    shared_manual: Path, embedder: Embedder
) -> None:
    doc = read_pdf(shared_manual)
    chunks = chunk_blocks(doc.blocks, embedder.count_tokens, max_tokens=200, overlap_tokens=30)
    assert 150 < len(chunks) < 400
    assert all(embedder.count_tokens(c.text) <= 200 + 5 for c in chunks)
    assert all(c.page <= c.page_end for c in chunks)


def test_a_chunk_that_starts_inside_a_table_starts_with_its_header_row() -> None:
    header = "参数 | 建议值 | 说明"
    blocks = [
        Block(BlockKind.HEADING, "2.1.1 加固 SSH 服务", 9, "9", 3),
        Block(BlockKind.TEXT, "SSH 服务的配置项如下表所示。", 9, "9"),
        Block(BlockKind.TABLE_ROW, header, 9, "9"),
        *(
            Block(
                BlockKind.TABLE_ROW,
                f"Option{n} | value{n} | 第 {n} 项配置的说明文字",
                9 + n // 10,
                "",
            )
            for n in range(30)
        ),
    ]
    chunks = chunk_blocks(blocks, len, max_tokens=120, overlap_tokens=20)
    with_rows = [c for c in chunks if "Option" in c.text]
    assert len(with_rows) > 2
    for chunk in with_rows:
        assert chunk.text.splitlines()[0 if "SSH 服务的配置项" not in chunk.text else 1] == header
        # Rows are never cut: every line is a whole row (or the sentence before the table).
        assert all(line.count("|") == 2 for line in chunk.text.splitlines() if "|" in line)
    # A chunk starting on the table's second page is cited from that page, not the header's.
    later = next(c for c in with_rows if "Option25" in c.text)
    assert later.page >= 10
