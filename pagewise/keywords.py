"""Tokens for the keyword (BM25) index: Latin words (English ones stemmed, see
:func:`search_terms`), and character bigrams for Chinese.

Character bigrams need no dictionary and find technical terms that a word segmenter may split
differently in the question and in the manual.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

from pagewise.text import fold

# The Han characters, as a regex character range (CJK ideographs, extension A, compatibility).
CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{CJK}]+|[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")
_IS_CJK = re.compile(rf"[{CJK}]")
# An identifier or a word: "java.sql.Date", "e.printStackTrace", "usr-security.conf" count once.
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:[.\-][A-Za-z0-9_]+)*")


def keyword_tokens(text: str) -> list[str]:
    """Lower-cased words and CJK bigrams (single CJK characters stand alone)."""
    text = fold(text)
    tokens: list[str] = []
    for match in _TOKEN.finditer(text):
        run = match.group(0)
        if _IS_CJK.match(run):
            if len(run) == 1:
                tokens.append(run)
            else:
                tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            # "java.sql.Date" is found by the whole name and by each of its parts.
            parts = run.split(".")
            tokens.extend(parts)
            if len(parts) > 1:
                tokens.append(run)
    return tokens


_PLAIN_WORD = re.compile(r"[a-z]+")


_stemmers = threading.local()  # a Snowball stemmer keeps its word in itself while it works


def _english() -> Any:
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        import snowballstemmer

        stemmer = _stemmers.english = snowballstemmer.stemmer("english")
    return stemmer


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A lower-case English word without its inflection (Snowball's English stemmer), so that
    "registers" finds "register" and "subtracted" finds "subtracts" in the keyword index;
    anything but plain letters (a name like java.sql.date or max_count, a number, Chinese) is
    kept as it is. The manuals' words and the question's both go through it, so they need to
    agree, not to be words ("stored", "storing" and "stores" all read "store")."""
    if len(word) <= 3 or not _PLAIN_WORD.fullmatch(word):
        return word
    return str(_english().stemWord(word))


def search_terms(text: str) -> list[str]:
    """The keyword index's terms of a chunk: :func:`keyword_tokens` with English words
    stemmed, and each word of a name joined by "_" besides the name: a user asks about
    "faillock" where the manual configures ``pam_faillock.so`` (holdout72), or about "unlock
    time" for ``unlock_time``. A question's terms (:func:`query_terms`) keep such a name
    whole, which the index holds too."""
    terms: list[str] = []
    for token in keyword_tokens(text):
        terms.append(stem(token))
        # A dotted name's parts are tokens of their own already.
        if "_" in token and "." not in token:
            terms.extend(stem(part) for part in token.split("_") if part)
    return terms


# Words that every question has and that say nothing about its subject.
QUESTION_WORDS = [
    "为什么",
    "能不能",
    "要不要",
    "有没有",
    "什么",
    "怎么",
    "怎样",
    "应该",
    "可以",
    "是否",
    "需要",
    "哪些",
    "哪个",
    "如何",
    "多少",
    "请问",
    "如果",
    "假如",
    "万一",
    "公司",
    "我们",
    "一个",
    "这个",
    "那个",
    "时候",
    "分别",
    "具体",
    "一般",
    "规定",
    "要求",
    "的",
    "了",
    "吗",
    "呢",
    "是",
    "在",
    "有",
    "和",
    "与",
    "或",
    "几",
]
_ENGLISH_STOPWORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "is",
        "are",
        "do",
        "does",
        "did",
        "what",
        "how",
        "should",
        "can",
        "could",
        "i",
        "we",
        "you",
        "to",
        "of",
        "in",
        "for",
        "be",
        "it",
        "my",
        "on",
        "with",
        "our",
        "as",
        "and",
        "or",
        "when",
        "which",
        "who",
        "why",
        "there",
        "any",
        "need",
        "must",
        "use",
        "using",
    ]
)


def chinese_share(text: str) -> float:
    """Share of the letters that are Chinese characters (0.0 for text without letters)."""
    letters = [ch for ch in text if ch.isalpha()]
    return sum(1 for ch in letters if _IS_CJK.match(ch)) / len(letters) if letters else 0.0


def mostly_chinese(text: str) -> bool:
    return chinese_share(text) >= 0.5


def question_language(text: str) -> str:
    """The language a person wrote ``text`` in, "zh" or "en". Chinese characters are counted
    against Latin *words*, not letters: "ArrayList 的 subList 有什么要注意的？" is a Chinese
    question although most of its letters are Latin. Text without either is "zh", the
    employees' language."""
    chinese, words = _scripts(text)
    return "zh" if chinese >= words else "en"


def _scripts(text: str) -> tuple[int, int]:
    """Its Chinese characters and its Latin words (an identifier is one word, however long)."""
    return len(_IS_CJK.findall(text)), len(_LATIN_WORD.findall(text))


def written_in_chinese(sentence: str) -> bool:
    """Whether a sentence is Chinese prose, its Chinese characters counted against its Latin
    words, as :func:`question_language` does: "这个 unit 封装的是守护进程 Avahi（avahi.service）"
    is Chinese although most of its letters are Latin."""
    chinese, words = _scripts(sentence)
    return chinese > 0 and chinese >= words


def partly_chinese(text: str) -> bool:
    """Chinese enough that its wording can be compared with a Chinese question or sentence
    (manuals mix in English identifiers, commands and quoted text)."""
    return chinese_share(text) >= 0.2


def subject_terms(question: str, gap: str = " ") -> set[str]:
    """The question's terms once question words are cut out ("公司的年假有几天" -> 年假, 天),
    each replaced by ``gap`` ("" joins what stood around it: "运行哪个预处理器" -> 行预)."""
    text = fold(question)
    for word in QUESTION_WORDS:
        text = text.replace(word, gap)
    return {
        t
        for t in keyword_tokens(text)
        if t not in _ENGLISH_STOPWORDS and not (len(t) == 1 and _IS_CJK.match(t))
    }


def query_terms(question: str) -> list[str]:
    """The keyword search's terms for a question: its :func:`subject_terms`, stemmed as the
    index's terms are (:func:`search_terms`).

    The question's own words say nothing about what it asks ("什么", "为什么", "which"), nor
    do the bigrams they make with their neighbours ("是什", "么更"); searched, they found the
    pages that ask questions: a workbook's training sheet ("什么是知识产权？…会发生什么？")
    came first for "为什么更新方法不应该写入 POJO 中的每一列…？". In a collection where most
    manuals are Chinese, an English stopword is a rare term that BM25 weighs heavily."""
    return sorted({stem(term) for term in subject_terms(question)})


def term_coverage(question: str, passage: str) -> float:
    """Share of the question's subject terms (bigrams and words) that the passage contains."""
    wanted = subject_terms(question)
    if not wanted:
        return 1.0
    present = set(keyword_tokens(passage))
    return sum(1 for t in wanted if t in present) / len(wanted)
