"""Reading an answer into claims: its sentences, each with the passages it cites.

Small models write marks in many ways ("…天。[1]", "根据资料 [1]，X。", "X. , [2], [3]", a
sentence only pointing at its source); what each sentence states and cites is read here, and
grounding.py decides which are supported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.citations import split_sentences

MARK = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Claim:
    """One sentence of an answer and the passages it rests on (1-based numbers)."""

    text: str
    cited: tuple[int, ...]


def claims_of(text: str) -> list[Claim]:
    """Sentences with the passages each cites; a sentence without a mark leans on the next
    cited sentence (or, at the end, the one before): "不可以。原因是… [1]"."""
    text = _SOURCE_FIRST.sub(_source_last, text)
    sentences = [
        _REPEATED_MARK.sub(r"\1", _mark_inside(s))
        for s in split_sentences(_WHERE_AFTER_MARK.sub("", _ECHOED_RULE.sub(" ", text)))
    ]
    for i in range(1, len(sentences)):
        # "X. This setting is recommended in [1]." and "X. , [2], [3]": the pointer or the
        # bare marks are removed, X keeps the marks.
        pointer = POINTER.search(sentences[i]) or not re.search(r"\w", MARK.sub("", sentences[i]))
        if pointer and not MARK.search(sentences[i - 1]):
            for n in dict.fromkeys(MARK.findall(sentences[i])):
                sentences[i - 1] = with_mark(sentences[i - 1], int(n))
    marks = [tuple(dict.fromkeys(int(n) for n in MARK.findall(s))) for s in sentences]
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
# Where in the manual, written after the marks: "…六个菜单 [1]，第 3.1 节。" (holdout76), from
# "依据的资料是 [1]，第 3.1 节。". It points at the source the citation already shows; read as part
# of the sentence, its "3.1" is a number no passage writes, and a right answer was refused.
_WHERE_AFTER_MARK = re.compile(
    r"(?<=\])\s*[，,]\s*(?:(?:见|在|参见)?第\s*\d+(?:\.\d+)*\s*(?:节|章|页|部分)"
    r"|(?:see\s+)?(?:section|chapter|page|p\.)\s*\d+(?:\.\d+)*)(?=\s*(?:[。.;；]|$))",
    re.IGNORECASE,
)
# "根据资料 [1]，X。" / "According to [2], X." : the source named first is cited last; so is
# one named with the header it was given under, "资料 [2]（《指南》第 21 页 · 2.3.1 …）中提到，X。"
# (the title, page and section are the prompt's, not the passage's text).
_SOURCE_FIRST = re.compile(
    r"(?:(?:根据|依据|按照|参考)(?:的)?(?:资料|文档|手册|材料)?|(?<!\w)资料"
    r"|(?<![\w])(?:According to|Based on"
    r"|As (?:stated|described|mentioned|shown) in)(?:\s+the)?(?:\s+(?:passages?|sources?"
    r"|materials?|manual|documents?|text))?)\s*"
    r"(?P<marks>\[\d+\](?:\s*(?:[和与及、,，]|and)?\s*\[\d+\])*)\s*"
    r"(?:[（(]《[^（）()\n]{0,160}[）)])?\s*"
    r"(?:中|所述|的(?:内容|说明|描述|信息|规定))?(?:提到|指出|写明|写道|说明)?\s*[，,:：]\s*"
    r"(?P<body>[^。！？!?\n]*?[^。！？!?\n.])(?P<end>[。！？!?]|\.(?=\s|$)|\n|$)",
    re.IGNORECASE,
)
# Sentences that only point at their source ("The passage [1] provides the details.", "This
# setting is recommended in [1].", "依据的资料是资料 [2]，其中提到…"): they state nothing.
POINTER = re.compile(
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
    cited = set(MARK.findall(body))  # "根据资料 [1]，X [1]。" cites [1] once
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


def with_mark(sentence: str, n: int) -> str:
    """The mark goes before the sentence's closing punctuation, as the model writes it."""
    end = len(sentence.rstrip("。.！!？?；;"))
    if end and sentence[end - 1] == "]":  # "… [1]." gets "… [1][2]."
        return f"{sentence[:end]}[{n}]{sentence[end:]}"
    return f"{sentence[:end].rstrip()} [{n}]{sentence[end:]}"
