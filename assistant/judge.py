"""The LLM as judge of its own answer: one short call after the answer, sentence by sentence.

The call continues the answering conversation (system prompt, passages, question, answer), so
a server with a prefix cache (vLLM, llama.cpp) only reads the new instruction: it costs the
judge's few output tokens and the instruction, not the passages again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from assistant.grounding import Claim
from assistant.llm import LLM, Message
from assistant.prompt import defuse

log = logging.getLogger(__name__)

_INSTRUCTION = (
    "请核对你上面的回答。下面每一句后面标了它依据的资料编号。逐句判断：所标资料的原文是否写有"
    "这句话的内容？原文写有（意思相同即可），回答“是”；原文没有写（例如资料之外的数字、做法、"
    "例子、原因或结论，或与原文相反），回答“否”。每句一行，写句子的编号和判断，不要解释。"
    "格式示例：\n1: 是\n2: 否"
)
_VERDICT = re.compile(r"(\d{1,2})\s*[:：.、)）\-–]?\s*[*\s]*(是|否|yes|no)", re.IGNORECASE)


class LLMJudge:
    """Asks the answering model whether each sentence is stated in the passages it cites."""

    name = "llm check"

    def __init__(self, llm: LLM, conversation: Sequence[Message]) -> None:
        # The messages that produced the answer, ending with the answer itself.
        self.llm = llm
        self.conversation = list(conversation)

    def judge(self, claims: Sequence[Claim]) -> list[bool]:
        listing = "\n".join(f"{i}. {defuse(c.text)}" for i, c in enumerate(claims, start=1))
        messages = [*self.conversation, Message("user", f"{_INSTRUCTION}\n\n{listing}")]
        reply = "".join(self.llm.stream(messages, max_tokens=8 * len(claims) + 8, temperature=0))
        return parse_verdicts(reply, len(claims))


def parse_verdicts(reply: str, count: int) -> list[bool]:
    """``count`` verdicts from "1: 是\\n2: 否"; a sentence the judge skipped is kept (the key-term
    and wording checks have already passed it)."""
    verdicts: dict[int, bool] = {}
    for number, word in _VERDICT.findall(reply):
        verdicts.setdefault(int(number), word.lower() in ("是", "yes"))
    if len(verdicts) < count:
        log.info("judge gave %d of %d verdicts: %r", len(verdicts), count, reply[:200])
    return [verdicts.get(i, True) for i in range(1, count + 1)]
