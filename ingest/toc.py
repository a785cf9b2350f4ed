"""Tables of contents are not headings: their lines ("1 Source files format 7", "1.2 安装 ……
5") match a heading's numbering and are often set in bold, but they only point at sections.

Three shapes are recognised on a page: an entry whose title runs into its page number through
dot leaders (anywhere); on a contents page (titled Contents/目录, or holding several leader
entries) any numbered title ending in a page number; and a chapter's own short listing of its
sections (Word's mini table of contents), which the real headings repeat further down the page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.headings import detect_heading

_PAGE = r"(?:\d{1,4}|[ivxlc]{1,6})"
# Dot leaders ". . . .", "……", "····", "____" and then the page number.
_LEADER_ENTRY = re.compile(rf"(?:(?:[.．·]\s*){{3,}}|…+\s*|[_-]{{3,}}\s*)\s*{_PAGE}$", re.I)
_TRAILING_PAGE = re.compile(rf"\s+{_PAGE}$", re.I)
# A contents page says so in its first lines (or in its running header: "… 目  录").
_CONTENTS = re.compile(
    r"(?:^|\s)(?:(?:table\s+of\s+)?contents|目\s*录|目\s*次|list\s+of\s+(?:tables|figures))$",
    re.I,
)
MIN_LEADER_ENTRIES = 3  # leader entries that make a page a contents page
_TITLE_LINES = 6  # lines from the page's top searched for its "Contents" title


def is_leader_entry(line: str) -> bool:
    """A title, dot leaders and a page number: an entry of a table of contents."""
    return bool(_LEADER_ENTRY.search(line.strip()))


def is_contents_title(line: str) -> bool:
    """Whether ``line`` is "Contents", "目录", "List of Tables"...: a contents page's title,
    never a manual's."""
    return bool(_CONTENTS.search(line.strip())) and len(line.strip()) <= 24


def toc_lines(lines: Sequence[str]) -> set[int]:
    """Indexes of the lines of one page that belong to a table of contents."""
    text = [line.strip() for line in lines]
    leaders = {i for i, line in enumerate(text) if is_leader_entry(line)}
    top = [line for line in text if line][:_TITLE_LINES]
    contents_page = len(leaders) >= MIN_LEADER_ENTRIES or any(_CONTENTS.search(t) for t in top)
    found = set(leaders)
    if contents_page:
        found |= {i for i, line in enumerate(text) if _numbered_entry(line)}
    return found | _section_listing(text)


def _numbered_entry(line: str) -> bool:
    """A numbered title followed by a page number ("3 The user interface 25")."""
    if not _TRAILING_PAGE.search(line):
        return False
    return detect_heading(_TRAILING_PAGE.sub("", line)) is not None


def _section_listing(text: list[str]) -> set[int]:
    """Runs of numbered titles of one level that the page repeats further down as its real
    headings ("1.1  加固目的 / 1.2  加固方案 / 1.3  加固影响" above "1.1 加固目的")."""
    levels = {i: level for i, line in enumerate(text) if (level := detect_heading(line))}
    keys = {i: "".join(text[i].split()) for i in levels}
    listed: set[int] = set()
    for i, key in keys.items():
        if i in listed or not any(j > i and other == key for j, other in keys.items()):
            continue
        run, seen = [i], {key}
        for step in (-1, 1):  # the neighbouring titles of the listing, up to a repeat
            j = i + step
            while levels.get(j) == levels[i] and keys[j] not in seen:
                run.append(j)
                seen.add(keys[j])
                j += step
        listed.update(run)
    return listed
