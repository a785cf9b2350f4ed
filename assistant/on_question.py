"""The last check before an answer is shown: does it answer the question that was asked?

Every sentence of a grounded answer is stated by the passage it cites, yet the answer may be
about something else than the question: asked how the guide sets up full-disk encryption with
dm-crypt, the small model described the guide's password hashing, sentence by sentence true to
its passages. The sentence judge reads no question (told the question, it passed more wrong
answers than it stopped), so this is one more call, with the question, the shown answer and
its cited passages. Measured on three blind question sets (holdout22-24): it refused 3 of the
8 near-domain answers that passed every other check and none of the 43 answers holding their
expected fact; about 6 s per answer on 2 CPU cores.

A no that gives the manual's own version of what a yes-or-no question asked is not checked:
the small model reads "不是 [1]。…口令连续输错3 次，账户将被锁定60秒 [1]。" as off the question
"表 1-1 里是不是说口令连续输错 5 次账户就会被锁定？", the 5 being nowhere in its text (two right
answers of holdout59 lost so). Such a correction writes at least half of the question's words
(CORRECTION_SHARE) and a word or figure of its own; a no with another fact ("不是的。相反，幻灯片
提到…认证是可选的", to whether ISO 9001 must come first) shares a third of them or less.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.claims import MARK, claims_of
from assistant.grounding import Grounded, Removed
from assistant.judge import parse_verdicts
from assistant.llm import LLM, Message, complete
from assistant.prompt import PASSAGE_CLOSE, PASSAGE_OPEN, defuse
from assistant.replies import asks_yes_or_no, says_no
from assistant.retrieval import Passage
from pagewise.keywords import subject_terms

SYSTEM = (
    "You check answers to questions about a manual. Reply YES if the text states what the"
    " answer says and the answer is about the very thing the question asks about. Reply NO if"
    " the answer is about another thing, setting, feature or event than the question asks"
    " about, or adds what the text does not state."
)
OFF_QUESTION = "llm check: does not answer the question asked"
_MARKS = re.compile(r"\s*" + MARK.pattern)
CORRECTION_SHARE = 0.5


def corrects(question: str, answer: str) -> bool:
    """Whether ``answer`` says no to the yes-or-no ``question`` and then states the manual's
    own version of it: a sentence with ``CORRECTION_SHARE`` of the question's words and a word
    or figure the question does not have."""
    sentences = [_MARKS.sub("", c.text) for c in claims_of(answer)]
    if not asks_yes_or_no(question) or not sentences or not says_no(sentences[0]):
        return False
    asked = subject_terms(question)
    for sentence in sentences:
        said = subject_terms(sentence)
        if asked and len(asked & said) >= CORRECTION_SHARE * len(asked) and said - asked:
            return True
    return False


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
        if corrects(question, grounded.text):
            return True
        messages = question_messages(question, grounded.text, cited_texts(grounded, passages))
        return parse_reply(complete(self.llm, messages, max_tokens=4))
