"""Sentence-level grounding: every sentence shown is supported by the passages it cites.

A checked answer (valid citations only, see citations.py) is split into sentences. A sentence
is removed, with its reason, when
- it only says that the manuals do not cover something ("资料中没有具体要求", "is not mentioned"):
  that is a refusal, not an answer;
- it introduces a subject of the question that no passage names (see topic.py);
- a number, identifier or quoted name in it is in none of the passages it cites, or a range
  in it ("0 到 15") is not one they give (see ranges.py);
- written in the language of its passages, too few of its words are in them (a claim from
  outside the passages, "typically around $10,000", shares little wording with them);
- a judge (e.g. the same LLM, reading the cited passages) says they do not state it;
- it comes after the first shown sentence and cites only other manuals (see stray.py).
- it opens by pointing back at a sentence removed for what it claims (see referents.py).
What remains is renumbered [1], [2], … in order of first use; nothing left means the refusal,
and so does a removed lead (see lead.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from assistant.across import Similarity, all_nearer, far_across_languages
from assistant.asked import asked_terms, product_names
from assistant.citations import Citation
from assistant.claims import MARK as _MARK
from assistant.claims import Claim, claims_of, with_mark
from assistant.lead import NOT_STATED, REPEATS, decisive
from assistant.reasons import (
    BARE,
    FOLLOWS,
    NOT_A_STATEMENT,
    SAID,
    SILENT,
)
from assistant.recite import all_recited
from assistant.referents import REFERS, orphaned
from assistant.replies import affirms, asks_more, asks_yes_or_no, bare_reply
from assistant.retrieval import Passage
from assistant.second_look import Holds, second_look
from assistant.shown import renumbered
from assistant.stray import STRAYS, strayed
from assistant.unsupported import holder, own_names, unsupported
from assistant.verbatim import copies_a_line
from assistant.yes_no import Confirm, overturnable
from pagewise.text import squeeze


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
    holds = holder(passages, question, asked, products)
    claims = all_recited(claims_of(text), passages, holds, question, min_word_support)
    near = similarity if min_cross_support > 0 else None  # 0 turns both checks off
    moved = all_nearer(
        claims, passages, asked, near, min_cross_support, question, min_word_support, holds
    )
    for at, claim in enumerate(moved):
        plain = squeeze(_MARK.sub("", claim.text)).rstrip("。.")
        reason = (
            SAID
            if plain in said
            else unsupported(claim, passages, min_word_support, question, asked)
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
        kept, kept_at, rejected = _judged(
            judge, kept, kept_at, passages, holds, question, second_looks
        )
        removed += rejected
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
    answers_more = asks_more(question) and any(own_names(c, question, asked) for c in kept)
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


def _judged(
    judge: SupportJudge,
    kept: list[Claim],
    kept_at: list[int],
    passages: Sequence[Passage],
    holds: Holds,
    question: str,
    second_looks: bool,
) -> tuple[list[Claim], list[int], list[Removed]]:
    """``kept`` and their places less what ``judge`` says the passages do not state (a line
    copied from a passage stands; with ``second_looks``, see second_look.py), and those."""
    verdicts = [
        ok or copies_a_line(c, passages, question)
        for c, ok in zip(kept, judge.judge(kept), strict=True)
    ]
    if second_looks:
        kept, verdicts = second_look(judge.judge, kept, verdicts, passages, holds, question)
    rejected = [
        Removed(c.text, f"{judge.name}: {NOT_STATED}")
        for c, ok in zip(kept, verdicts, strict=True)
        if not ok
    ]
    places = [at for at, ok in zip(kept_at, verdicts, strict=True) if ok]
    return [c for c, ok in zip(kept, verdicts, strict=True) if ok], places, rejected


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
