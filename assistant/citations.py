"""Checking an answer's citations against the passages it was given.

A citation to a passage that was not given is dropped, and so is a page reference written out
in the answer ("《Secret Manual》第 99 页") that names no given passage's document and page: a
planted manual or a confused model must not make the answer point at a page nobody retrieved.
An answer left without a valid citation becomes the refusal: an uncited claim is not shown to
an employee. Whether each sentence is supported by what it cites is grounding.py's job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.prompt import citation_label, sheet_row_numbers, sheet_rows
from assistant.retrieval import Passage
from assistant.wording import term_held, without_notation
from pagewise.text import squeeze

# [1]  [1, 2]  [1][2]  【1】  ［1］
CITATION = re.compile(r"[\[【［]\s*(\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)\s*[\]】］]")
# A half-width "!", "?" or ";" written against code ("if(!(x >= 628))", "a != b", "?id=3",
# "i<n;i++") ends no sentence.
_SENTENCE_END = re.compile(
    r"(?<=[。！？；])"
    r"|(?<=[!?;])(?<![(=!<>&|][!?;])(?![A-Za-z0-9_(=!<>&|{.+*/-])"
    r"|(?<=[。！？!?.][\"”」])|(?<=[^.]\.)\s+(?![a-z])|(?<=\.\.)\s+(?![a-z\u4e00-\u9fff])|\n+"
)
# A full stop before a lower-case word ends no sentence: "Dinero Frontend... item", "e.g. the";
# nor does an ellipsis before a Chinese word ("Settings... 菜单项不可用。", a menu item's name).
# Code spans and Java wildcards, whose "?" or ";" ends no sentence, and quotations, whose full
# stops end the quoted text, not the sentence that quotes it: 'The banner reads "Authorized
# users only. All activities may be monitored and reported." [2]'.
_UNCUT = re.compile(r'`[^`\n]{1,80}`|<\?.|"[^"\n]{1,200}"|“[^”\n]{1,200}”|「[^」\n]{1,200}」')
# A list item's number ("做法： 1. 更新…", "\n2. Save…"): its full stop ends no sentence.
_ENUMERATOR = re.compile(r"(?:^|[\n：:。！？!?；;])\s*\d{1,2}\.$")
_QUOTED = re.compile(r"[“\"「『《]([^”\"」』》]{1,40})[”\"」』》]")
# Code the answer quotes (`systemctl get-default`) is a name the passage must hold as written.
CODE_SPAN = re.compile(r"`([^`\n]{1,80})`")
# Abbreviations written with dots (e.g., i.e.) are language, not identifiers.
_ABBREVIATION = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]?$")
# A number with the Chinese unit or measure word right after it ("90 天", "3 次") is checked
# with it: a bare "1" is on every page, "1 天" is not. Any other character after a number starts
# the next word ("SYSCALL 0 指令", "1 表示删除", "077 后", "3 或 4"): the number is checked alone.
_UNITS = (
    "个位次天日月年周秒分刻钟小时毫微纳兆字节行列页章条项种类层级倍元美万亿千百十号步段台组张份名人户"
    "点岁度米克核轮遍例批套件只根块篇句笔"
)
_NUMBER = re.compile(
    r"(?<![\w.])0[xX][0-9A-Fa-f]+(?![\w])|(?<![\w.])\d+(?:\.\d+)?"
    rf"(?:\s*[{_UNITS}])?(?![A-Za-z0-9_])",
    re.ASCII,  # a number glued to Chinese ("设置为90天") is read all the same
)
# ASCII word characters only: Chinese glued to a name ("OpenChain合作伙伴指的是…",
# "以security.service服务的形式运行") is not part of it, nor keeps it from being read
# ("使用HashMap").
_IDENTIFIER = re.compile(r"(?<![\w])[A-Za-z_][\w.]*(?:\(\))?", re.ASCII)
# An annotation (@Override, @Data) is a name of the code, however plain its word.
_ANNOTATION = re.compile(r"(?<![\w@])@[A-Za-z_]\w*", re.ASCII)
_LIST_MARKER = re.compile(r"^\s*(?:\d{1,2}[.、)）]|[(（]\d{1,2}[)）])\s*")
# A page reference written the way citation_label writes one: 《Title》第 13 页（印刷页 10/51）,
# 《Title》第 16–17 页, 《Title》 p. 99.
_WRITTEN_REFERENCE = re.compile(
    r"《(?P<title>[^《》\n]{1,120})》\s*"
    r"(?:第\s*(?P<first>\d{1,5})(?:\s*[–—~-]\s*(?P<last>\d{1,5}))?\s*页"
    r"|(?:p\.|pp\.|page|pages)\s*(?P<first_en>\d{1,5})(?:\s*[–—~-]\s*(?P<last_en>\d{1,5}))?)"
    r"(?:\s*[（(]印刷页[^）)\n]{0,20}[）)])?",
    re.IGNORECASE,
)


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
    rows: str = ""  # a worksheet's row span, "3–9"

    def as_json(self) -> dict[str, object]:
        return {
            "n": self.n,
            "doc": self.doc,
            "title": self.title,
            "page": self.page,
            "page_end": self.page_end,
            "page_label": self.page_label,
            "section": self.section,
            **({"rows": self.rows} if self.rows else {}),
        }


@dataclass
class CheckedAnswer:
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)  # citation numbers with no such passage
    # Written-out page references ("《Secret Manual》第 99 页") that no given passage matches.
    dropped_references: list[str] = field(default_factory=list)


def key_terms(sentence: str) -> set[str]:
    """Numbers, identifiers and quoted names: what a small model is most likely to invent."""
    text = _LIST_MARKER.sub("", CITATION.sub(" ", sentence))
    text = without_notation(text)
    # A call's parentheses are notation: `System.nanoTime()` is the manual's "System.nanoTime".
    code = {c.removesuffix("()") for c in CODE_SPAN.findall(text)}
    terms = set(_QUOTED.findall(text)) | code | set(_NUMBER.findall(text))
    terms |= set(_ANNOTATION.findall(text))
    for word in _IDENTIFIER.findall(text):
        # An English sentence's full stop is not part of its last word ("…a POJO class.").
        word = word.rstrip(".") if not word.endswith("()") else word
        if not word or _ABBREVIATION.match(word):
            continue
        # Plain words are language, not facts; names with digits, dots, underscores or inner
        # capitals (java.sql.Date, MAX_COUNT, HashMap, JBoss, SELinux) are identifiers a
        # passage must contain. An acronym's plural ("IDs", "URLs") is language.
        if re.search(r"[\d._]|[a-z][A-Z]|^[A-Z]{2,}(?:[a-z]{2,})?$", word) or word.endswith("()"):
            terms.add(word.removesuffix("()"))
    return {t for t in terms if t.strip()}


def is_refusal(answer: str, *refusals: str) -> bool:
    """Whether ``answer`` holds any of ``refusals`` (every language's: a small model told the
    English refusal may still reply with the Chinese one)."""
    squeezed = squeeze(answer)
    return any(squeeze(refusal).rstrip("。.") in squeezed for refusal in refusals)


def check_citations(
    answer: str,
    passages: Sequence[Passage],
    refusal: str,
    other_refusals: Sequence[str] = (),
    question: str = "",
) -> CheckedAnswer:
    """``refusal`` is the one given (in the question's language); a reply that is it or one of
    ``other_refusals`` is a refusal. ``question``'s own terms never decide a citation."""
    if not answer.strip() or is_refusal(answer, refusal, *other_refusals):
        return CheckedAnswer(refusal, refused=True)

    answer, forged = drop_written_references(answer, passages)
    dropped: list[int] = []
    used: list[int] = []

    def keep_valid(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        numbers = [n if 1 <= n <= len(passages) else _holder(n, passages) or n for n in numbers]
        valid = [n for n in numbers if 1 <= n <= len(passages)]
        dropped.extend(n for n in numbers if n not in valid)
        used.extend(n for n in valid if n not in used)
        return "".join(f"[{n}]" for n in valid)

    text = CITATION.sub(keep_valid, answer).strip()
    if not used:
        # No mark, or none on a given passage: each sentence cited by the terms it holds.
        unmarked = cite_unmarked(text, passages, question, by_wording=not forged)
        text = CITATION.sub(keep_valid, unmarked).strip()
    has_words = re.search(r"\w", CITATION.sub("", text)) is not None
    if not used or not has_words:
        return CheckedAnswer(refusal, refused=True, dropped=dropped, dropped_references=forged)

    citations = [make_citation(n, passages[n - 1]) for n in sorted(used)]
    return CheckedAnswer(
        text,
        refused=False,
        citations=citations,
        dropped=dropped,
        dropped_references=forged,
    )


def _holder(number: int, passages: Sequence[Passage]) -> int:
    """The one passage that a mark past the last passage means, else 0: the worksheet row or
    the page (slide) it numbers."""
    return _row_holder(number, passages) or _page_holder(number, passages)


def _page_holder(number: int, passages: Sequence[Passage]) -> int:
    """The one passage on page or slide ``number``, else 0: a small model cites the slide it
    read as if it were a passage ("…the 'Compliance Plan Supervision' section of the slide
    deck, which is numbered [7]." of passage 2, slide 7: holdout54)."""
    holders = [n for n, p in enumerate(passages, 1) if p.page <= number <= p.page_end]
    return holders[0] if len(holders) == 1 else 0


def _row_holder(number: int, passages: Sequence[Passage]) -> int:
    """The one passage that holds worksheet row ``number``, else 0: a small model cites the row
    it read as if it were a passage ("声誉风险 [5]." from "第 5 行：声誉风险…" of passage 1)."""
    holders = [n for n, p in enumerate(passages, 1) if number in sheet_row_numbers(p.text)]
    return holders[0] if len(holders) == 1 else 0


def cite_unmarked(
    answer: str, passages: Sequence[Passage], question: str = "", by_wording: bool = True
) -> str:
    """An answer written without any valid mark, each sentence cited to the first passage that
    holds all its numbers, identifiers and quoted names (small models often forget the marks
    when they copy a command, or cite a number they were not given). A sentence without such
    terms is cited to the passage it copies a long run of words from ("运行、关闭、重启、显示、
    启用/禁用系统服务"), unless ``by_wording`` is off: an answer that named a page nobody
    retrieved may be copying a planted page ("可以回答任何问题"). Otherwise it gets no mark:
    grounding lets it lean on its neighbour, and an answer left without any mark is still the
    refusal. Terms and runs the question holds are on many pages and cite nothing."""
    asked = {squeeze(t) for t in key_terms(question)}
    parts: list[str] = []
    for sentence in split_sentences(answer):
        terms = [t for t in key_terms(sentence) if squeeze(t) not in asked]
        holders = (n for n, p in enumerate(passages, 1) if all(term_held(k, p.text) for k in terms))
        holder = next(holders, 0) if terms else 0
        if not terms and by_wording:
            holder = _copied_from(sentence, passages, question)
        if holder:
            end = len(sentence.rstrip("。.！!？?；;"))
            sentence = f"{sentence[:end].rstrip()} [{holder}]{sentence[end:]}"
        if parts and parts[-1][-1:].isascii():
            parts.append(" ")
        parts.append(sentence)
    return "".join(parts)


# How long a run of a passage's wording an uncited sentence must copy to be cited to it, in
# Chinese characters; a Latin letter or digit counts a quarter (a short word is four letters).
_COPIED_RUN = 6.0


def _copied_from(sentence: str, passages: Sequence[Passage], question: str) -> int:
    """The passage ``sentence`` copies the longest run of wording from that is not the
    question's, if that run is long enough, else 0."""
    said = squeeze(sentence)
    asked = squeeze(question)
    best, holder = _COPIED_RUN, 0
    for n, passage in enumerate(passages, 1):
        run = _longest_run(said, squeeze(passage.text), asked)
        if run > best or (run == best and not holder):  # the first on a tie
            best, holder = run, n
    return holder


def weight(text: str) -> float:
    """How much wording ``text`` is: a Chinese character 1, a Latin letter or digit a quarter
    (about the share of a word)."""
    return sum(1.0 if ord(c) > 0x2E7F else 0.25 for c in text)


def _longest_run(said: str, text: str, asked: str) -> float:
    """The weight of the longest piece of ``said`` that ``text`` holds and ``asked`` does not."""
    longest = 0.0
    end = 0
    for start in range(len(said)):
        end = max(end, start)
        while end < len(said) and said[start : end + 1] in text:
            end += 1
        run = said[start:end]
        if run and run not in asked:
            longest = max(longest, weight(run))
    return longest


def drop_written_references(answer: str, passages: Sequence[Passage]) -> tuple[str, list[str]]:
    """The answer without written page references that match no given passage, and those."""
    forged: list[str] = []

    def keep_if_given(match: re.Match[str]) -> str:
        first = int(match["first"] or match["first_en"])
        last = int(match["last"] or match["last_en"] or first)
        title = squeeze(match["title"])
        if any(
            title in (squeeze(p.title), squeeze(p.doc)) and first <= p.page_end and last >= p.page
            for p in passages
        ):
            return match.group(0)
        forged.append(match.group(0))
        return ""

    return _WRITTEN_REFERENCE.sub(keep_if_given, answer), forged


def split_sentences(text: str) -> list[str]:
    """Sentences, each with the citations written right after its full stop ("…天。[1]")."""
    sentences: list[str] = []
    for piece in _pieces(text):
        # The space between a quotation and its mark is kept: 'reads "…." [2]'.
        quoted = bool(sentences) and sentences[-1][-1:] in ('"', "”")
        gap = " " if quoted and (piece or "")[:1] == " " else ""
        piece = (piece or "").strip()
        if not piece:
            continue
        leading = re.match(r"^(?:\[\d+\]\s*)+", piece)
        if leading and sentences:
            sentences[-1] += gap + leading.group(0).strip()
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
        rows=sheet_rows(passage.text) if passage.kind == "xlsx" else "",
    )


def _pieces(text: str) -> list[str]:
    """``text`` cut at its sentence ends, except those inside code ("`<? extends T>`" and a
    bare Java wildcard "<? super T>" are one name, not a question ending in "<?") or quotes."""
    inside = [m.span() for m in _UNCUT.finditer(text)]
    pieces: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        if any(a < end.start() < b for a, b in inside) or _ENUMERATOR.search(
            text[start : end.start()]
        ):
            continue
        pieces.append(text[start : end.start()])
        start = end.end()
    pieces.append(text[start:])
    return pieces
