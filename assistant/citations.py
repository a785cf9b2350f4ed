"""Checking an answer's citations against the passages it was given.

A citation to a passage that was not given is dropped. A sentence whose key terms (numbers,
identifiers, quoted names) appear in none of the passages it cites is flagged. An answer left
without a valid citation becomes the refusal: an uncited claim is not shown to an employee.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.prompt import citation_label
from assistant.retrieval import Passage

# [1]  [1, 2]  [1][2]  【1】  ［1］
_CITATION = re.compile(r"[\[【［]\s*(\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)\s*[\]】］]")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=\.)\s+|\n+")
_QUOTED = re.compile(r"[“\"「『《]([^”\"」』》]{1,40})[”\"」』》]")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w])")
_IDENTIFIER = re.compile(r"[A-Za-z_][\w.]*(?:\(\))?")
_LIST_MARKER = re.compile(r"^\s*(?:\d{1,2}[.、)）]|[(（]\d{1,2}[)）])\s*")


@dataclass(frozen=True)
class Citation:
    n: int
    doc: str
    title: str
    page: int
    page_end: int
    page_label: str
    section: str
    doc_id: str
    chunk_id: str
    label: str

    def as_json(self) -> dict[str, object]:
        return {
            "n": self.n,
            "doc": self.doc,
            "title": self.title,
            "page": self.page,
            "page_end": self.page_end,
            "page_label": self.page_label,
            "section": self.section,
        }


@dataclass
class CheckedAnswer:
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)  # citation numbers with no such passage
    flagged: list[str] = field(default_factory=list)  # sentences whose key terms are unsupported


def _normalise(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def key_terms(sentence: str) -> set[str]:
    """Numbers, identifiers and quoted names: what a small model is most likely to invent."""
    text = _LIST_MARKER.sub("", _CITATION.sub(" ", sentence))
    terms = set(_QUOTED.findall(text)) | set(_NUMBER.findall(text))
    for word in _IDENTIFIER.findall(text):
        # Plain words are language, not facts; names with digits, dots, underscores or inner
        # capitals (java.sql.Date, MAX_COUNT, HashMap) are identifiers a passage must contain.
        if re.search(r"[\d._]|[a-z][A-Z]|^[A-Z]{2,}$", word) or word.endswith("()"):
            terms.add(word.removesuffix("()"))
    return {t for t in terms if t.strip()}


def is_refusal(answer: str, refusal: str) -> bool:
    return _normalise(refusal).rstrip("。.") in _normalise(answer)


def check_citations(answer: str, passages: Sequence[Passage], refusal: str) -> CheckedAnswer:
    if not answer.strip() or is_refusal(answer, refusal):
        return CheckedAnswer(refusal, refused=True)

    dropped: list[int] = []
    used: list[int] = []

    def keep_valid(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        valid = [n for n in numbers if 1 <= n <= len(passages)]
        dropped.extend(n for n in numbers if n not in valid)
        used.extend(n for n in valid if n not in used)
        return "".join(f"[{n}]" for n in valid)

    text = _CITATION.sub(keep_valid, answer).strip()
    has_words = re.search(r"\w", _CITATION.sub("", text)) is not None
    if not used or not has_words:
        return CheckedAnswer(refusal, refused=True, dropped=dropped)

    flagged = []
    for sentence in _sentences(text):
        cited = [int(n) for n in re.findall(r"\[(\d+)\]", sentence)]
        if not cited:
            continue
        support = _normalise(" ".join(passages[n - 1].text for n in cited))
        missing = [t for t in key_terms(sentence) if _normalise(t) not in support]
        if missing:
            flagged.append(sentence)

    citations = [make_citation(n, passages[n - 1]) for n in sorted(used)]
    return CheckedAnswer(text, refused=False, citations=citations, dropped=dropped, flagged=flagged)


def _sentences(text: str) -> list[str]:
    """Sentences, each with the citations written right after its full stop ("…天。[1]")."""
    sentences: list[str] = []
    for piece in _SENTENCE_END.split(text):
        piece = (piece or "").strip()
        if not piece:
            continue
        leading = re.match(r"^(?:\[\d+\]\s*)+", piece)
        if leading and sentences:
            sentences[-1] += leading.group(0).strip()
            piece = piece[leading.end() :].strip()
        if piece:
            sentences.append(piece)
    return sentences


def make_citation(n: int, passage: Passage) -> Citation:
    return Citation(
        n=n,
        doc=passage.doc,
        title=passage.title,
        page=passage.page,
        page_end=passage.page_end,
        page_label=passage.page_label,
        section=passage.section,
        doc_id=passage.doc_id,
        chunk_id=passage.chunk_id,
        label=citation_label(passage),
    )
