"""A second opinion on a yes or a no that the checks removed.

To a yes-or-no question the small model's lead is often the question turned round ("是的，OpenChain
提供培训用的幻灯片。", "Yes, mount points stay there after boot."). Such a sentence has no words
of its own for the term check, across languages it embeds far from its passage, and the
sentence judge, asked whether the passage states it, often says NO to a right one. The lead
then makes the whole answer the refusal (see lead.py). Asked instead the question itself, as a
reading task ("what does the text answer: YES, NO or UNKNOWN?"), the model reads the passage
better: replayed on the recorded sets holdout22-41, it was asked about 42 such leads and kept
7 to answerable questions (one wrongly) and none to near-domain questions, where it mostly
replied UNKNOWN. A lead it agrees with is kept; one more short call (2-3 s on 2 cores),
only for yes-or-no answers whose lead was removed so. The reply confirms only the yes or the
no, so only a lead that says nothing more than that is asked about ("turns round" the question).

Off by default (``yes_no_check``): on the blind sets holdout42-45 it brought back two answers,
both wrong yeses ("Yes, SLTUI performs a signed comparison"); the small model says YES too
readily. Kept for a stronger model, to be measured with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from assistant.across import FAR
from assistant.claims import MARK, Claim
from assistant.lead import FEW_WORDS, NOT_STATED, REPEATS
from assistant.llm import LLM, Message, complete
from assistant.prompt import PASSAGE_CLOSE, PASSAGE_OPEN, defuse
from assistant.retrieval import Passage
from assistant.wording import added_terms

SYSTEM = (
    "You read a text and answer a yes-or-no question from it. Reply YES if the text says yes,"
    " NO if the text says no, and UNKNOWN if the text does not answer the question."
)
# What removed a lead that a second opinion may overturn: the checks of meaning. A number or
# name the passage lacks, or a subject no passage names, stays removed.
OVERTURNABLE = (FEW_WORDS, FAR, REPEATS)
_NO = re.compile(r"\s*(?:no\b|不|没|否)", re.IGNORECASE)
_YES = re.compile(r"\s*(?:yes\b|是|可以|能|会|有|对|要|需要|支持)", re.IGNORECASE)
# Words a lead adds when it turns the question round ("Can my students …?" -> "Yes, your
# students …"; "Do mount points stay?" -> "No, they do not stay"). Its yes, no and not are
# words of polarity, which ``added_terms`` leaves out already.
_TURNED = frozenset({"your", "yours", "they", "them", "their"})
# Chinese negation is dropped from both: "不要求" turns "要求…吗？" round, and its bigrams must not
# read as new words.
_NEGATION = re.compile("[不没未否]")
_REPLY = re.compile(r"\b(YES|NO|UNKNOWN)\b|(是|否|不知道)", re.IGNORECASE)

# The lead's sentence -> whether the passages answer the question with its yes or no.
Confirm = Callable[[Claim], bool]


def polarity(sentence: str) -> str:
    """The yes or no a sentence opens with ("不能混在一个文件里", "Yes, …"), else ""."""
    plain = MARK.sub("", sentence)
    if _NO.match(plain):
        return "no"
    return "yes" if _YES.match(plain) else ""


def overturnable(reason: str) -> bool:
    return reason.startswith(OVERTURNABLE) or reason.endswith(NOT_STATED)


def turns_round(lead: str, question: str) -> bool:
    """Whether ``lead`` says no more than its yes or no to the question: every subject word it
    writes is the question's own. The check reads only the yes or no, so a lead that adds
    anything ("Yes, by setting umask to 0027") keeps the judge's verdict."""
    plain = _NEGATION.sub("", MARK.sub(" ", lead))
    return not added_terms(plain, _NEGATION.sub("", question)) - _TURNED


def yes_no_messages(question: str, texts: Sequence[str]) -> list[Message]:
    text = "\n\n".join(defuse(t) for t in texts)
    ask = (
        f"Text:\n{PASSAGE_OPEN}\n{text}\n{PASSAGE_CLOSE}\n\nQuestion: {defuse(question)}\n\n"
        "What does the text answer: YES, NO or UNKNOWN?"
    )
    return [Message("system", SYSTEM), Message("user", ask)]


def parse_answer(reply: str) -> str:
    """The reply's yes or no; "" for UNKNOWN or a reply that is neither."""
    found = _REPLY.search(reply)
    if found is None:
        return ""
    word = (found.group(1) or found.group(2)).upper()
    return {"YES": "yes", "是": "yes", "NO": "no", "否": "no"}.get(word, "")


def _cited_texts(claim: Claim, passages: Sequence[Passage]) -> list[str]:
    """The texts of the passages ``claim`` cites (the first passage where it cites none)."""
    cited = [passages[n - 1].text for n in claim.cited if 1 <= n <= len(passages)]
    return cited or [passages[0].text]


class YesNoCheck:
    """Asks the LLM the question itself against the passages the lead cites."""

    def __init__(self, llm: LLM, passages: Sequence[Passage], question: str) -> None:
        self.llm = llm
        self.passages = list(passages)
        self.question = question

    def confirms(self, claim: Claim) -> bool:
        wanted = polarity(claim.text)
        if not wanted or not turns_round(claim.text, self.question):
            return False
        messages = yes_no_messages(self.question, _cited_texts(claim, self.passages))
        return parse_answer(complete(self.llm, messages, max_tokens=4)) == wanted
