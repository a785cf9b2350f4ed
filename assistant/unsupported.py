"""Why one sentence of an answer cannot be shown, checked on its own: what grounding.py asks of
each sentence before the judge reads those that pass (see that module for the list)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from assistant.across import translates_a_quote
from assistant.asked import exempt, names, product_names, says_not_covered
from assistant.claims import MARK as _MARK
from assistant.claims import POINTER, Claim
from assistant.dates import in_a_held_date
from assistant.lead import FEW_WORDS, REPEATS
from assistant.polarity import denied
from assistant.prompt import SOURCE_LABEL
from assistant.ranges import ungiven
from assistant.reasons import DENIED, MISSING, POINTS, SAYS_NOTHING, SILENT, UNGIVEN
from assistant.recite import word_support
from assistant.retrieval import Passage
from assistant.second_look import Holds
from assistant.spelled import counted_in_words
from assistant.templates import filled_in
from assistant.topic import unnamed_subject
from assistant.wording import dangles, restates, term_held
from pagewise.text import squeeze

# Sentences that report the manuals' silence instead of an answer.
_NON_ANSWER = re.compile(
    r"(?:资料|文档|手册|材料|上述|以上|章节|本章|该章|本节|该节)[^。！？]{0,12}(?:没有|未|并未|无)"
    r"[^。！？]{0,6}(?:提及|提到|说明|涉及|规定|给出|包含|记载|相关|具体|明确|警告|讨论|介绍)"
    r"|(?:没有|未|并未)(?:具体|明确)?(?:提及|提到|说明|涉及|给出|记载)"
    r"|没有(?:具体|明确)(?:的)?(?:要求|规定|说明|数字|数值)"
    r"|无法(?:从|根据)(?:资料|文档|手册)|无法回答"
    r"|\b(?:passages?|manuals?|documents?|texts?|materials?|sources?|guides?|context"
    r"|information|chapters?|sections?)\s+(?:\[\d+\]\s*)?(?:does not|doesn't|do not|don't"
    r"|did not)\s+(?:\w+\s+){0,2}"
    r"(?:mention|specify|state|say|cover|provide|include|contain|describe|list|warn|discuss"
    r"|explain|address)"
    r"|\bnot\s+(?:explicitly\s+)?(?:mentioned|specified|stated|covered|provided|described|given)"
    r"|\bno\s+(?:specific\s+)?(?:information|mention|details?)\b"
    r"|\bcannot be (?:determined|answered)",
    re.IGNORECASE,
)


def _only_where(text: str, passages: Sequence[Passage]) -> bool:
    """Whether ``text``, less the where-part of a label, says only where its source is: the
    rest of the label ("资料 [3]（《Java 开发手册（黄山版）》 · 三、单元测试）：")."""
    for passage in passages:
        text = text.replace(f"《{passage.title}》", " ")
        if passage.section:
            text = text.replace(passage.section, " ")
    return not re.search(r"\w", re.sub(r"资料|passage|source", " ", _MARK.sub(" ", text)))


def _clipped(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def own_names(claim: Claim, question: str, asked: set[str]) -> list[str]:
    """The numbers and names of ``claim`` that the question does not write."""
    return [t for t in names(claim.text, question) if squeeze(t) not in asked]


def _held(term: str, sentence: str, support: str, question: str) -> bool:
    return (
        term_held(term, support)
        or filled_in(term, sentence, support, question)
        or in_a_held_date(term, sentence, support)
        or counted_in_words(term, sentence, support)
        or translates_a_quote(term, sentence, support)
    )


def _required(sentence: str, question: str, asked: set[str], products: str) -> list[str]:
    """The numbers and names of ``sentence`` that its passage must hold: all but those the
    question may use freely (see ``exempt``; ``asked.joined_names`` says when one is a name)."""
    return [t for t in names(sentence, question) if not exempt(t, asked, products, question)]


def holder(passages: Sequence[Passage], question: str, asked: set[str], products: str) -> Holds:
    """The check that passages hold a sentence's numbers and names, as _unsupported asks."""

    def holds(claim: Claim, cited: Sequence[int]) -> bool:
        support = _as_cited(passages, cited)
        required = _required(claim.text, question, asked, products)
        held = all(_held(t, claim.text, support, question) for t in required)
        return held and not ungiven(_MARK.sub(" ", claim.text), support)

    return holds


def _as_cited(passages: Sequence[Passage], cited: Sequence[int]) -> str:
    """The cited passages as the reader sees them, each under its section heading: a name the
    heading holds ("2.1.1 加固 SSH 服务") is the passage's own, though its rows never repeat it."""
    return " ".join(f"{passages[n - 1].section} {passages[n - 1].text}" for n in cited)


def unsupported(
    claim: Claim,
    passages: Sequence[Passage],
    min_word_support: float,
    question: str,
    asked: set[str],
) -> str:
    """Why ``claim`` cannot be shown, or "" (``asked``: the question's own key terms)."""
    # A source label the answer echoes ("第 15 页（印刷页 12/51）") names no number of its
    # own; a sentence that is only a label points at its source.
    unlabelled = SOURCE_LABEL.sub(" ", claim.text)
    if unlabelled != claim.text and _only_where(unlabelled, passages):
        return POINTS
    claim = replace(claim, text=unlabelled)
    plain = _MARK.sub("", claim.text)
    if _NON_ANSWER.search(claim.text) or says_not_covered(plain, question):
        return SILENT
    if subject := unnamed_subject(plain, question, passages):
        return f"introduces a subject no passage names: {subject}"
    # A name of its own (one the question does not write: "… is Apache-2.0") is an answer,
    # however the sentence opens ("The manual gives `${USER}` for @author"); a page or row
    # number is where the source is ("依据的资料是资料 [2] 第 5 行。").
    own = own_names(claim, question, asked)
    if POINTER.search(claim.text) and not any(re.search("[A-Za-z]", t) for t in own):
        return POINTS
    if not re.search(r"\w", plain) or dangles(plain):
        return SAYS_NOTHING
    if restates(_MARK.sub(" ", claim.text), question) and not own:
        return REPEATS
    if not claim.cited:
        return "cites no passage"
    support = _as_cited(passages, claim.cited)
    # A product the question names is exempt only where the cited manual is about it:
    # "OpenChain 认证到期后，…" citing the hardening guide says that guide speaks of OpenChain.
    own_products = product_names([passages[n - 1] for n in claim.cited])
    missing = sorted(
        t
        for t in _required(claim.text, question, asked, own_products)
        if not _held(t, claim.text, support, question)
    )
    if missing:
        return MISSING + ", ".join(missing)
    if spans := ungiven(_MARK.sub(" ", claim.text), support):
        return UNGIVEN + ", ".join(spans)
    cited = [passages[n - 1].text for n in claim.cited]
    if no := denied(plain, question, cited, own_products):
        return DENIED + _clipped(no)
    share = word_support(claim, passages, question)
    if share is not None and share < min_word_support:
        return f"{FEW_WORDS} are in the cited passage ({share:.2f})"
    return ""
