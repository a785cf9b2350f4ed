"""The last check before an answer is shown: does it answer the question that was asked?

Every sentence of a grounded answer is stated by the passage it cites, yet the answer may be
about something else than the question: asked how the guide sets up full-disk encryption with
dm-crypt, the small model described the guide's password hashing, sentence by sentence true to
its passages. The sentence judge reads no question (told the question, it passed more wrong
answers than it stopped), so this is one more call, with the question, the shown answer and
its cited passages. Measured on three blind question sets (holdout22-24): it refused 3 of the
8 near-domain answers that passed every other check and none of the 43 answers holding their
expected fact; about 6 s per answer on 2 CPU cores.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.claims import MARK, claims_of
from assistant.grounding import Grounded, Removed
from assistant.judge import parse_verdicts
from assistant.llm import LLM, Message, complete
from assistant.prompt import PASSAGE_CLOSE, PASSAGE_OPEN, defuse
from assistant.retrieval import Passage

SYSTEM = (
    "You check answers to questions about a manual. Reply YES if the text states what the"
    " answer says and the answer is about the very thing the question asks about. Reply NO if"
    " the answer is about another thing, setting, feature or event than the question asks"
    " about, or adds what the text does not state."
)
OFF_QUESTION = "llm check: does not answer the question asked"
_MARKS = re.compile(r"\s*" + MARK.pattern)


def question_messages(question: str, answer: str, cited: Sequence[str]) -> list[Message]:
    """The request: the cited passages' texts, the question and the answer without its marks."""
    text = "\n\n".join(defuse(t) for t in cited)
    plain = _MARKS.sub("", answer).strip()
    ask = (
        f"Text:\n{PASSAGE_OPEN}\n{text}\n{PASSAGE_CLOSE}\n\nQuestion: {defuse(question)}\n"
        f"Answer: {defuse(plain)}\n\n"
        "Does the text state this answer, and does the answer answer the question asked?"
        " Reply YES or NO."
    )
    return [Message("system", SYSTEM), Message("user", ask)]


def parse_reply(reply: str) -> bool:
    """YES or NO, read as the judge's single verdict is; a reply with neither keeps the answer
    (every sentence was checked already)."""
    return parse_verdicts(reply, 1)[0]


def cited_texts(grounded: Grounded, passages: Sequence[Passage]) -> list[str]:
    """The texts of the passages the grounded answer cites, in the order of its marks."""
    by_id = {p.chunk_id: p.text for p in passages}
    return [by_id[c.chunk_id] for c in grounded.citations if c.chunk_id in by_id]


def off_question(grounded: Grounded, refusal: str) -> Grounded:
    """The refusal, with every sentence that would have been shown listed as removed."""
    shown = [Removed(c.text, OFF_QUESTION) for c in claims_of(grounded.text)]
    return Grounded(refusal, refused=True, removed=grounded.removed + shown)


class QuestionCheck:
    """Asks the LLM, once per answer, whether the answer answers the question."""

    def __init__(self, llm: LLM) -> None:
        self.llm = llm

    def answers(self, question: str, grounded: Grounded, passages: Sequence[Passage]) -> bool:
        messages = question_messages(question, grounded.text, cited_texts(grounded, passages))
        return parse_reply(complete(self.llm, messages, max_tokens=4))
