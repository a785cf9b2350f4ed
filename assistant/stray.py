"""Sentences that stray from the manual the answer comes from.

The model reads three passages, at times from different manuals, and after answering from one it
may go on with whatever another says: "CUPS 属于打印服务 [1]。因为操作系统默认 240 秒后才会关闭
time_wait 连接… [2]" goes on from a Java manual's server rules. Such a sentence is stated by its
passage, so the judge passes it, but it answers nothing that was asked. An answer comes from one
manual: a sentence after the first shown one that cites only other manuals is removed.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.claims import Claim
from assistant.retrieval import Passage

STRAYS = "cites only other manuals than the answer before it"


def strayed(kept: Sequence[Claim], passages: Sequence[Passage]) -> list[Claim]:
    """The sentences of ``kept`` (in answer order) after the first that cite passages of none of
    the manuals the first one cites."""
    if not kept:
        return []
    manuals = {passages[n - 1].doc_id for n in kept[0].cited}
    return [
        claim
        for claim in kept[1:]
        if claim.cited and not manuals & {passages[n - 1].doc_id for n in claim.cited}
    ]
