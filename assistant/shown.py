"""The answer as shown: its kept sentences joined, their marks renumbered [1], [2], … in order
of first use, each number with the citation of the passage it stood for."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from assistant.citations import Citation, make_citation
from assistant.claims import MARK, Claim, with_mark
from assistant.replies import bare_reply
from assistant.retrieval import Passage


def renumbered(kept: Sequence[Claim], passages: Sequence[Passage]) -> tuple[str, list[Citation]]:
    kept = _reply_marked(kept)
    order: dict[int, int] = {}
    for claim in kept:
        for n in MARK.findall(claim.text):
            order.setdefault(int(n), len(order) + 1)
    joined = _join(c.text for c in kept)
    text = MARK.sub(lambda m: f"[{order[int(m.group(1))]}]", joined)
    citations = [
        make_citation(new, passages[old - 1])
        for old, new in sorted(order.items(), key=lambda i: i[1])
    ]
    return text, citations


def _reply_marked(kept: Sequence[Claim]) -> Sequence[Claim]:
    """A bare yes or no opening the answer cites what the sentence after it cites: that is what
    says yes or no ("是的 [1]。该手册确实描述了… [2]。" had [1] on the manual's title page)."""
    lead = kept[0].text if kept else ""
    if len(kept) < 2 or not MARK.search(lead) or not bare_reply(MARK.sub("", lead)):
        return kept
    if not kept[1].cited:
        return kept
    text = MARK.sub("", kept[0].text).rstrip()
    for n in kept[1].cited:
        text = with_mark(text, n)
    return [Claim(text, kept[1].cited), *kept[1:]]


def _join(sentences: Iterable[str]) -> str:
    parts: list[str] = []
    for sentence in sentences:
        # Chinese sentences run on after their full stop; English ones need a space.
        if parts and parts[-1][-1:].isascii():
            parts.append(" ")
        parts.append(sentence)
    return "".join(parts)
