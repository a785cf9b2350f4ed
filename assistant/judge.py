"""The LLM as an independent judge: are these sentences stated in the passages they cite?

The judge sees only the cited passages and the sentences, not the conversation that produced
them: asked about its own answer, a small model agrees with itself (measured: the 1.5B embedded
model confirmed 71 of 72 of its own sentences, invented ones included), while asked cold, as a
reading task, it rejects claims the text does not make. One call per answer, all sentences at
once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from assistant.claims import Claim
from assistant.llm import LLM, Message, complete
from assistant.prompt import PASSAGE_CLOSE, PASSAGE_OPEN, defuse
from assistant.replies import without_opening_yes
from assistant.retrieval import Passage
from pagewise.keywords import subject_terms
from pagewise.text import fold, squeeze

log = logging.getLogger(__name__)

SYSTEM = (
    "You check statements against a text. For each numbered statement, answer YES if the text"
    " explicitly states it (the same meaning in other words or another language counts), and NO"
    " if the text does not state it, states something different, or the statement adds numbers,"
    " names, reasons or steps that the text does not contain."
)
_VERDICT = re.compile(r"(\d{1,2})\s*[:：.、)）\-–]?\s*[*\s]*(yes|no|是|否)", re.IGNORECASE)


class LLMJudge:
    """Asks the LLM, once per answer, which sentences the cited passages state."""

    name = "llm check"

    def __init__(self, llm: LLM, passages: Sequence[Passage], question: str = "") -> None:
        self.llm = llm
        self.passages = list(passages)
        self.question = question

    def messages(self, claims: Sequence[Claim]) -> list[Message]:
        return judge_messages([headed(p) for p in self.passages], claims, self.question)

    def judge(self, claims: Sequence[Claim]) -> list[bool]:
        reply = complete(self.llm, self.messages(claims), max_tokens=6 * len(claims) + 6)
        return parse_verdicts(reply, len(claims))


def judge_messages(
    passages: Sequence[str], claims: Sequence[Claim], question: str = ""
) -> list[Message]:
    """The judge's request: the passages the claims cite (1-based), then the claims, each
    without the setting it repeats from ``question`` (see :func:`unframed`)."""
    cited = sorted({n for claim in claims for n in claim.cited})
    text = "\n\n".join(defuse(passages[n - 1]) for n in cited)
    statements = "\n".join(
        f"{i}. {defuse(unframed(c.text, question))}" for i, c in enumerate(claims, start=1)
    )
    ask = (
        f"Text:\n{PASSAGE_OPEN}\n{text}\n{PASSAGE_CLOSE}\n\nStatements:\n{statements}\n\n"
        "For each statement, does the text state it? Answer one line per statement,"
        " like:\n1: YES\n2: NO"
    )
    return [Message("system", SYSTEM), Message("user", ask)]


def headed(passage: Passage) -> str:
    """The passage as the judge reads it: under its manual's title and section, which the
    reader sees in the citation. Without them the judge rejected right sentences that name the
    standard the passage belongs to (holdout77: "OpenChain ISO 5230 要求合规计划由…决策机构…治理"
    against its slide: "合规计划监督：由具有权威和专业知识的决策机构进行治理")."""
    section = f" · {passage.section}" if passage.section else ""
    return f"《{passage.title}》{section}\n{passage.text}"


def parse_verdicts(reply: str, count: int) -> list[bool]:
    """``count`` verdicts from "1: YES\\n2: NO" (a lone "YES" answers a single statement); a
    statement the judge skipped is kept, since the term and wording checks already passed it."""
    verdicts: dict[int, bool] = {}
    for number, word in _VERDICT.findall(reply):
        verdicts.setdefault(int(number), word.lower() in ("yes", "是"))
    if count == 1 and not verdicts:
        word = re.search(r"\b(yes|no)\b|是|否", reply, re.IGNORECASE)
        if word:
            verdicts[1] = word.group(0).lower() in ("yes", "是")
    if len(verdicts) < count:
        log.info("judge gave %d of %d verdicts: %r", len(verdicts), count, reply[:200])
    return [verdicts.get(i, True) for i in range(1, count + 1)]


# A leading phrase that sets the scene: "In EduMIPS64 0.4, …", "According to the runlevel
# table, …", "EduMIPS64 0.5.3 的 SYSCALL 1 中，…", "扫描版加固指南里，…". Conditions ("If …",
# "…时", "…后") are not settings: they are part of what the passage must state.
_FRAME = re.compile(
    r"^(?:(?:In|On|For|Under|Within|Per|According to|Based on|As (?:stated|described) in)\s"
    r"[^,，:：。!?！？\n]{1,100}?|(?:在|根据|按照|依照)?[^,，:：。!?！？\n]{1,60}?(?:里|中|上))\s*[,，:：]\s*"
)

# The words that make a phrase a setting, which the question need not use: "在…里", "根据…".
_CONNECTIVES = re.compile(r"^(?:在|根据|按照|依照)|(?:里|中|上)?\s*[,，:：]\s*$")


def unframed(statement: str, question: str) -> str:
    """``statement`` without a leading phrase that only repeats the setting the question gives
    ("In EduMIPS64 0.4, the system calls put their return value in register R1"): reading the
    passages without their titles (as it did until :func:`headed`), the judge took the
    manual's name and version as an addition (three right answers of holdout28-30 were
    rejected so); the version is often in neither title nor section. The phrase goes only when
    each of its terms is in the question and something is left to judge."""
    if question:
        # The yes answers the question, which the judge does not see.
        statement = without_opening_yes(statement)
    match = _FRAME.match(statement)
    if match is None or not question:
        return statement
    rest = statement[match.end() :]
    terms = subject_terms(_CONNECTIVES.sub(" ", match[0]))
    asked = squeeze(fold(question))
    if not terms or not all(t in asked for t in terms) or not re.search(r"\w\w", rest):
        return statement
    return rest[:1].upper() + rest[1:]
