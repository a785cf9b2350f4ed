"""Why a sentence was removed from an answer: the reasons grounding.py writes, and what they
say of the sentence (the quotation fallback, quote.py, reads them)."""

from __future__ import annotations

from assistant.lead import REPEATS

SILENT = "says the manuals do not cover it"
SAYS_NOTHING = "says nothing"
POINTS = "only points at its source"
SAID = "said before"
FOLLOWS = "follows an unsupported answer"
MISSING = "not in the cited passage: "
UNGIVEN = "a range the cited passage does not give: "
DENIED = "says yes where the cited passage says no: "
# "是的 [1]。" and nothing after it that was checked: a yes the reader cannot see the ground of
# (both such answers of holdout59, recorded with the yes-or-no prompt rule, were wrong).
BARE = "a yes or no with nothing checked after it"
# Removal reasons of sentences that make no statement: they never stand for the answer.
NOT_A_STATEMENT = (SAYS_NOTHING, POINTS, REPEATS, SAID)


def missing_terms(reason: str) -> list[str]:
    """The numbers and names a removal reason says the cited passage lacks (none for others)."""
    return reason.removeprefix(MISSING).split(", ") if reason.startswith(MISSING) else []


def for_form_only(reason: str) -> bool:
    """Whether a sentence was removed for how it is written rather than for what it claims:
    it makes no statement of its own (repeats the question, says nothing, points at its
    source, says it again), or only follows such a lead."""
    return reason in (*NOT_A_STATEMENT, FOLLOWS)
