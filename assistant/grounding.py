"""Sentence-level grounding: every sentence shown is supported by the passages it cites.

A checked answer (valid citations only, see citations.py) is split into sentences. A sentence
is removed, with its reason, when
- it only says that the manuals do not cover something ("资料中没有具体要求", "is not mentioned"):
  that is a refusal, not an answer;
- a number, identifier or quoted name in it is in none of the passages it cites;
- written in the language of its passages, too few of its words are in them (a claim from
  outside the passages, "typically around $10,000", shares little wording with them);
- a judge (e.g. the same LLM, reading the cited passages) says they do not state it.
What remains is renumbered [1], [2], … in order of first use; nothing left means the refusal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from assistant.citations import Citation, key_terms, make_citation, split_sentences
from assistant.retrieval import Passage
from pagewise.keywords import keyword_tokens, mostly_chinese, partly_chinese, subject_terms
from pagewise.text import squeeze

_MARK = re.compile(r"\[(\d+)\]")
# Sentences that report the manuals' silence instead of an answer.
_NON_ANSWER = re.compile(
    r"(?:资料|文档|手册|材料|上述|以上)[^。！？]{0,12}(?:没有|未|并未|无)[^。！？]{0,6}"
    r"(?:提及|提到|说明|涉及|规定|给出|包含|记载|相关|具体|明确)"
    r"|(?:没有|未|并未)(?:具体|明确)?(?:提及|提到|说明|涉及|给出|记载)"
    r"|没有(?:具体|明确)(?:的)?(?:要求|规定|说明|数字|数值)"
    r"|无法(?:从|根据)(?:资料|文档|手册)|无法回答"
    r"|\b(?:passages?|manuals?|documents?|texts?|materials?|sources?|guides?|context"
    r"|information)\s+(?:\[\d+\]\s*)?(?:does not|doesn't|do not|don't|did not)\s+(?:\w+\s+){0,2}"
    r"(?:mention|specify|state|say|cover|provide|include|contain|describe|list)"
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


@dataclass(frozen=True)
class Claim:
    """One sentence of an answer and the passages it rests on (1-based numbers)."""

    text: str
    cited: tuple[int, ...]


class Similarity(Protocol):
    """How close in meaning a sentence is to a text, -1 to 1 (e.g. the embedder's cosine)."""

    def __call__(self, sentence: str, text: str) -> float: ...


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


def claims_of(text: str) -> list[Claim]:
    """Sentences with the passages each cites; a sentence without a mark leans on the next
    cited sentence (or, at the end, the one before): "不可以。原因是… [1]"."""
    text = _SOURCE_FIRST.sub(_source_last, text)
    sentences = [
        _REPEATED_MARK.sub(r"\1", _mark_inside(s))
        for s in split_sentences(_ECHOED_RULE.sub(" ", text))
    ]
    for i in range(1, len(sentences)):
        # "X. This setting is recommended in [1]." and "X. , [2], [3]": the pointer or the
        # bare marks are removed, X keeps the marks.
        pointer = _POINTER.search(sentences[i]) or not re.search(r"\w", _MARK.sub("", sentences[i]))
        if pointer and not _MARK.search(sentences[i - 1]):
            for n in dict.fromkeys(_MARK.findall(sentences[i])):
                sentences[i - 1] = _with_mark(sentences[i - 1], int(n))
    marks = [tuple(dict.fromkeys(int(n) for n in _MARK.findall(s))) for s in sentences]
    claims = []
    for i, sentence in enumerate(sentences):
        cited = marks[i]
        if not cited:
            following = [m for m in marks[i + 1 :] if m]
            preceding = [m for m in marks[:i] if m]
            cited = following[0] if following else (preceding[-1] if preceding else ())
        claims.append(Claim(sentence, cited))
    return claims


# Small models echo the citation rule: "…字节。依据的资料编号为 [1]。"
_ECHOED_RULE = re.compile(
    r"[，,。]?\s*(?:依据|根据)的?资料(?:编号)?(?:为|是)?\s*[:：]?\s*(?=\[\d+\])"
    r"|[.,]?\s*(?:Source|Reference)s?\s*[:：]\s*(?=\[\d+\])",
    re.IGNORECASE,
)
# "根据资料 [1]，X。" / "According to [2], X." : the source named first is cited last.
_SOURCE_FIRST = re.compile(
    r"(?:(?:根据|依据|按照|参考)(?:的)?(?:资料|文档|手册|材料)?|(?<![\w])(?:According to|Based on"
    r"|As (?:stated|described|mentioned|shown) in)(?:\s+the)?(?:\s+(?:passages?|sources?"
    r"|materials?|manual|documents?|text))?)\s*"
    r"(?P<marks>\[\d+\](?:\s*(?:[和与及、,，]|and)?\s*\[\d+\])*)\s*"
    r"(?:中|所述|的(?:内容|说明|描述|信息|规定))?\s*[，,:：]\s*"
    r"(?P<body>[^。！？!?\n]*?[^。！？!?\n.])(?P<end>[。！？!?]|\.(?=\s|$)|\n|$)",
    re.IGNORECASE,
)
# Sentences that only point at their source ("The passage [1] provides the details.", "This
# setting is recommended in [1].", "依据的资料是资料 [2]，其中提到…"): they state nothing.
_POINTER = re.compile(
    r"^\W*(?:(?:依据|根据|参考|参见|详见)的?(?:资料|文档|手册|材料)(?:编号)?(?:为|是|见|：|:)?"
    r"|(?:以上|上述)?(?:信息|内容|说明)?(?:来自|出自)(?:资料)?\s*\["
    r"|(?:the|this|that)\s+(?:passage|source|manual|document|text|material)s?\s*(?:\[\d+\]\s*)?"
    r"(?:provides|gives|contains|describes|explains|states|mentions|lists|covers|says|shows)\b"
    r"|(?:this|that|it|these|the above)\b[^.\n]{0,40}?\b(?:is|are)\s+(?:\w+\s+)?"
    r"(?:stated|specified|recommended|mentioned|described|explained|documented|listed|found"
    r"|given|covered|shown)\s+(?:in|by)\s+(?:the\s+)?(?:(?:passage|source|manual|document"
    r"|material)s?\s*)?\[)",
    re.IGNORECASE,
)


def _source_last(match: re.Match[str]) -> str:
    body = match["body"].strip()
    cited = set(_MARK.findall(body))  # "根据资料 [1]，X [1]。" cites [1] once
    numbers = dict.fromkeys(n for n in re.findall(r"\d+", match["marks"]) if n not in cited)
    marks = "".join(f"[{n}]" for n in numbers)
    body = f"{body[:1].upper()}{body[1:]}"
    return f"{body} {marks}{match['end']}" if marks else f"{body}{match['end']}"


_REPEATED_MARK = re.compile(r"(\[\d+\])(?:\s*\1)+")  # "…年 [1] [1]。" reads "…年 [1]。"
_MARKS_AFTER_STOP = re.compile(r"^(.*?[^\s])\s*([。.！!？?；;])\s*((?:\[\d+\])+)$", re.DOTALL)


def _mark_inside(sentence: str) -> str:
    """ "…end.[1]" and "…天。[1]" read as "…end [1]." and "…天 [1]。"."""
    match = _MARKS_AFTER_STOP.match(sentence)
    return f"{match[1]} {match[3]}{match[2]}" if match else sentence


def word_support(claim: Claim, passages: Sequence[Passage], question: str = "") -> float | None:
    """Share of the claim's new subject terms (those the question does not already use) found
    in its passages; None across languages, where wording cannot be compared, or when the
    claim adds no term of its own."""
    support = " ".join(passages[n - 1].text for n in claim.cited)
    sentence = _MARK.sub(" ", claim.text)
    if mostly_chinese(sentence) != partly_chinese(support):
        return None
    wanted = subject_terms(sentence) - subject_terms(question)
    if not wanted:
        return None
    present = set(keyword_tokens(support))
    return sum(1 for term in wanted if term in present) / len(wanted)


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
) -> Grounded:
    """Keep the supported sentences of ``text`` (valid [n] marks only) and renumber them.

    Numbers and names the question itself uses need not be in the passages: repeating the
    product name or the year the user asked about invents nothing. With ``lead_decides``, an
    answer whose first statement (the direct answer the prompt asks for) is unsupported is the
    refusal: what follows it explains or elaborates an answer that could not be verified
    ("…randomize_va_space to 1. This ensures that …"). A sentence in another language than
    its passages, with no number or name of its own to check, needs ``min_cross_support`` of
    ``similarity`` to them: wording cannot be compared across languages, and the small judge
    passes what the passage does not say ("模拟器会将文件描述符设置为标准输入")."""
    asked = {squeeze(t) for t in key_terms(question)}
    kept: list[Claim] = []
    removed: list[Removed] = []
    lead: Claim | None = None
    for claim in claims_of(text):
        claim = _recited(claim, passages, asked)
        reason = _unsupported(claim, passages, min_word_support, question, asked) or (
            _far_across_languages(claim, passages, asked, similarity, min_cross_support)
        )
        if lead is None and reason not in _NOT_A_STATEMENT:
            lead = claim
        if reason:
            removed.append(Removed(claim.text, reason))
        else:
            kept.append(claim)
    if judge is not None and kept:
        verdicts = judge.judge(kept)
        removed += [
            Removed(c.text, f"{judge.name}: not stated in the cited passages")
            for c, ok in zip(kept, verdicts, strict=True)
            if not ok
        ]
        kept = [c for c, ok in zip(kept, verdicts, strict=True) if ok]
    if lead_decides and lead is not None and _decisive(lead, removed):
        unverified = [Removed(c.text, "follows an unsupported answer") for c in kept]
        return Grounded(refusal, refused=True, removed=removed + unverified)
    if not any(_MARK.search(c.text) for c in kept):
        return Grounded(refusal, refused=True, removed=removed)
    return _renumbered(kept, passages, removed)


def _decisive(lead: Claim, removed: Sequence[Removed]) -> bool:
    """Whether the direct answer was removed as invented, contradicted or a non-answer (a lead
    with merely few words of its passage may be a preamble: "The #include command is useful
    for …")."""
    reason = next((r.reason for r in removed if r.sentence == lead.text), "")
    return bool(reason) and not reason.startswith(_FEW_WORDS)


_FEW_WORDS = "few of its words"
_SAYS_NOTHING = "says nothing"
_POINTS = "only points at its source"
# Removal reasons of sentences that make no statement: they never stand for the answer.
_NOT_A_STATEMENT = (_SAYS_NOTHING, _POINTS)


def _recited(claim: Claim, passages: Sequence[Passage], asked: set[str]) -> Claim:
    """A sentence whose numbers and names are not in the passage it cites but all in one other
    given passage is cited to that passage: small models often cite the neighbour."""
    terms = [t for t in map(squeeze, key_terms(claim.text)) if t not in asked]
    if not terms or not claim.cited or _holds(terms, passages, claim.cited):
        return claim
    for n in range(1, len(passages) + 1):
        if _holds(terms, passages, (n,)):
            text = _MARK.sub("", claim.text).rstrip()
            return Claim(_with_mark(text, n), (n,))
    return claim


def _holds(terms: Sequence[str], passages: Sequence[Passage], cited: Sequence[int]) -> bool:
    support = squeeze(" ".join(passages[n - 1].text for n in cited))
    return all(t in support for t in terms)


def _with_mark(sentence: str, n: int) -> str:
    """The mark goes before the sentence's closing punctuation, as the model writes it."""
    end = len(sentence.rstrip("。.！!？?；;"))
    if end and sentence[end - 1] == "]":  # "… [1]." gets "… [1][2]."
        return f"{sentence[:end]}[{n}]{sentence[end:]}"
    return f"{sentence[:end].rstrip()} [{n}]{sentence[end:]}"


def _unsupported(
    claim: Claim,
    passages: Sequence[Passage],
    min_word_support: float,
    question: str,
    asked: set[str],
) -> str:
    """Why ``claim`` cannot be shown, or "" (``asked``: the question's own key terms)."""
    if _NON_ANSWER.search(claim.text):
        return "says the manuals do not cover it"
    if _POINTER.search(claim.text):
        return _POINTS
    if not re.search(r"\w", _MARK.sub("", claim.text)):
        return _SAYS_NOTHING
    if not claim.cited:
        return "cites no passage"
    support = squeeze(" ".join(passages[n - 1].text for n in claim.cited))
    missing = sorted(
        t for t in key_terms(claim.text) if squeeze(t) not in support and squeeze(t) not in asked
    )
    if missing:
        return "not in the cited passage: " + ", ".join(missing)
    share = word_support(claim, passages, question)
    if share is not None and share < min_word_support:
        return f"{_FEW_WORDS} are in the cited passage ({share:.2f})"
    return ""


def _far_across_languages(
    claim: Claim,
    passages: Sequence[Passage],
    asked: set[str],
    similarity: Similarity | None,
    minimum: float,
) -> str:
    """Why a claim written in another language than its passages is too far from them in
    meaning, or "" (also when it holds a number or name of its own: those were checked)."""
    if similarity is None or minimum <= 0 or not claim.cited:
        return ""
    support = "\n".join(passages[n - 1].text for n in claim.cited)
    sentence = _MARK.sub(" ", claim.text).strip()
    if mostly_chinese(sentence) == partly_chinese(support):
        return ""
    if any(squeeze(t) not in asked for t in key_terms(sentence)):
        return ""
    share = similarity(sentence, support)
    if share < minimum:
        return f"across languages, far in meaning from the cited passage ({share:.2f})"
    return ""


def _renumbered(
    kept: Sequence[Claim], passages: Sequence[Passage], removed: list[Removed]
) -> Grounded:
    order: dict[int, int] = {}
    for claim in kept:
        for n in _MARK.findall(claim.text):
            order.setdefault(int(n), len(order) + 1)
    joined = _join(c.text for c in kept)
    text = _MARK.sub(lambda m: f"[{order[int(m.group(1))]}]", joined)
    citations = [
        make_citation(new, passages[old - 1])
        for old, new in sorted(order.items(), key=lambda i: i[1])
    ]
    return Grounded(text, refused=False, citations=citations, removed=removed)


def _join(sentences: Iterable[str]) -> str:
    parts: list[str] = []
    for sentence in sentences:
        # Chinese sentences run on after their full stop; English ones need a space.
        if parts and parts[-1][-1:].isascii():
            parts.append(" ")
        parts.append(sentence)
    return "".join(parts)
