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
from assistant.retrieval import Passage

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

    def __init__(self, llm: LLM, passages: Sequence[Passage]) -> None:
        self.llm = llm
        self.passages = list(passages)

    def messages(self, claims: Sequence[Claim]) -> list[Message]:
        return judge_messages([p.text for p in self.passages], claims)

    def judge(self, claims: Sequence[Claim]) -> list[bool]:
        reply = complete(self.llm, self.messages(claims), max_tokens=6 * len(claims) + 6)
        return parse_verdicts(reply, len(claims))


def judge_messages(passages: Sequence[str], claims: Sequence[Claim]) -> list[Message]:
    """The judge's request: the passages the claims cite (1-based), then the claims."""
    cited = sorted({n for claim in claims for n in claim.cited})
    text = "\n\n".join(defuse(passages[n - 1]) for n in cited)
    statements = "\n".join(f"{i}. {defuse(c.text)}" for i, c in enumerate(claims, start=1))
    ask = (
        f"Text:\n{PASSAGE_OPEN}\n{text}\n{PASSAGE_CLOSE}\n\nStatements:\n{statements}\n\n"
        "For each statement, does the text state it? Answer one line per statement,"
        " like:\n1: YES\n2: NO"
    )
    return [Message("system", SYSTEM), Message("user", ask)]


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
