import sys
import threading
from pathlib import Path

from pagewise.catalog import Catalog, DocumentRecord
from pagewise.keywords import search_terms, stem


def test_inflected_english_words_meet_in_one_term() -> None:
    groups = [
        ["register", "registers"],
        ["subtract", "subtracts", "subtracted", "subtracting"],
        ["store", "stores", "stored", "storing"],
        ["stop", "stops", "stopped", "stopping"],
        ["install", "installs", "installed"],
        ["library", "libraries"],
        ["class", "classes"],
        ["address", "addresses"],
    ]
    for words in groups:
        assert len({stem(word) for word in words}) == 1, words
    assert len({stem("status"), stem("analysis"), stem("process")}) == 3


def test_names_numbers_and_chinese_are_kept_as_written() -> None:
    for token in ["java.sql.date", "max_count", "a0201", "5230", "日志", "sys", "is"]:
        assert stem(token) == token
    terms = search_terms("Subtracted registers in java.sql.Date 日志")
    words = [stem("subtract"), stem("register"), "in", "java", "sql", stem("date")]
    assert terms == [*words, "java.sql.date", "日志"]


def catalog_of(path: Path, texts: list[str]) -> Catalog:
    """A catalog holding one document "d" whose chunks d:0, d:1, … are ``texts``."""
    catalog = Catalog(path / "catalog.sqlite3")
    catalog.begin(DocumentRecord("d", "c", "/d", "t", "text", "h", "s", 1, 0, "pending", 0.0))
    catalog.complete("d", 1, [(f"d:{i}", t) for i, t in enumerate(texts)], "c")
    return catalog


def test_a_question_finds_a_passage_that_inflects_its_words_otherwise(tmp_path: Path) -> None:
    texts = [
        "DSUBU rd, rs, rt subtracts the register rt from rs, both read as unsigned",
        "LD rt, offset(base) loads a doubleword from memory",
        "The Help dialog has two tabs",
    ]
    catalog = catalog_of(tmp_path, texts)
    hits = catalog.keyword_search("Which instruction subtracted unsigned registers?", 3)
    assert [h.chunk_id for h in hits] == ["d:0"]
    assert catalog.keyword_search("Which tab of the dialog?", 3)[0].chunk_id == "d:2"
    catalog.close()


def test_a_word_of_a_name_joined_by_underscores_finds_its_passage(tmp_path: Path) -> None:
    texts = [
        "auth required pam_faillock.so preauth audit deny=3 even_deny_root unlock_time=300",
        "说明：用户连续登录失败次数超过 3 次即被锁定。",
        "The lock is released in a finally block.",
    ]
    catalog = catalog_of(tmp_path, texts)
    assert [h.chunk_id for h in catalog.keyword_search("faillock", 3)] == ["d:0"]
    assert catalog.keyword_search("pam_faillock unlock time", 3)[0].chunk_id == "d:0"
    assert search_terms("max_count") == ["max_count", "max", stem("count")]
    catalog.close()


def test_the_words_a_question_asks_with_find_no_page(tmp_path: Path) -> None:
    texts = [
        "什么是知识产权？什么是许可证，如果不合规会发生什么？为什么我们需要遵守？",
        "不要写成 update table set c1=value1,c2=value2,c3=value3; 这是不对的。"
        "执行 SQL 时，不要更新无改动的字段，一是易出错；二是效率低；三是增加 binlog 存储。",
        "What is the default value? Which setting should be changed, and why?",
        "The Memory frame shows the cells of memory with their addresses.",
    ]
    catalog = catalog_of(tmp_path, texts)
    chinese = catalog.keyword_search("为什么更新字段时不应该写入每一列？增加的是什么存储？", 3)
    assert [h.chunk_id for h in chinese] == ["d:1"]
    english = catalog.keyword_search("What does the memory frame show, and why?", 3)
    assert [h.chunk_id for h in english] == ["d:3"]
    catalog.close()


def test_stems_are_right_when_many_threads_search_at_once() -> None:
    # Portal sessions search on their own threads; a Snowball stemmer keeps its word in itself.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        words = ["registers", "subtracted", "installation", "configurations", "processes"] * 2000
        expected = {word: stem.__wrapped__(word) for word in words}
        wrong: list[str] = []

        def stem_all() -> None:
            wrong.extend(w for w in words if stem.__wrapped__(w) != expected[w])

        threads = [threading.Thread(target=stem_all) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert wrong == []


def test_a_word_in_very_many_chunks_names_no_document(tmp_path: Path) -> None:
    """The sole holder of a word is found without reading every chunk that holds it."""
    from pagewise.catalog import SOLE_HOLDER_ROWS

    catalog = Catalog(tmp_path / "catalog.sqlite3")
    for doc, count in (("rare", 3), ("common", SOLE_HOLDER_ROWS)):
        catalog.begin(DocumentRecord(doc, "c", f"/{doc}", doc, "text", doc, "s", 1, 0, "", 0.0))
        terms = [(f"{doc}:{i}", f"{doc} release 2.{i % 2} 2020") for i in range(count)]
        catalog.complete(doc, 1, terms, "c")
    assert catalog.sole_holder("rare") == "rare"
    assert catalog.sole_holder("common") is None  # in SOLE_HOLDER_ROWS chunks: too common
    assert catalog.sole_holder("2020") is None  # in both
    assert catalog.sole_holder("nowhere") is None
    catalog.close()
