"""A sentence that wraps the question's words around a whole line of its passage.

Asked "OpenChain ISO 5230 的合规计划监督要求由谁来负责治理？", the small model answered "OpenChain
ISO 5230 的合规计划监督要求由具有权威和专业知识的决策机构进行治理 [1]", the slide's line
"由具有权威和专业知识的决策机构进行治理" word for word after the question's own words, and the
small judge said the slide does not state it (holdout60 and holdout62, the same slide). Such a
sentence states nothing but the line: what surrounds it is the question's. Whether it answers
the question is still asked (on_question.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.citations import weight
from assistant.claims import MARK, Claim
from assistant.retrieval import Passage
from assistant.wording import added_terms
from pagewise.text import squeeze

# A line this long at least (a Chinese character 1, a Latin letter 0.25): shorter lines are
# table cells and headings ("是", "合规计划监督："), no statement of their own.
MIN_LINE = 8.0


def copies_a_line(claim: Claim, passages: Sequence[Passage], question: str) -> bool:
    """Whether ``claim`` holds a whole line of a passage it cites, word for word, and adds to it
    no word the question does not write."""
    sentence = MARK.sub(" ", claim.text)
    said = squeeze(sentence)
    for n in claim.cited:
        for line in passages[n - 1].text.splitlines():
            held = squeeze(line)
            whole = weight(held) >= MIN_LINE and held in said
            if whole and not added_terms(sentence, f"{question}\n{line}"):
                return True
    return False
