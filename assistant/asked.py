"""Which of the question's own terms an answer may use without its cited passage holding them.

Repeating the year or the product the user asked about invents nothing, so figures and product
names (in a manual's title or file name) that the question uses are exempt from the key-term
check; any other name it asks about must be in the passage cited for it, and so must a number
that is part of such a name ("ISO/IEC 18974").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.citations import CODE_SPAN, key_terms
from assistant.retrieval import Passage
from pagewise.keywords import mostly_chinese
from pagewise.text import fold, squeeze
from pagewise.vocabulary import ordinary_word

# A number of three or more digits written after a capitalised name ("ISO/IEC 18974", "RFC 7231")
# is part of that name.
_NAMED_NUMBER = re.compile(r"\b[A-Z][A-Za-z]*(?:/[A-Z][A-Za-z]*)*[\s-]?(\d{3,})(?![\d.])")
# A figure as the question writes it, without the word after it: 90, 0.4, 0.5.3, 2007.
_FIGURE = re.compile(r"(?<![\w.])\d+(?:\.\d+)*(?![\w.]*\d)")
# A figure a yes vouches for: a whole number, not a version (0.5.3) nor a year (2007).
_CONFIRMED = re.compile(r"(?!(?:19|20)\d\d$)\d+")


def asked_terms(question: str, passages: Sequence[Passage], confirmed: bool = False) -> set[str]:
    """The question's key terms (squeezed), less the numbers of names it uses that no manual's
    title or file name holds: "ISO/IEC 18974 和 ISO/IEC 5230 是什么关系？" asked of manuals on
    5230 names a standard they never mention, and "18974 是 5230 的替代标准 [1]" must find
    18974 in its passage like any other name (a year or a figure the question gives is still
    exempt). An answer that says yes to the question (``confirmed``) vouches for its figures:
    "是的，表 2-1 里建议把 SSH 服务端口改成 2222 [1]" must find 2222 in its passage (holdout59,
    a figure no manual gives), though a version or year in a title stays exempt."""
    products = product_names(passages)
    named = {n for n in _NAMED_NUMBER.findall(question) if n not in products}
    terms = {squeeze(t) for t in names(question, question)}
    # A figure is the question's own whatever word follows it there: key_terms reads
    # "EduMIPS64 0.4 里哪条…" as "0.4里", and the answer's "0.4 中" must not need the passage.
    terms |= set(_FIGURE.findall(question))
    if confirmed:
        # Only a count or value written apart: key_terms glues "SYSCALL 0 时" into "0 时", which
        # an English passage's "SYSCALL 0" does not hold; and a version or a year names the
        # manual asked about ("Yes, … EduMIPS64 0.5.3 …", "2007 年版"), not a claim of the answer.
        terms = {t for t in terms if not _CONFIRMED.fullmatch(t) or t in products}
    return {t for t in terms if (re.match(r"\d+", t) or [""])[0] not in named}


def product_names(passages: Sequence[Passage]) -> str:
    return squeeze(" ".join(f"{p.title} {p.doc}" for p in passages))


def exempt(term: str, asked: set[str], products: str, question: str) -> bool:
    """Whether ``term`` may be missing from the cited passage: a figure or a product name (in
    a manual's title or file name) that the question itself uses. A setting or other name the
    question asks about ("PasswordAuthentication 建议设成 yes 还是 no？") must be in the
    passage that is said to answer for it."""
    key = squeeze(term)
    if not re.search(r"[A-Za-z]", term):
        return key in asked
    # The product as the user typed it, in any case: "openeuler 单用户模式要输密码…" answered
    # "要配置 openEuler 单用户模式…，需要修改 `/etc/sysconfig/init` 文件" (holdout72), where
    # the lowercase word of the question is no key term.
    if key in products and (key in asked or writes_word(question, key)):
        return True
    return key in asked and _common_noun(term)


def writes_word(text: str, key: str) -> bool:
    """Whether ``text`` writes ``key`` (squeezed) as a word of its own, in any case: "HI" is
    not written by "pam_pwhistory"."""
    return re.search(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])", fold(text)) is not None


def _common_noun(term: str) -> bool:
    """Whether ``term`` is an abbreviation in capitals that is an ordinary word of the language
    ("URL", "API", "IP", "HTTP": one whole word of the embedder's vocabulary in lowercase), the
    kind of thing asked for, not a name: "What URL does the deck give…?" answered "The deck gives
    the URL … as https://…/get-started [2]" of a slide that writes the address and never "URL"
    (holdout68). "SSH", "GPL", "JDK", "SYSCALL" are no ordinary words and stay names."""
    return term.isupper() and ordinary_word(term.lower())


# Latin words joined by a hyphen: "systemd-journald", "dbus-org".
# ASCII word characters, as for citations.key_terms: Chinese glued to a name is not part of it.
_HYPHENATED = re.compile(r"(?<![\w.-])[A-Za-z][\w.]*-[\w.-]*[A-Za-z0-9](?![\w-])", re.ASCII)


# A Latin word led by a dot: a file suffix or a directive (".swap", ".service", ".space").
_DOTTED = re.compile(r"(?<![\w.])\.[A-Za-z][A-Za-z0-9_]*(?![\w-])", re.ASCII)


# A small number written after a name in capitals is part of it ("SYSCALL 6", "JDK 8"): alone,
# one or two digits are on every page. A longer one is specific enough as it is ("ISO 5230" of
# a passage writing "ISO/IEC 5230").
_CAPS_NUMBER = re.compile(r"(?<![\w./-])[A-Z][A-Z0-9_]*[A-Z][ -]?\d{1,2}(?![\w.-]*\d)", re.ASCII)


# A command and its subcommand, two lower-case Latin words in Chinese text ("systemctl edit",
# "systemctl isolate"): there a run of Latin words is code, and the subcommand is what it names.
_COMMAND = re.compile(
    r"(?<![\w./-])[a-z][a-z0-9_]{2,}(?:-[a-z0-9]+)* -{0,2}[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?![\w./-])",
    re.ASCII,
)


def joined_names(sentence: str, question: str) -> set[str]:
    """Names that key_terms does not read as such: words led by a dot (".swap" answers "Which
    suffix does systemd use for swap files?"), a name in capitals with its small number
    ("SYSCALL 6" of manuals that define SYSCALL 0 to 5, where a bare 6 is on every page), and
    hyphenated Latin words and a command with its subcommand ("systemctl edit") when the
    sentence or the question is Chinese: there they are names ("要限制 systemd-journald 日志…"
    of passages that never name it), where in English they are
    often plain words ("self-certification"); in English, those with a digit (Apache-2.0,
    aes128-ctr, UTF-8), as for any identifier (see citations.key_terms)."""
    joined = set(_DOTTED.findall(sentence)) | set(_CAPS_NUMBER.findall(sentence))
    found = set(_HYPHENATED.findall(sentence))
    if mostly_chinese(sentence) or mostly_chinese(question):
        return joined | found | set(_COMMAND.findall(CODE_SPAN.sub(" ", sentence)))
    return joined | {word for word in found if re.search(r"\d", word)}


def names(sentence: str, question: str) -> set[str]:
    """Every number and name of ``sentence``: its key terms and its joined names (read as
    for ``question``, see ``joined_names``). A snippet of several words that the question
    quotes as code is the user's own ("我的脚本里用 `init 3` 切换…"): an answer repeating it
    is checked for the names inside it ("PermitUserEnvironment" of `PermitUserEnvironment
    yes`), as the passage need not hold the user's line as written."""
    terms = key_terms(sentence) | joined_names(sentence, question)
    theirs = {squeeze(s) for s in CODE_SPAN.findall(question) if re.search(r"\S\s+\S", s)}
    for span in CODE_SPAN.findall(sentence):
        if squeeze(span) in theirs:
            terms.discard(span.removesuffix("()"))
            terms |= key_terms(span) | joined_names(span, question)
    return terms


# "加固指南里有没有讲怎么用 firewalld…？", "Does the guide explain how to encrypt disks with LUKS?":
# the question asks whether the manuals cover something.
_ASKS_IF_COVERED = re.compile(
    r"(?:有没有|是否|有无)(?:专门|具体|详细)?(?:讲|提到|提及|说明|介绍|涉及|讲到|说到|描述|讨论)"
    r"|^(?:does|do|did)\b.{0,80}\b(?:guides?|manuals?|templates?|documents?|deck|slides?"
    r"|policy|standard|handbook|documentation|overview|edition|workbook|chapter|section)\b"
    r".{0,40}\b(?:explain|mention|cover|describe|discuss|talk about|address|warn)",
    re.IGNORECASE,
)
_BARE_NO = re.compile(r"\s*(?:no|nope|没有|没|无|不|否|并没有)[\s,，.。!！]*$", re.IGNORECASE)


def says_not_covered(sentence: str, question: str) -> bool:
    """Whether ``sentence`` is a bare "no" to a question asking whether the manuals cover
    something: it says the manuals are silent, and that is the refusal, not an answer."""
    return bool(_BARE_NO.match(sentence)) and bool(_ASKS_IF_COVERED.search(question))
