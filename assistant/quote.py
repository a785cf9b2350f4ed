"""A last try before refusing: the passage's own sentence that answers the question.

The small model often finds the right passage and still loses the answer to the checks for
its form: it copies the passage's header into its sentence ("安全加固指南第 2 页…", a page the
passage text lacks), or opens with the question turned round and takes the right sentence
after it along. Every sentence removed, the answer is the refusal, though the passage states
the answer. Asked instead to copy the one sentence (or table row)
of the passages that answers the question, the model does a reading task it does well, and
the reply needs no judging of its meaning: it is shown only when it is the passage's own text
word for word, a whole statement (not an introduction ending in a colon), and the question
check (on_question.py) agrees that it answers the question asked. It is shown as a quotation,
under the reference of the passage it comes from.

One more generation (a short one) and one question check, only for answers whose sentences
were all removed for their form (see ``eligible``); never for an answer that says the manuals
do not cover the question, or whose sentences were removed for what they claim.

Off by default (``quote_fallback``): the quotation is the manual's own text, but whether it
answers the question rests on the question check, and the embedded model's check says YES too
readily. On holdout53 (seen) it brought back 2 right answers; on the blind sets holdout54-55
it brought back one answer, a wrong one (a row of role flags quoted for what a training course
teaches). Kept for a stronger model, to be measured with.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.citations import make_citation
from assistant.grounding import Grounded, Removed
from assistant.llm import LLM, Message, complete
from assistant.on_question import parse_reply, question_messages
from assistant.prompt import PASSAGE_CLOSE, PASSAGE_OPEN, citation_label, defuse
from assistant.reasons import for_form_only, missing_terms
from assistant.retrieval import Passage
from assistant.wording import dangles
from pagewise.keywords import question_language
from pagewise.text import squeeze

SYSTEM = (
    "You find where a text answers a question. Copy the one sentence or table row of the text"
    " that answers the question, exactly as the text writes it, and nothing else. If no"
    " sentence of the text answers the question, reply NONE."
)
# Shorter is a fragment ("三个条件"), longer is a passage, not the sentence that answers.
MIN_CHARS = 8
MAX_CHARS = 300
_QUOTES = "\"'`“”‘’「」『』 \n"
# Brackets in a quotation must not read as citation marks ("see [1]" in the manual's text).
_NO_MARKS = str.maketrans({"[": "［", "]": "］"})
_PAGE = re.compile(r"\d+\s*页")


@dataclass(frozen=True)
class Quote:
    text: str
    passage: int  # 1-based, in the passages the model was given


def quote_messages(question: str, passages: Sequence[Passage]) -> list[Message]:
    text = "\n\n".join(defuse(p.text) for p in passages)
    ask = (
        f"Text:\n{PASSAGE_OPEN}\n{text}\n{PASSAGE_CLOSE}\n\nQuestion: {defuse(question)}\n\n"
        "Copy the sentence of the text that answers the question, exactly as written,"
        " or reply NONE."
    )
    return [Message("system", SYSTEM), Message("user", ask)]


def located(reply: str, passages: Sequence[Passage]) -> Quote | None:
    """The reply as a quotation of the first passage that writes it word for word (spacing
    and width aside), or None: NONE, a fragment, a whole passage, an introduction, or words
    that no passage writes (a quotation "corrected" by the model is no quotation)."""
    text = reply.strip().strip(_QUOTES).strip()
    plain = squeeze(text).rstrip("。.")
    if not MIN_CHARS <= len(plain) <= MAX_CHARS or plain.startswith("none") or dangles(text):
        return None
    if text.endswith((":", "：")):
        return None
    for n, passage in enumerate(passages, start=1):
        if plain in squeeze(passage.text):
            return Quote(text, n)
    return None


def eligible(grounded: Grounded, passages: Sequence[Passage]) -> bool:
    """Refused only for the form of its sentences, not for what they claim: each was removed
    for making no statement of its own (the question turned round, "。"), for following such a
    lead, or for a page the model copied from a passage's header ("安全加固指南第 2 页…", whose
    "2 页" the passage text lacks). A sentence removed for its meaning (the judge, too few of
    its passage's words, a name no passage writes, a subject the manuals lack) says the
    passages may not answer the question: tried on those too, on the blind set holdout54, the
    model quoted an unrelated sentence that the question check passed for 4 answers out of 5
    (two of them near-domain questions the manuals do not answer)."""
    if not grounded.refused or not grounded.removed:
        return False
    pages = {n for p in passages for n in re.findall(r"\d+", citation_label(p))}
    return all(
        for_form_only(r.reason) or _pages_only(missing_terms(r.reason), pages)
        for r in grounded.removed
    )


def _pages_only(terms: Sequence[str], pages: set[str]) -> bool:
    """The terms are pages ("2 页") or numbers of the passages' headers ("12" of 印刷页 12/51)."""
    return bool(terms) and all(_PAGE.fullmatch(t) or t in pages for t in terms)


def quoted(
    quote: Quote, passages: Sequence[Passage], question: str, removed: list[Removed]
) -> Grounded:
    """The quotation as the answer, introduced in the question's language, citing [1]."""
    body = quote.text.translate(_NO_MARKS).rstrip()
    if question_language(question) == "zh":
        text = f"资料原文：“{body}” [1]"
    else:
        text = f"The manual says: “{body}” [1]"
    citation = make_citation(1, passages[quote.passage - 1])
    return Grounded(text, refused=False, citations=[citation], removed=removed)


class QuoteFallback:
    """Asks the LLM for the passages' own answer, and the question check whether it is one."""

    def __init__(self, llm: LLM) -> None:
        self.llm = llm

    def answer(
        self, question: str, passages: Sequence[Passage], removed: list[Removed]
    ) -> Grounded | None:
        reply = complete(self.llm, quote_messages(question, passages), max_tokens=160)
        quote = located(reply, passages)
        if quote is None:
            return None
        check = question_messages(question, quote.text, [passages[quote.passage - 1].text])
        if not parse_reply(complete(self.llm, check, max_tokens=4)):
            return None
        return quoted(quote, passages, question, removed)
