"""A manual's command template, filled in with the user's own value.

Manuals write commands with a placeholder: "systemctl set-default name.target". Asked about
their own case ("Our kickstart links …/multi-user.target to default.target. Which command
changes the default target?"), the small model fills the template in: "`systemctl set-default
multi-user.target`" (holdout60). The passage does not hold that as written, yet the answer
invents nothing: the command is the manual's, and the value is the user's.
"""

from __future__ import annotations

import re

from assistant.citations import CODE_SPAN
from assistant.wording import term_held

# The words manuals put where the reader writes their own value.
PLACEHOLDERS = ("name", "xxx", "username", "filename", "unit", "value", "<name>")
_WORD = re.compile(r"[A-Za-z0-9][\w-]*", re.ASCII)


def filled_in(term: str, sentence: str, support: str, question: str) -> bool:
    """Whether ``term`` of ``sentence``, or the code span of the sentence it is part of
    ("user.target" of `systemctl set-default multi-user.target`), fits a template of
    ``support`` filled in with a word of the question."""
    spans = [term, *(s for s in CODE_SPAN.findall(sentence) if term in s)]
    return any(fits_template(span, support, question) for span in spans)


def fits_template(term: str, support: str, question: str) -> bool:
    """Whether ``term`` (a command the answer writes) is a template of ``support`` with one of
    its words, a word the question writes, in the place of the template's placeholder."""
    if " " not in term.strip():
        return False  # a lone name is not a command: "multi-user.target" must be written
    asked = {w.casefold() for w in _WORD.findall(question)}
    for word in _WORD.finditer(term):
        if word[0].casefold() not in asked:
            continue
        for placeholder in PLACEHOLDERS:
            filled = term[: word.start()] + placeholder + term[word.end() :]
            if term_held(filled, support):
                return True
    return False
