"""How a question asks and how an answer opens: a yes-or-no question, a yes, a no, and a bare
yes or no with nothing after it."""

from __future__ import annotations

import re

_YES_NO = re.compile(
    r"是否|吗\s*(?:[？?]|$)|有没有|能不能|可不可以|会不会|是不是|要不要|^\s*(?:can|could|does|do|did|is"
    r"|are|was|were|should|must|may|will|has|have)\b",
    re.IGNORECASE | re.MULTILINE,
)


# An English yes-or-no question after a clause that sets it up: "When I open a file with
# SYSCALL 1, am I allowed to …?", "Under systemd, can I keep …?". Not a wh-question whose
# clause is only an aside: "Which garbage collector, for example G1, does the manual …?".
_AFTER_CLAUSE = re.compile(
    r"^(?P<clause>[^?]*?)[,;:]\s*(?:can|could|does|do|did|is|are|am|was|were|should|must|may"
    r"|will|has|have|would|shall)\b",
    re.IGNORECASE,
)
_WH = re.compile(r"\b(?:what|which|how|who|whom|whose|why|where)\b", re.IGNORECASE)


def asks_yes_or_no(question: str) -> bool:
    """Whether ``question`` asks for a yes or a no ("…有没有分支预测功能？", "Can … ?"): the
    answer's first sentence is then that yes or no, however much it repeats the question."""
    if _YES_NO.search(question):
        return True
    after = _AFTER_CLAUSE.match(question.strip())
    return after is not None and not _WH.search(after["clause"])


def asks_more(question: str) -> bool:
    """Whether ``question`` asks another question after its first ("TRAP 指令还适用吗？它对应
    的是哪条指令？"): an answer may then skip the first and answer the second."""
    parts = [p for p in re.split(r"[？?]", question) if re.search(r"\w\w", p)]
    return len(parts) >= 2


# A yes that opens the answer: "是的，表 2-1 里建议…", "Yes, it is true that …".
_AFFIRMS = re.compile(
    r"\s*(?:yes\b|(?:it is |that is |this is )?(?:true|correct)\b|是的|对的|确实|没错|正确|是，)",
    re.IGNORECASE,
)


def affirms(answer: str) -> bool:
    """Whether ``answer`` opens with a yes."""
    return _AFFIRMS.match(answer) is not None


# A yes that opens a statement and is followed by what it affirms: "是的，", "Yes, ", "对。".
_OPENING_YES = re.compile(r"^(?:是的|是|对|可以的|yes)\s*[,，.。!！]\s*", re.IGNORECASE)


def without_opening_yes(sentence: str) -> str:
    """``sentence`` without an opening yes, when something that can be judged follows it
    ("是的，X" states X); a no stays, since without it the sentence claims the opposite."""
    yes = _OPENING_YES.match(sentence)
    if yes is None or not re.search(r"\w\w", sentence[yes.end() :]):
        return sentence
    rest = sentence[yes.end() :]
    return rest[:1].upper() + rest[1:]


# A yes or a no with nothing after it: "不能 [1]。".
_BARE_REPLY = re.compile(
    r"\s*(?:yes|no|是的?|不是|对|不对|可以|不可以|能|不能|会|不会|有|没有|不行|行)[\s,，.。!！]*$",
    re.IGNORECASE,
)


def bare_reply(sentence: str) -> bool:
    """Whether ``sentence`` (without its marks) is a yes or a no and nothing else."""
    return _BARE_REPLY.match(sentence) is not None


# A sentence that opens with a yes or a no: "Yes, you can run …", "不能切换成深色主题".
_REPLY = re.compile(r"\s*(?:(?:yes|no)\b|是的|不是|不?可以|不?能|不?会|没有|有|不)", re.IGNORECASE)


def opens_with_reply(sentence: str) -> bool:
    """Whether ``sentence`` opens with a yes or a no, whatever follows."""
    return _REPLY.match(sentence) is not None


# A no that opens the answer: "不是 [1]。", "No, the manual says …".
_SAYS_NO = re.compile(r"\s*(?:no\b|not\b|不是|不对|并非|不可以|不能|不会|没有)", re.IGNORECASE)


def says_no(answer: str) -> bool:
    """Whether ``answer`` opens with a no."""
    return _SAYS_NO.match(answer) is not None
