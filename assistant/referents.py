"""Sentences that point back at a removed one.

Grounding removes sentences one by one, but a sentence may lean on the one before it for its
subject: "The write-back cache policy … is used to … (removed: few of its words). This policy is
useful for applications that require high performance [1]." Shown alone, "This policy" reads
as whatever the question asked about, and the small judge passes it because its words are
generic. What it says was said of the removed sentence's subject: it cannot be shown without it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.claims import Claim

REFERS = "points back at a removed sentence"

# An opening that refers to what the sentence before said: "This policy", "It", "These flags",
# "该指令", "这意味着", "其中", "前者"; not "此外" (moreover), "其次" (secondly), "其他" (other),
# "那么" (then): those join a sentence that names its own subject. A sentence giving the reason
# or the consequence of the one before ("因为资料 [1] 提到…", "So …") leans on it as well: shown
# alone, it reads as the answer (holdout80).
_POINTS_BACK = re.compile(
    r"^\s*(?:[-*•]\s*|\d+[.、)]\s*)?"
    r"(?:(?:this|these|that|those|it|its|they|their|such|the\s+(?:latter|former|same))\b"
    r"|这|那(?!么)|该|此(?!外)|它|其(?![次他余它])|上述|以上|前者|后者|两者|二者"
    r"|因为|所以|因此|because\b|therefore\b|thus\b|hence\b|so\b(?!-))",
    re.IGNORECASE,
)


def points_back(sentence: str) -> bool:
    """Whether ``sentence`` opens by referring to what was said before it."""
    return _POINTS_BACK.match(sentence) is not None


def orphaned(claims: Sequence[Claim], kept: set[int], gone: set[int]) -> set[int]:
    """The indices in ``kept`` of ``claims`` (in answer order) whose sentence points back at a
    removed one: the one just before is in ``gone`` (removed for what it claims, not for its
    form, e.g. a repeat of the question) or is itself orphaned."""
    lost = set(gone)
    found: set[int] = set()
    for i in range(1, len(claims)):
        if i in kept and i - 1 in lost and points_back(claims[i].text):
            lost.add(i)
            found.add(i)
    return found
