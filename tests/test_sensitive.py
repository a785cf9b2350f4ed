"""Sensitive words, tried the way someone sneaking a word past the list would."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from pagewise.errors import ConfigError
from pagewise.sensitive import (
    Match,
    SensitiveWords,
    load_sensitive_words,
    parse_sensitive_words,
)

REPO = Path(__file__).resolve().parent.parent
LIST = """\
# test list
内部机密
薪资明细

internal only
Secret
re:身份证号?\\s*\\d{6}
re:\\d{3}-\\d{4}
"""


@pytest.fixture(scope="module")
def words() -> SensitiveWords:
    return parse_sensitive_words(LIST.splitlines(), "test list")


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("这份是内部机密。", "内部机密"),
        ("ＩＮＴＥＲＮＡＬ ＯＮＬＹ", "internal only"),  # full-width letters and space
        ("InTeRnAl OnLy", "internal only"),
        ("I n t e r n a l-only", "internal only"),
        ("internal_only", "internal only"),
        ("internal\u200bonly", "internal only"),  # zero-width space
        ("inter\u200cnal\u2060on\ufeffly", "internal only"),  # ZWNJ, word joiner, BOM
        ("内 部 机 密", "内部机密"),
        ("内·部－机＊密", "内部机密"),  # full-width punctuation between the characters
        ("内\u200b部\u200b机\u200b密", "内部机密"),
        ("内部\n机密", "内部机密"),  # split across lines
        ("内部\r\n  机密", "内部机密"),
        ("薪 资 明 细 ✅", "薪资明细"),
        ("薪🙂资明细", "薪资明细"),  # emoji between characters
        ("ＳＥＣＲＥＴ", "Secret"),
        ("s\u0336e\u0336cret", "Secret"),  # combining strike-through marks
    ],
)
def test_evasions_are_found(words: SensitiveWords, text: str, word: str) -> None:
    assert [m.word for m in words.find(text)] == [word]
    assert words.contains(text)


@pytest.mark.parametrize(
    "text", ["内部会议纪要", "internal tooling only", "公开资料", "", "   ", "\u200b\u200b"]
)
def test_innocent_text_passes(words: SensitiveWords, text: str) -> None:
    assert words.find(text) == []
    assert not words.contains(text)
    assert words.redact(text) == text


def test_spans_point_into_the_original_text(words: SensitiveWords) -> None:
    text = "请看 I n t e r n a l-only 的文件"
    [match] = words.find(text)
    assert text[match.start : match.end] == "I n t e r n a l-only"


def test_redaction_keeps_the_rest_intact(words: SensitiveWords) -> None:
    text = "第一段：内 部\u200b机-密；第二段：薪资明细。结尾 internal ONLY!"
    assert words.redact(text) == "第一段：***；第二段：***。结尾 ***!"
    assert (
        words.redact(text, mask="[已屏蔽]") == "第一段：[已屏蔽]；第二段：[已屏蔽]。结尾 [已屏蔽]!"
    )


def test_overlapping_hits_are_redacted_as_one() -> None:
    words = SensitiveWords(["abcd", "cdef"])
    assert {m.word for m in words.find("xxabcdefyy")} == {"abcd", "cdef"}
    assert words.redact("xxabcdefyy") == "xx***yy"


def test_regex_entries_see_spaces_and_full_width_digits(words: SensitiveWords) -> None:
    assert [m.word for m in words.find("身份证号 １１０１０５ 后面")] == ["re:身份证号?\\s*\\d{6}"]
    assert words.redact("身份证 11 01 05 后面") == "*** 后面"  # digits split by spaces
    assert words.redact("电话 555-1234 谢谢") == "电话 *** 谢谢"  # needs the hyphen


def test_longest_entry_wins_at_a_position() -> None:
    words = SensitiveWords(["机密", "内部机密"])
    assert words.find("内部机密") == [Match("内部机密", 0, 4), Match("机密", 2, 4)]
    assert words.redact("内部机密文件") == "***文件"


def test_word_at_the_end_next_to_a_longer_entry() -> None:
    words = SensitiveWords(["机密", "机密文件夹"])
    assert words.find("这是机密") == [Match("机密", 2, 4)]
    assert words.redact("这是机 密。") == "这是***。"


def test_bundled_list_loads_and_matches() -> None:
    words = load_sensitive_words(REPO / "policies")
    assert len(words) >= 3
    assert words.contains("这是 内部 机密")


def test_missing_file_means_no_words(tmp_path: Path) -> None:
    words = load_sensitive_words(tmp_path)
    assert len(words) == 0
    assert words.redact("内部机密") == "内部机密"


def test_bad_regex_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "sensitive_words.txt").write_text("# c\nok\n\nre:(unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sensitive_words\.txt, line 4"):
        load_sensitive_words(tmp_path)


@pytest.mark.parametrize("line", ["re:a*", "re:", "---", "\u200b"])
def test_entries_that_would_match_everything_are_refused(line: str) -> None:
    with pytest.raises(ConfigError, match="line 2"):
        parse_sensitive_words(["ok", line], "list")


def test_ten_thousand_words_scan_a_long_text() -> None:
    rng = random.Random(5)
    han = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    latin = "abcdefghijklmnopqrstuvwxyz"
    generated = {
        "".join(rng.choices(han, k=rng.randint(3, 5)))
        if rng.random() < 0.5
        else "".join(rng.choices(latin, k=rng.randint(8, 12)))
        for _ in range(10_000)
    }
    entries = [*sorted(generated), "内部机密"]
    words = parse_sensitive_words(entries, "generated")
    assert len(words) == len(entries)
    filler = "".join(rng.choices("的是在有和了不这我们", k=1_000))
    text = filler + "内 部 机 密" + filler
    assert [m.word for m in words.find(text) if m.word == "内部机密"] == ["内部机密"]
    assert "***" in words.redact(text)
