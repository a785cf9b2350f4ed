"""Sentence-level grounding: every sentence shown is supported by the passages it cites.

A checked answer (valid citations only, see citations.py) is split into sentences. A sentence
is removed, with its reason, when
- it only says that the manuals do not cover something ("资料中没有具体要求", "is not mentioned"):
  that is a refusal, not an answer;
- it introduces a subject of the question that no passage names (see topic.py);
- a number, identifier or quoted name in it is in none of the passages it cites;
- written in the language of its passages, too few of its words are in them (a claim from
  outside the passages, "typically around $10,000", shares little wording with them);
- a judge (e.g. the same LLM, reading the cited passages) says they do not state it;
- it comes after the first shown sentence and cites only other manuals (see stray.py).
- it opens by pointing back at a sentence removed for what it claims (see referents.py).
What remains is renumbered [1], [2], … in order of first use; nothing left means the refusal,
and so does a removed lead (see lead.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from assistant.across import Similarity, all_nearer, far_across_languages
from assistant.asked import asked_terms, exempt, names, product_names, says_not_covered
from assistant.citations import Citation
from assistant.claims import MARK as _MARK
from assistant.claims import POINTER, Claim, claims_of, with_mark
from assistant.lead import FEW_WORDS, NOT_STATED, REPEATS, decisive
from assistant.prompt import SOURCE_LABEL
from assistant.reasons import (
    BARE,
    FOLLOWS,
    MISSING,
    NOT_A_STATEMENT,
    POINTS,
    SAID,
    SAYS_NOTHING,
    SILENT,
)
from assistant.recite import all_recited, word_support
from assistant.referents import REFERS, orphaned
from assistant.replies import affirms, asks_more, asks_yes_or_no, bare_reply
from assistant.retrieval import Passage
from assistant.second_look import Holds, second_look
from assistant.shown import renumbered
from assistant.stray import STRAYS, strayed
from assistant.templates import filled_in
from assistant.topic import unnamed_subject
from assistant.verbatim import copies_a_line
from assistant.wording import dangles, restates, term_held
from assistant.yes_no import Confirm, overturnable
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


@dataclass(frozen=True)
class Removed:
    sentence: str
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"sentence": self.sentence, "reason": self.reason}


class SupportJudge(Protocol):
    """Decides, for each claim, whether the passages it cites state it (True) or not."""

    name: str

    def judge(self, claims: Sequence[Claim]) -> list[bool]: ...


@dataclass
class Grounded:
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)


def ground(
    text: str,
    passages: Sequence[Passage],
    refusal: str,
    *,
    question: str = "",
    min_word_support: float = 0.0,
    judge: SupportJudge | None = None,
    lead_decides: bool = True,
    similarity: Similarity | None = None,
    min_cross_support: float = 0.0,
    second_looks: bool = True,
    confirm: Confirm | None = None,
) -> Grounded:
    """Keep the supported sentences of ``text`` (valid [n] marks only) and renumber them.

    Numbers and product names (in a manual's title or file name) the question itself uses need
    not be in the passages: repeating the year or the product the user asked about invents
    nothing; any other name it asks about must be in the passage cited for it. With
    ``lead_decides``, an answer whose first statement (the direct answer the prompt asks for;
    to a yes-no question, one repeating it: "没有分支预测功能 [1]。") is unsupported is the
    refusal: what follows elaborates an answer that could not be verified. A sentence in another
    language than its passages, with no number or name of its own to check, needs
    ``min_cross_support`` of ``similarity`` to them: wording cannot be compared across
    languages, and the small judge passes what the passage does not say
    ("模拟器会将文件描述符设置为标准输入"). With ``second_looks``, a sentence the judge
    rejects is asked about once more, cited to another passage that could state it (see
    second_look.py). A yes-or-no lead removed for its meaning that ``confirm`` agrees with is
    kept (see yes_no.py); a later copy of it stays listed as said before."""
    yes_no = asks_yes_or_no(question)
    asked = asked_terms(question, passages, confirmed=yes_no and affirms(text))
    products = product_names(passages)
    kept: list[Claim] = []
    kept_at: list[int] = []  # each kept sentence's place in the answer
    removed: list[Removed] = []
    lead: Claim | None = None
    said: set[str] = set()  # small models loop: the same sentence four times
    holds = _holder(passages, question, asked, products)
    claims = all_recited(claims_of(text), passages, holds, question, min_word_support)
    near = similarity if min_cross_support > 0 else None  # 0 turns both checks off
    moved = all_nearer(claims, passages, asked, near, min_cross_support, question, min_word_support)
    for at, claim in enumerate(moved):
        plain = squeeze(_MARK.sub("", claim.text)).rstrip("。.")
        reason = (
            SAID
            if plain in said
            else _unsupported(claim, passages, min_word_support, question, asked)
            or far_across_languages(claim, passages, asked, similarity, min_cross_support)
        )
        said.add(plain)
        if lead is None and (reason not in NOT_A_STATEMENT or (reason == REPEATS and yes_no)):
            lead = claim
        if reason:
            removed.append(Removed(claim.text, reason))
        else:
            kept.append(claim)
            kept_at.append(at)
    if judge is not None and kept:
        verdicts = [
            ok or copies_a_line(c, passages, question)
            for c, ok in zip(kept, judge.judge(kept), strict=True)
        ]
        if second_looks:
            kept, verdicts = second_look(judge.judge, kept, verdicts, passages, holds, question)
        removed += [
            Removed(c.text, f"{judge.name}: {NOT_STATED}")
            for c, ok in zip(kept, verdicts, strict=True)
            if not ok
        ]
        kept_at = [at for at, ok in zip(kept_at, verdicts, strict=True) if ok]
        kept = [c for c, ok in zip(kept, verdicts, strict=True) if ok]
    reason = next((r.reason for r in removed if lead and r.sentence == lead.text), "")
    if confirm and lead and yes_no and overturnable(reason) and confirm(lead):
        removed = [r for r in removed if (r.sentence, r.reason) != (lead.text, reason)]
        kept, kept_at = [lead, *kept], [moved.index(lead), *kept_at]
    kept, removed = _without_orphans(moved, kept, kept_at, removed)
    strays = strayed(kept, passages)
    removed += [Removed(c.text, STRAYS) for c in strays]
    kept = _marked([c for c in kept if c not in strays])
    if any(r.reason == SILENT for r in removed):
        # The answer is that the manuals say nothing on it; what else it says is background
        # ("…C 列为规范中的文本 [1]。因此，模板对 AI 生成的代码没有明确规定。").
        return Grounded(refusal, refused=True, removed=removed + _unverified(kept))
    answers_more = asks_more(question) and any(_own_names(c, question, asked) for c in kept)
    if lead_decides and lead is not None and _decisive(lead, removed, yes_no, answers_more):
        return Grounded(refusal, refused=True, removed=removed + _unverified(kept))
    if all(bare_reply(_MARK.sub("", c.text)) for c in kept):
        return Grounded(
            refusal, refused=True, removed=removed + [Removed(c.text, BARE) for c in kept]
        )
    if not any(_MARK.search(c.text) for c in kept):
        return Grounded(refusal, refused=True, removed=removed)
    text, citations = renumbered(kept, passages)
    return Grounded(text, refused=False, citations=citations, removed=removed)


def _without_orphans(
    claims: Sequence[Claim], kept: list[Claim], kept_at: list[int], removed: list[Removed]
) -> tuple[list[Claim], list[Removed]]:
    """``kept`` less the sentences that point back at a removed one (see referents.py)."""
    why = {r.sentence: r.reason for r in removed}
    gone = {
        at
        for at, claim in enumerate(claims)
        if at not in kept_at and why.get(claim.text, "") not in NOT_A_STATEMENT
    }
    lost = orphaned(claims, set(kept_at), gone)
    if not lost:
        return kept, removed
    orphans = [c for c, at in zip(kept, kept_at, strict=True) if at in lost]
    return [c for c in kept if c not in orphans], removed + [
        Removed(c.text, REFERS) for c in orphans
    ]


def _unverified(kept: Sequence[Claim]) -> list[Removed]:
    return [Removed(c.text, FOLLOWS) for c in kept]


def _only_where(text: str, passages: Sequence[Passage]) -> bool:
    """Whether ``text``, less the where-part of a label, says only where its source is: the
    rest of the label ("资料 [3]（《Java 开发手册（黄山版）》 · 三、单元测试）：")."""
    for passage in passages:
        text = text.replace(f"《{passage.title}》", " ")
        if passage.section:
            text = text.replace(passage.section, " ")
    return not re.search(r"\w", re.sub(r"资料|passage|source", " ", _MARK.sub(" ", text)))


def _own_names(claim: Claim, question: str, asked: set[str]) -> list[str]:
    """The numbers and names of ``claim`` that the question does not write."""
    return [t for t in names(claim.text, question) if squeeze(t) not in asked]


def _decisive(lead: Claim, removed: Sequence[Removed], yes_no: bool, answers_more: bool) -> bool:
    # A later copy of the lead, removed as said before, is not the lead's own verdict.
    reason = next((r.reason for r in removed if r.sentence == lead.text and r.reason != SAID), "")
    return decisive(_MARK.sub("", lead.text), reason, yes_no, answers_more)


def _marked(kept: Sequence[Claim]) -> list[Claim]:
    """Kept sentences that leaned on a removed one for their marks write their own: "X. Y. Z [1]."
    with Z removed shows "X. Y [1]." (without, X and Y would be shown uncited, or refused)."""
    marked = list(kept)
    for i in reversed(range(len(marked))):
        claim = marked[i]
        following = marked[i + 1] if i + 1 < len(marked) else None
        leans = following is not None and following.cited == claim.cited
        if claim.cited and not leans and not _MARK.search(claim.text):
            text = claim.text
            for n in claim.cited:
                text = with_mark(text, n)
            marked[i] = Claim(text, claim.cited)
    return marked


def _held(term: str, sentence: str, support: str, question: str) -> bool:
    return term_held(term, support) or filled_in(term, sentence, support, question)


def _required(sentence: str, question: str, asked: set[str], products: str) -> list[str]:
    """The numbers and names of ``sentence`` that its passage must hold: all but those the
    question may use freely (see ``exempt``; ``asked.joined_names`` says when one is a name)."""
    return [t for t in names(sentence, question) if not exempt(t, asked, products, question)]


def _holder(passages: Sequence[Passage], question: str, asked: set[str], products: str) -> Holds:
    """The check that passages hold a sentence's numbers and names, as _unsupported asks."""

    def holds(claim: Claim, cited: Sequence[int]) -> bool:
        support = _as_cited(passages, cited)
        required = _required(claim.text, question, asked, products)
        return all(_held(t, claim.text, support, question) for t in required)

    return holds


def _as_cited(passages: Sequence[Passage], cited: Sequence[int]) -> str:
    """The cited passages as the reader sees them, each under its section heading: a name the
    heading holds ("2.1.1 加固 SSH 服务") is the passage's own, though its rows never repeat it."""
    return " ".join(f"{passages[n - 1].section} {passages[n - 1].text}" for n in cited)


def _unsupported(
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
    own = _own_names(claim, question, asked)
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
    share = word_support(claim, passages, question)
    if share is not None and share < min_word_support:
        return f"{FEW_WORDS} are in the cited passage ({share:.2f})"
    return ""
