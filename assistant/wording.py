"""Whether a passage holds a sentence's terms and words, despite how PDF text was extracted
and how a number was written.

- A number may be written in another base than the passage writes it: "0xA" is held by a
  passage that says "2 + 8 = 10", and "10" by one that lists "0x0A". Only the same value
  counts; a value the passage does not hold in any form is still missing.
- A small count with a Chinese measure word may be spelled out by the passage: "6 个" is held
  by an English passage that says "six" (the sentence translates it) and by a Chinese one
  that says "六个"; a bare "6" still needs the digit, unless an English passage spells it
  out counting the same thing ("6 menus" of "six menus"; spelled.py holds these).
- PDF extraction splits words ("SSHF P", "open Eule r", "资 源"): a word of the sentence is
  found in the passage with its spaces squeezed out as well as among its words; typeset
  quotes and dashes ("it’s", "–help") hold the plain ones a sentence writes.
"""

from __future__ import annotations

import re

from assistant.spelled import ENGLISH_COUNTS, english_unit, spelled_count
from pagewise.keywords import (
    CJK,
    chinese_share,
    keyword_tokens,
    partly_chinese,
    stem,
    subject_terms,
    written_in_chinese,
)
from pagewise.text import fold, squeeze

_HEX = re.compile(r"0x([0-9a-f]+)")
# "10 (0xA in base 16)": the base a number is written in is notation, not a figure to check.
_RADIX = re.compile(r"\bbase[-\s]?(?:2|8|10|16)\b|(?<![\d.])(?:2|8|10|16)\s*进制")
_HEX_LITERAL = re.compile(r"(?<![\w.])0[xX][0-9A-Fa-f]+")
_DECIMAL = re.compile(r"\d+")
# A typeset PDF breaks a word at the line's end with a hyphen ("the “Mask syn-\nchronous
# exceptions” option"); the sentence that names it writes the word whole.
_LINE_END_HYPHEN = re.compile(r"(?<=[a-z])-\s+(?=[a-z])")
# Numbers as a passage writes them: "0x0A" (a hex literal) or "10" (not part of "1.10", "v10").
_WRITTEN_NUMBER = re.compile(r"(?<![\w.])(?:0x([0-9a-f]+)|(\d+))(?![\w]|\.\d)")
# A count with 个, the measure word Chinese adds to any count ("100个"); the passage need not.
_GE_COUNT = re.compile(r"(\d+)个")


def without_notation(sentence: str) -> str:
    """The sentence without the base its hex figures are written in ("in base 16")."""
    return _RADIX.sub(" ", sentence) if _HEX_LITERAL.search(sentence) else sentence


def values(text: str) -> set[int]:
    """The integer values ``text`` writes, whichever base it writes them in."""
    found: set[int] = set()
    for match in _WRITTEN_NUMBER.finditer(fold(text)):
        hex_digits, decimal = match.groups()
        found.add(int(hex_digits, 16) if hex_digits else int(decimal))
    return found


def term_held(term: str, support: str) -> bool:
    """Whether ``support`` (a passage's text) holds ``term`` (a number, identifier or quoted
    name from a sentence): as written (a word broken at a line's end made whole), a whole
    number as the same value in another base, a small count spelled out, a number with a
    Chinese unit written with the unit in English ("64 位" of "64 bits"), or a count of ten or
    more with the general measure word 个 as the bare number ("留出 100 个号段" of "预留 100")."""
    squeezed, held = squeeze(term), squeeze(support)
    if (
        _as_typed(squeezed) in _as_typed(held)
        or _as_typed(squeezed) in _as_typed(squeeze(_LINE_END_HYPHEN.sub("", support)))
        or spelled_count(squeezed, support, held)
        or english_unit(squeezed, support)
        or _member_in_words(term, held)
    ):
        return True
    count = _GE_COUNT.fullmatch(squeezed)
    if count is not None and int(count[1]) >= 10:
        return int(count[1]) in values(support)
    number = _HEX.fullmatch(squeezed) or _DECIMAL.fullmatch(squeezed)
    if number is None:
        return False
    value = int(number[1], 16) if number.re is _HEX else int(number[0])
    return value in values(support)


# A class's member written with a dot: ArrayList.subList, Collectors.toMap (camel case both:
# "eduMIPS64.jar" is a file).
_MEMBER = re.compile(r"([A-Za-z_]*[A-Z]\w*)\.([a-z_]\w*[A-Z]\w*)(?:\(\))?", re.ASCII)


def _member_in_words(term: str, held: str) -> bool:
    """Whether the squeezed passage writes the class and its member a few characters apart:
    "ArrayList 的 subList 结果…" holds ArrayList.subList (holdout61)."""
    member = _MEMBER.fullmatch(term)
    if member is None:
        return False
    owner, name = (re.escape(squeeze(part)) for part in member.groups())
    return re.search(rf"{owner}[^A-Za-z0-9_.。，,；;]{{0,4}}{name}", held) is not None


# Typesetting turns "--help" into "–help" and "it's" into "it’s"; a sentence quoting either
# writes the plain characters.
_TYPESET = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def _as_typed(squeezed: str) -> str:
    return squeezed.translate(_TYPESET).replace("--", "-")


def words_present(wanted: set[str], support: str) -> int:
    """How many of ``wanted`` (keyword tokens: lower-cased words, CJK bigrams) the passage
    holds as words, or, for extraction that split them, with its spaces squeezed out (a hex
    figure: its value, in any base). Latin
    words of fewer than 4 letters must be whole words: "p" or "key" inside another word is
    chance."""
    tokens = set(keyword_tokens(support))
    squeezed = squeeze(support)
    return sum(
        1
        for term in wanted
        if term in tokens
        or ((len(term) >= 4 or not term.isascii()) and term in squeezed)
        or (_HEX.fullmatch(term) is not None and term_held(term, support))
    )


# Whether a thing may or must be done is said in many words ("不能" for the manual's "禁止",
# "必须" for its "强制"), and an English answer opens with a yes or no no passage writes ("Yes,
# the <applet> tag must be used" was removed for "yes" alone): the judge reads it; the words the
# sentence adds are compared without it.
_POLARITY = re.compile(
    "不可以|不能|不得|不要|不允许|不应该?|不需要|不必|不推荐|不建议|禁止|严禁|必须|务必|允许|可以|应该"
    "|应当|需要|推荐|建议"
    r"|\b(?:yes|no|not)\b|n't\b",
    re.IGNORECASE,
)


def word_share(sentence: str, support: str, question: str = "") -> float | None:
    """Share of the sentence's subject words that the question does not already use found in
    ``support``; None across languages, where wording cannot be compared, or when the sentence
    adds no term of its own (words of polarity aside). A sentence whose every word the passage
    holds is compared whatever its language: a command copied from a Chinese passage ("chmod
    +t dirname") is that passage's own wording, not English prose."""
    wanted = added_terms(sentence, question)
    if not wanted:
        return None
    if not same_language(sentence, support) and not copied(sentence, support):
        return None
    return words_present(wanted, support) / len(wanted)


# Two Chinese characters (a pair of the keyword tokens), neither of them a negation: "不会"
# turns what it joins, wherever the question wrote 不 and 会.
_CJK_PAIR = re.compile(rf"(?![不没无非未别勿])[{CJK}](?![不没无非未别勿])[{CJK}]")
# Characters that join words rather than name a subject: a pair of them, or one of them beside
# a character of the question's, is where words meet ("…结果都会被禁止" gives 果都, 都会, 会被).
_JOINING = frozenset("的了是在也都会被就将把对和与及或而并还又再所其之这那些着过得地从向于以为由")


def added_terms(sentence: str, question: str) -> set[str]:
    """The subject words of ``sentence`` that ``question`` does not use, words of polarity
    aside. A Chinese pair both of whose characters the question uses is where two of its words
    meet, not a word the sentence adds: "数组长度等于 0" gives 度等 where the question wrote
    "数组长度，…等于 0"; such pairs removed right answers of holdout37-46 (度等, 符填). A pair
    with a negation is the sentence's own ("不会一定会" to "是否一定会…？如何不发送？")."""
    plain = without_notation(_POLARITY.sub(" ", sentence))
    asked = fold(question)
    return {
        term
        for term in subject_terms(plain) - subject_terms(question)
        if not (_CJK_PAIR.fullmatch(term) and all(c in asked or c in _JOINING for c in term))
    }


def same_language(sentence: str, support: str) -> bool:
    """Whether the sentence can be compared with the passage by its words. A sentence of
    Chinese prose full of Latin names is Chinese by its words ("这个 unit 封装的是守护进程
    Avahi") though Latin by most of its letters: it shares wording with a Chinese passage,
    and none with an English one, which cannot hold its Chinese words ("ALU 属于 CPU 的执行单元"
    for "a part of the execution unit" is compared by meaning)."""
    chinese = partly_chinese(support)
    return written_in_chinese(sentence) == chinese


# Fewer words than this prove nothing by being in the passage: "No", "2", "yes [1]".
_COPIED_WORDS = 3


def copied(sentence: str, support: str) -> bool:
    """Whether ``sentence`` is the passage's own wording (a command, a setting line): every one
    of its subject words, at least three of them, is in ``support``. It needs no comparison
    by meaning across languages."""
    wanted = subject_terms(without_notation(sentence))
    return len(wanted) >= _COPIED_WORDS and words_present(wanted, support) == len(wanted)


# A question that asks for something (not yes or no): a sentence made of its own words does not
# answer it, whereas "Yes, X can Y" answers "Can X Y?".
_ASKS_FOR = re.compile(
    r"\b(?:what|which|how|where|when|who|whom|whose|why)\b|什么|哪|怎么|怎样|如何|多少|几|为什么|为何|谁",
    re.IGNORECASE,
)


def restates(sentence: str, question: str) -> bool:
    """Whether ``sentence`` only repeats ``question``: the question asks for something, and all
    the sentence's subject words are the question's own (the small model often echoes a
    question it cannot answer: "The line should be appended to /etc/profile so that …"). A
    short Latin answer that puts the question's words together in a way the question does not
    is an answer: "systemctl rescue" to "Which systemctl command switches … into rescue
    mode?". (A sentence with a name of its own is an answer too: grounding checks that.)"""
    if not _ASKS_FOR.search(question) or _gives_count(sentence, question):
        return False
    terms = subject_terms(without_notation(sentence))
    short = len(terms) <= _SHORT_ANSWER_TERMS and chinese_share(sentence) == 0
    if short and _bare(sentence) not in _bare(question):
        return False
    if _fills_in(sentence, question):
        return False
    # Stemmed: "Enabling a service applies to the current session or only at boot." repeats
    # "Does enabling a service apply to the current session or only at boot? What …?"; and
    # with the question words taken out: "需要先运行预处理器来展开宏" repeats "需要先运行哪个
    # 预处理器来展开宏？".
    asked = subject_terms(question) | subject_terms(question, gap="")
    return bool(terms) and {stem(t) for t in terms} <= {stem(t) for t in asked}


# Characters that join a Chinese sentence's words: a run of them adds nothing ("是的").
_JOINERS = set("的了吗呢是在有和与或也都就")
_QUESTION_PIECE = 2


def _fills_in(sentence: str, question: str) -> bool:
    """Whether a Chinese ``sentence`` writes a word of two characters or more that is nowhere
    in ``question``: "RQ 代表要求" answers "RQ 代表什么？" although 要求, a word questions ask
    with ("有什么要求"), is no keyword."""
    if not written_in_chinese(sentence):
        return False
    asked, said = _bare(question), _bare(sentence)
    left: list[str] = []
    i = 0
    while i < len(said):
        n = _QUESTION_PIECE
        while i + n <= len(said) and said[i : i + n] in asked:
            n += 1
        if n > _QUESTION_PIECE:
            i += n - 1  # the longest piece of the question here: not the sentence's own
            left.append(" ")
        else:
            left.append(said[i])
            i += 1
    runs = re.findall(r"[\u4e00-\u9fff]{2,}", "".join(left))
    return any(set(run) - _JOINERS for run in runs)


_SHORT_ANSWER_TERMS = 3

# A count as a sentence writes it: "一个标签", "两次", "3 位", "twice", "four". The keyword
# tokens drop "一个" and small number words, so without this "最多可以使用一个标签" reads as
# "最多可以使用几个标签？" said again.
_COUNTED = re.compile(
    r"(\d+|[一二两三四五六七八九十百千]+)\s*(?:个|次|位|种|条|项|类|步|层|级|行|列|天|周|年|月"
    r"|小时|分钟|秒|字节|倍|名|人|页|张|处|部分)"
    r"|\b(?:once|twice|thrice|" + "|".join(ENGLISH_COUNTS[1:13]) + r")\b",
    re.IGNORECASE,
)


_ASKS_COUNT = re.compile(r"几|多少|多久|多长|\bhow (?:many|much|often|long)\b", re.IGNORECASE)


def _gives_count(sentence: str, question: str) -> bool:
    """Whether ``sentence`` gives a count that ``question``, which asks for one, does not write."""
    return bool(_ASKS_COUNT.search(question)) and bool(counts(sentence) - counts(question))


def counts(text: str) -> set[str]:
    """The counts ``text`` writes with their unit, as written ("一个", "两次", "3位", "twice")."""
    return {re.sub(r"\s+", "", m.group(0)).lower() for m in _COUNTED.finditer(text)}


def _bare(text: str) -> str:
    """``text`` folded, without spaces or punctuation."""
    return re.sub(r"[\W_]+", "", fold(text))


# A sentence that stops where its answer should begin: "The field that names it is [3].",
# "该字段是 [1]。". It states nothing (the model left the name out). A lead-in ending in a colon
# ("执行以下命令：") is not one: the command follows on the next line. Nor is a noun ending in
# 为: "…如何报告和纠正违规行为 [1]。" (holdout54) said it all.
_DANGLING = re.compile(
    r"(?:\b(?:is|are|was|were|be|to|of|the|an?|as|by|for|with|into|from|and|or|called|named"
    r"|such as)|(?<!不)是|(?<!行)为)$",
    re.IGNORECASE,
)


def dangles(sentence: str) -> bool:
    """Whether ``sentence`` (without its marks) ends where its answer should begin."""
    body = sentence.strip().rstrip("。.！!；; ")
    return len(body) > 2 and _DANGLING.search(body) is not None
