"""Questions across languages: an English question about a Chinese manual (or the other way
round) is also searched in the manual's language, translated by the same LLM.

Keyword search cannot match across languages and the embedder's cross-language matches are
weak, so the translated question finds the passages the original misses; both rankings are
fused. The answer is still written in the question's language (see prompt.py)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from assistant.llm import LLM, LLMError, Message, complete
from assistant.prompt import defuse
from assistant.retrieval import RRF_K, Passage, chunk_language
from pagewise.keywords import question_language

log = logging.getLogger(__name__)
_CITATION_MARK = re.compile(r"[\[【［]\s*\d")

INSTRUCTIONS = {
    "zh": (
        "把用户的问题翻译成简体中文。产品名、命令、配置项和代码保持原样。只输出译文，不要回答问题。"
    ),
    "en": (
        "Translate the user's question into English. Keep product names, commands, settings and"
        " code as they are. Output only the translation; do not answer the question."
    ),
}

# Worked examples shown before the question, as earlier turns of the chat. Told only "do not
# answer", the small model answered about half the questions it was given ("2017年7月1日",
# "…最多可以使用 10 个标签"), and its made-up facts drew passages that merely resembled them.
# The examples are about no manual the product ships with, so they teach the form and no fact.
EXAMPLES = {
    "zh": (
        ("How many days of annual leave does a new employee get?", "新员工有几天年假？"),
        (
            "What does the --dry-run option of rsync do, according to the guide?",
            "按指南的说法，rsync 的 --dry-run 选项有什么作用？",
        ),
    ),
    "en": (
        ("新员工有几天年假？", "How many days of annual leave does a new employee get?"),
        (
            "按指南的说法，rsync 的 --dry-run 选项有什么作用？",
            "What does the --dry-run option of rsync do, according to the guide?",
        ),
    ),
}


def translation_messages(question: str, into: str) -> list[Message]:
    """The chat that asks for ``question`` in the language ``into``: the instruction, the
    worked examples, then the question."""
    messages = [Message("system", INSTRUCTIONS[into])]
    for asked, translated in EXAMPLES[into]:
        messages += [Message("user", asked), Message("assistant", translated)]
    return [*messages, Message("user", defuse(question))]


class Translator:
    def __init__(self, llm: LLM) -> None:
        self.llm = llm

    @staticmethod
    def other_language(question: str) -> str:
        # By the language the question is written in, not its share of Chinese characters:
        # "EduMIPS64 0.4 的 SYSCALL 4 写文件成功时返回什么？" is Chinese, and was sent to be
        # "translated" into Chinese (the model answered it instead).
        return "en" if question_language(question) == "zh" else "zh"

    def translate(self, question: str) -> str:
        """The question in the other language, or "" when the model gives nothing usable."""
        into = self.other_language(question)
        try:
            text = complete(
                self.llm, translation_messages(question, into), max_tokens=96, temperature=0.0
            )
        except LLMError:
            log.exception("translating the question failed; searching in its language only")
            return ""
        line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        # A reply still in the question's language, or one that answers (citation marks, far
        # longer than the question) instead of translating, is no translation.
        if (
            not line
            or question_language(line) != into
            or _CITATION_MARK.search(line)
            or len(line) > 3 * len(question) + 20
        ):
            return ""
        return line


def fuse(searches: Sequence[tuple[str, Sequence[Passage]]], k: int) -> list[Passage]:
    """Reciprocal-rank fusion of the searches for one question written in several languages
    (each search with the text it was made for); each passage keeps its best similarity.

    A passage counts only in the searches written in its own language. The search across
    languages finds a passage by meaning alone, weakly, and the small model's "translation" is
    often an answer in the other language ("SLTU treats its operands as unsigned."), which
    draws passages that merely resemble it: counted equally, such finds pushed the right
    passage, found by the question itself, out of the top 3 (a scanned page asked about in
    its own language went from rank 1-3 to 4 and beyond). A passage no search in its
    language found keeps its place after the others."""
    fused: dict[str, float] = {}
    best: dict[str, Passage] = {}
    for text, ranking in searches:
        language = question_language(text)
        for rank, passage in enumerate(ranking, start=1):
            own = chunk_language(passage.text) == language
            fused[passage.chunk_id] = fused.get(passage.chunk_id, 0.0) + (
                1.0 / (RRF_K + rank) if own else 0.0
            )
            if passage.chunk_id not in best or passage.score > best[passage.chunk_id].score:
                best[passage.chunk_id] = passage
    ranked = sorted(fused, key=lambda cid: fused[cid], reverse=True)
    return [best[cid] for cid in ranked[:k]]
