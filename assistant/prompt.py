"""Prompt assembly: the editable system prompt, numbered passages, recent history, the question."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.llm import Message
from assistant.retrieval import Passage


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


def citation_label(passage: Passage) -> str:
    """《Title》第 13 页（印刷页 10/51）· (五) 日期时间"""
    pages = (
        f"第 {passage.page} 页"
        if passage.page_end == passage.page
        else f"第 {passage.page}–{passage.page_end} 页"
    )
    printed = (
        f"（印刷页 {passage.page_label}）"
        if passage.page_label and passage.page_label != str(passage.page)
        else ""
    )
    section = f" · {passage.section}" if passage.section else ""
    return f"《{passage.title}》{pages}{printed}{section}"


def format_passages(passages: Sequence[Passage]) -> str:
    # Each passage is fenced so that its text cannot pose as a rule or as another passage.
    blocks = []
    for n, passage in enumerate(passages, start=1):
        text = passage.text.replace("<<<", "‹‹‹").replace(">>>", "›››")
        blocks.append(f"资料 [{n}]（{citation_label(passage)}）：\n<<<\n{text}\n>>>")
    return "\n\n".join(blocks)


def build_messages(
    system_prompt: str,
    question: str,
    passages: Sequence[Passage],
    history: Sequence[Turn] = (),
) -> list[Message]:
    messages = [Message("system", system_prompt)]
    for turn in history:
        messages.append(Message("user", turn.question))
        messages.append(Message("assistant", turn.answer))
    # Small models follow the last thing they read: the citation rule is restated after the
    # question.
    reminder = "（请在每句回答的末尾标注依据的资料编号，例如 [1]。）"
    messages.append(Message("user", f"{format_passages(passages)}\n\n问题：{question}\n{reminder}"))
    return messages


def trim_history(
    history: Sequence[Turn], budget_tokens: int, count_tokens: Callable[[str], int]
) -> list[Turn]:
    """The most recent turns that fit the token budget, oldest first."""
    kept: list[Turn] = []
    used = 0
    for turn in reversed(history):
        cost = count_tokens(turn.question) + count_tokens(turn.answer)
        if used + cost > budget_tokens:
            break
        kept.insert(0, turn)
        used += cost
    return kept
