"""How the assistant fuses the search for a question with the search for its translation
(made-up passages; the wiring test uses the Java manual's index and a scripted model)."""

import pytest
from llm_doubles import RoutedLLM

from assistant.answer import User
from assistant.retrieval import Passage
from assistant.translation import INSTRUCTIONS, fuse
from ui.components import Components


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


def test_the_assistant_fuses_its_two_searches_with_the_text_each_was_made_for(
    java_index: Components, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assistant.answer as answer

    translation = "代码缩进应该使用几个空格？"
    llm = RoutedLLM("", {INSTRUCTIONS["zh"]: translation})
    fused: list[list[tuple[str, list[Passage]]]] = []

    def spy(searches: list[tuple[str, list[Passage]]], k: int) -> list[Passage]:
        fused.append(searches)
        return fuse(searches, k)

    monkeypatch.setattr(answer, "fuse", spy)
    question = "How many spaces should code be indented by?"
    found = java_index.assistant(llm=llm).relevant_passages(question, User("u"))
    (((first, _), (second, _)),) = fused
    assert (first, second) == (question, translation)
    assert found and any("4 个空格" in p.text for p in found)


def test_a_name_no_found_passage_writes_is_looked_up_by_that_name(
    java_index: Components, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The searches by meaning and by all the question's words found three pages that never
    # write the class it asks about; the gate would refuse it as naming something unknown.
    assistant = java_index.assistant(llm=RoutedLLM("", {}))
    elsewhere = assistant.retriever.search("代码缩进应该使用几个空格？", 3)
    assert not any("CountDownLatch" in p.text for p in elsewhere)
    monkeypatch.setattr(assistant.retriever, "search", lambda *args, **kwargs: list(elsewhere))
    found = assistant.relevant_passages("CountDownLatch 用的时候要注意什么？", User("u"))
    assert len(found) <= 3 and any("CountDownLatch" in p.text for p in found)
    # A name no manual writes is not looked up into any page: the question stays uncovered.
    assert assistant.relevant_passages("Quarkus 用的时候要注意什么？", User("u")) == []
