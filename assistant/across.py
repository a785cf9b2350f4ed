"""Sentences written in another language than the passages they cite.

Wording cannot be compared across languages, so such a sentence with no number or name of its
own is measured by its similarity in meaning to its passages (e.g. the embedder's cosine): it is
cited to a passage much closer to it than the one it names, and removed when even its passage is
far from it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from assistant.asked import names, product_names, writes_word
from assistant.claims import MARK as _MARK
from assistant.claims import Claim, with_mark
from assistant.replies import bare_reply
from assistant.retrieval import Passage
from assistant.second_look import Holds
from assistant.wording import copied, same_language, word_share
from pagewise.embedder import Embedder
from pagewise.keywords import partly_chinese, written_in_chinese
from pagewise.text import squeeze

FAR = "across languages, far in meaning"


class Cosine:
    """The embedder's cosine (Chinese and English share one space), each text embedded once per
    answer: a sentence is compared with every passage, and a passage with many sentences."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.vectors: dict[str, list[float]] = {}

    def __call__(self, sentence: str, text: str) -> float:
        new = list(dict.fromkeys(t for t in (sentence, text) if t not in self.vectors))
        if new:
            self.vectors.update(zip(new, self.embedder.embed(new), strict=True))
        first, second = self.vectors[sentence], self.vectors[text]
        return sum(a * b for a, b in zip(first, second, strict=True))


class Similarity(Protocol):
    """How close in meaning a sentence is to a text, -1 to 1 (e.g. the embedder's cosine)."""

    def __call__(self, sentence: str, text: str) -> float: ...


# How much closer in meaning another passage must be for a sentence to move to it.
_CLOSER = 0.2


def nearer(
    claim: Claim,
    passages: Sequence[Passage],
    asked: set[str],
    similarity: Similarity | None,
    minimum: float = 0.0,
    question: str = "",
    min_word_support: float = 0.0,
    lead: bool = False,
    holds: Holds | None = None,
) -> Claim:
    """A sentence with no number or name of its own (those move it, see _recited), citing one
    passage, cited instead to a given passage in another language that is much closer in
    meaning ("…satisfying … license obligations [2]" translates passage 1), or, where its own
    passage cannot support it (far in meaning from it, or, in its language, holding few of its
    words) and it is the answer's ``lead``, to the nearest passage close enough (``minimum``):
    small models cite a neighbour for the direct answer ("…最多可以使用一个标签 [3]" translates
    passage 1; "A service program may fork twice [2]" cites a list of services and translates
    passage 1). A later sentence far from its passage is mostly the model's own elaboration:
    moved, it would be shown with a page that does not say it either. A sentence its passage
    holds the names of (``holds``: the check of numbers and names) moves only to a passage
    that holds them too: "…用 O_TRUNC 标志打开文件时…会在文件被打开时被删除 [1]" translates the
    flag list of passage 1 line by line, and passage 3, nearer to it as a whole, never names
    O_TRUNC (holdout79)."""
    if similarity is None or len(claim.cited) != 1:
        return claim
    sentence = _MARK.sub(" ", claim.text).strip()
    own = passages[claim.cited[0] - 1].text
    across = _compared_by_meaning(sentence, own, asked)
    if not across and not (lead and _few_words(sentence, own, question, min_word_support)):
        return claim
    cited = claim.cited[0]
    named = holds is not None and holds(claim, claim.cited)
    others = {
        n: similarity(sentence, p.text)
        for n, p in enumerate(passages, 1)
        # In its own language, the passages holding its words were tried (see _recited).
        if n != cited
        and (across or _compared_by_meaning(sentence, p.text, asked))
        and (not named or (holds is not None and holds(claim, (n,))))
    }
    if not others:
        return claim
    best = max(others, key=lambda n: (others[n], -n))
    if across:
        mine = similarity(sentence, own)
        closer = others[best] - mine >= _CLOSER
        if not (closer or (lead and mine < minimum <= others[best])):
            return claim
    elif others[best] < minimum:
        return claim
    return Claim(with_mark(_MARK.sub("", claim.text).rstrip(), best), (best,))


def all_nearer(
    claims: Sequence[Claim],
    passages: Sequence[Passage],
    asked: set[str],
    similarity: Similarity | None,
    minimum: float,
    question: str,
    min_word_support: float,
    holds: Holds | None = None,
) -> list[Claim]:
    """Each claim re-cited as :func:`nearer` does, the first one as the answer's lead."""
    return [
        nearer(c, passages, asked, similarity, minimum, question, min_word_support, i == 0, holds)
        for i, c in enumerate(claims)
    ]


def _few_words(sentence: str, support: str, question: str, minimum: float) -> bool:
    share = word_share(sentence, support, question)
    return share is not None and share < minimum


def far_across_languages(
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
    if not _compared_by_meaning(sentence, support, asked):
        return ""
    share = similarity(sentence, support)
    if share >= minimum or _translates_a_line(sentence, support, similarity):
        return ""
    products = product_names([passages[n - 1] for n in claim.cited])
    if _translates_a_named_line(sentence, support, asked, products, similarity, minimum):
        return ""
    return f"{FAR} from the cited passage ({share:.2f})"


# A sentence this close to one line of its passage translates that line: a long passage (a
# slide, a table) is far from any one of its lines as a whole. "Downstream recipients start
# with lower effort compared to upstream compliance work" is 0.33 from its slide and 0.72 from
# "下游接收者在较低的努力起点开始合规性工作" (holdout56). On holdout53-56 no sentence of a
# near-domain answer, nor a wrong one, came closer than 0.55 to a line of its passage.
LINE_TRANSLATION = 0.6
_LINE = re.compile(r"(?<=[。！？；.!?;])\s+|(?<=[。！？；])|\n+|\s\|\s")
# Shorter lines are labels and cells ("类别: RT"): close to many a sentence, they translate none.
_LINE_CHARS = 6


def _lines(support: str) -> set[str]:
    """The passage's lines long enough to be translated, each as it is embedded (the embedder's
    cache then serves both line measures)."""
    return {line.strip() for line in _LINE.split(support) if len(squeeze(line)) >= _LINE_CHARS}


def _translates_a_line(sentence: str, support: str, similarity: Similarity) -> bool:
    return any(similarity(sentence, line) >= LINE_TRANSLATION for line in _lines(support))


# A capitalized word inside an English sentence (not its first word): a name, when a Chinese
# passage writes it as it is ("Moorcrofts", "Orcro").
_CAPITALIZED = re.compile(r"(?<=\s)[A-Z][A-Za-z]{2,}\b")


def _translates_a_named_line(
    sentence: str,
    support: str,
    asked: set[str],
    products: str,
    similarity: Similarity,
    minimum: float,
) -> bool:
    """Whether the sentence names what a line of its passage in the other language writes in
    Latin letters, and is as close to that line as a sentence must be to its passage: a long
    passage is far from any one of its lines. "The customer should contact Moorcrofts or Orcro
    for help with the unofficial licence examples…" is 0.2 from the long workbook passage and
    0.46 from its line "…请联系英国的 Moorcrofts 或 Orcro。" (holdout81); "…用 O_TRUNC 标志打开
    文件时，文件原有的内容会在文件被打开时被删除" is 0.32 from its page and 0.43 from "• O_TRUNC
    (0x08) In write mode, deletes the content of the file as soon as it is opened." (holdout79),
    while "是的，ADDU 指令…如果 overflow 了，会 trap" is 0.25 from the ADDU line that says no
    overflow occurs. The cited manuals' titles and file names (``products``) are in many a
    line, and name none."""
    wanted = {w for w in _line_names(sentence, support, asked) if squeeze(w) not in products}
    named = [line for line in _lines(support) if any(writes_word(line, squeeze(w)) for w in wanted)]
    return any(similarity(sentence, line) >= minimum for line in named)


def _line_names(sentence: str, support: str, asked: set[str]) -> set[str]:
    """The Latin names of ``sentence`` that a line of ``support``, in the other language, may
    write: in a Chinese sentence, its names (those the question names: it has no others, or
    it would not be measured by meaning); in an English one, its capitalized words beyond
    the question's, which a Chinese line writes only as names."""
    if written_in_chinese(sentence) and not partly_chinese(support):
        return {w for w in names(sentence, "") if re.search("[A-Za-z]", w)}
    if not written_in_chinese(sentence) and partly_chinese(support):
        return {w for w in _CAPITALIZED.findall(sentence) if squeeze(w) not in asked}
    return set()


# Shorter than this, a quote proves nothing: "No" is inside "nologin".
_QUOTE_CHARS = 6


def quotes(sentence: str, support: str) -> bool:
    """Whether the whole sentence is a piece of the passage, word for word: "Content-Type [1]"
    for a Chinese passage that writes "Content-Type" is the manual's own term, not a
    translation to compare by meaning."""
    piece = squeeze(sentence).rstrip("。.")
    return len(piece) >= _QUOTE_CHARS and piece in squeeze(support)


def _compared_by_meaning(sentence: str, support: str, asked: set[str]) -> bool:
    """Whether ``sentence`` is in another language than ``support`` and has no number or name
    of its own (beyond the question's): nothing else can be checked of it there."""
    if same_language(sentence, support) or copied(sentence, support) or quotes(sentence, support):
        return False
    if bare_reply(sentence):
        return False  # "是的 [1]。" has no meaning of its own to compare; what follows has
    return all(squeeze(t) in asked for t in names(sentence, ""))


# A phrase in quotation marks, as the passage writes one: “事务一致性”, "transaction consistency".
_QUOTED_PHRASE = re.compile(r"[“\"「『]([^”\"」』]{1,40})[”\"」』]")
# A plain phrase of one language: Chinese characters only, or lowercase English words.
_CHINESE_PHRASE = re.compile(r"[\u4e00-\u9fff]+")
_ENGLISH_PHRASE = re.compile(r"[a-z]+(?:[ -][a-z]+)*")


def translates_a_quote(term: str, sentence: str, support: str) -> bool:
    """Whether ``term``, a phrase that ``sentence`` quotes, is its translation of a phrase the
    passage quotes in the other language: "…maintains a "transaction consistency" concept"
    for the Chinese passage's “事务一致性” (holdout81). It is language, not a name the passage
    must hold; the sentence's meaning is still measured across languages. A quoted name
    (capitals, digits, code) is never a translation."""
    phrase = term.strip()
    if f'"{phrase}"' not in sentence and f"“{phrase}”" not in sentence:
        return False
    if _ENGLISH_PHRASE.fullmatch(phrase):
        other = _CHINESE_PHRASE
    elif _CHINESE_PHRASE.fullmatch(phrase):
        other = _ENGLISH_PHRASE
    else:
        return False
    if same_language(sentence, support):
        return False
    return any(other.fullmatch(q.strip()) for q in _QUOTED_PHRASE.findall(support))
