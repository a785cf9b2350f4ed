"""How the assistant fuses the search for a question with the search for its translation
(made-up passages, no index or model needed)."""

from assistant.retrieval import Passage
from assistant.translation import fuse


def _passage(chunk_id: str, text: str) -> Passage:
    return Passage(chunk_id, "m.pdf", "d", "Manual", 1, 1, "1", "", 0.5, text, "m.pdf", "c")


ZH_ANSWER = _passage("zh-answer", "口令至少包含大写字母、小写字母、数字和特殊字符中的三类。")
ZH_A = _passage("zh-a", "设置口令复杂度：编辑 /etc/pam.d/system-auth 文件。")
ZH_B = _passage("zh-b", "口令有效期：两次修改口令的最小间隔时间。")
ZH_C = _passage("zh-c", "口令历史：新口令不能与最近五次使用过的口令相同。")
EN_A = _passage("en-a", "The password must have at least eight characters and three classes.")
EN_B = _passage("en-b", "Passwords are checked by the pam_pwquality module before they are set.")


def test_a_passage_counts_only_in_the_search_written_in_its_language() -> None:
    # A Chinese question finds its answer third; the model's English "translation" (an
    # answer, not a question) finds Chinese passages only loosely, across languages. They no
    # longer push the answer out of the top 3, as plain fusion of the two rankings did.
    question = "加固后设置口令时，口令里至少要包含几类字符？"
    translated = "After hardening, a password must contain at least three types of characters."
    fused = fuse([(question, [ZH_A, ZH_B, ZH_ANSWER]), (translated, [ZH_B, ZH_C, ZH_A])], 3)
    assert [p.chunk_id for p in fused] == ["zh-a", "zh-b", "zh-answer"]


def test_the_translation_ranks_the_passages_in_its_language() -> None:
    # An English question about a Chinese manual: the Chinese translation's ranking decides
    # the order of the Chinese passages, which the English question found only loosely.
    question = "How many character classes must a password contain?"
    translated = "口令至少要包含几类字符？"
    fused = fuse([(question, [ZH_B, ZH_A, ZH_ANSWER]), (translated, [ZH_ANSWER, ZH_A])], 3)
    assert [p.chunk_id for p in fused] == ["zh-answer", "zh-a", "zh-b"]


def test_passages_found_by_both_searches_in_the_same_language_rise() -> None:
    question = "Which module checks a password before it is set?"
    fused = fuse([(question, [EN_A, EN_B]), ("Which module checks new passwords?", [EN_B])], 2)
    assert [p.chunk_id for p in fused] == ["en-b", "en-a"]
