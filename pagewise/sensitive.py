"""Sensitive words: find, test and redact listed words and patterns in questions and answers.

The list lives in ``policies/sensitive_words.txt`` (one entry a line, ``re:`` for a regex).
Matching has to survive the usual evasions: full-width letters, mixed case, spaces,
punctuation, symbols or zero-width characters inserted between the characters, and a word
split across lines. So the text is normalised into two *views*, each with a map from every
view character back to the span of the original text it came from:

* the *folded* view: NFKC and casefold, invisible format characters dropped;
* the *compact* view: the folded view without whitespace, punctuation, symbols and stray
  combining marks.

Plain words are normalised into the compact form once, at load time, and looked up in the
compact view. Regex entries are tried on both views, so ``\\s*`` still sees the spaces while
a pattern like ``\\d{3}-\\d{4}`` still sees the hyphen. Matches map back to the original text,
spanning the inserted noise, so :meth:`SensitiveWords.redact` masks ``内 部 机 密`` whole.

Why no regex alternation for the plain words: with 10,000 entries Python's ``re`` tries the
branches one by one at every position (about 10 ms for a 300-character question, 4 ms as a
trie-shaped regex). A hash lookup of the few word lengths that start with each character is
about 0.4 ms with the normalisation (bench/policies.py) and needs no third-party automaton.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pagewise.errors import ConfigError

FILE_NAME = "sensitive_words.txt"
REGEX_PREFIX = "re:"
# Whitespace the folded view keeps for regex entries; every other control character goes.
_KEPT_CONTROLS = frozenset("\t\n\r\x0b\x0c")


@dataclass(frozen=True)
class Match:
    """One hit: the entry as written in the list, and its span in the original text."""

    word: str
    start: int
    end: int


@dataclass(frozen=True)
class _View:
    """Normalised text plus, for each of its characters, the original span it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]


@lru_cache(maxsize=65536)
def _fold(cluster: str) -> tuple[tuple[str, bool], ...]:
    """NFKC then casefold (``Ｉ`` -> ``i``, ``ﬁ`` -> ``fi``), less invisible characters; each
    resulting character with whether it is noise. Cached: texts reuse few distinct characters.
    """
    folded = unicodedata.normalize("NFKC", cluster).casefold()
    return tuple((char, _is_noise(char)) for char in folded if not _is_invisible(char))


def _is_noise(char: str) -> bool:
    """What an attacker can put between characters without changing what a reader sees."""
    # Z: spaces; P: punctuation; S: symbols and emoji; C: controls, zero-width and format
    # characters; M: combining marks left over after NFKC composed what it could.
    return unicodedata.category(char)[0] in "ZPSCM"


def _is_invisible(char: str) -> bool:
    category = unicodedata.category(char)
    return category == "Cf" or (category == "Cc" and char not in _KEPT_CONTROLS)


def _clusters(text: str) -> Iterable[tuple[int, int]]:
    """Spans of a base character and the combining marks after it, so NFKC can compose them."""
    combining = unicodedata.combining
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or not combining(text[index]):
            yield start, index
            start = index


def _views(text: str) -> tuple[_View, _View]:
    folded: list[str] = []
    folded_starts: list[int] = []
    folded_ends: list[int] = []
    compact: list[str] = []
    compact_starts: list[int] = []
    compact_ends: list[int] = []
    for start, end in _clusters(text):
        for char, noise in _fold(text[start:end]):
            folded.append(char)
            folded_starts.append(start)
            folded_ends.append(end)
            if not noise:
                compact.append(char)
                compact_starts.append(start)
                compact_ends.append(end)
    return (
        _View("".join(folded), tuple(folded_starts), tuple(folded_ends)),
        _View("".join(compact), tuple(compact_starts), tuple(compact_ends)),
    )


def normalise(word: str) -> str:
    """The compact form a plain entry is stored and matched in."""
    return _views(word)[1].text


class SensitiveWords:
    """A compiled list of sensitive words and patterns; immutable and safe to share."""

    def __init__(self, words: Iterable[str] = (), patterns: Iterable[str] = ()) -> None:
        self._words: dict[str, str] = {}  # compact form -> entry as written
        for word in words:
            key = normalise(word)
            if not key:
                raise ValueError(f"{word!r} has no letters or digits left to match")
            self._words.setdefault(key, word)
        self._patterns = [(REGEX_PREFIX + p, _compile(p)) for p in patterns]
        # For each first character, the entry lengths to try, longest first.
        lengths: dict[str, set[int]] = {}
        for key in self._words:
            lengths.setdefault(key[0], set()).add(len(key))
        self._lengths = {first: sorted(ls, reverse=True) for first, ls in lengths.items()}

    def __len__(self) -> int:
        return len(self._words) + len(self._patterns)

    def find(self, text: str) -> list[Match]:
        """Every hit, in text order; overlapping hits are all reported."""
        if not len(self):
            return []
        folded, compact = _views(text)
        found = set(self._find_words(compact))
        for word, pattern in self._patterns:
            for view in (folded, compact):
                found.update(_find_pattern(word, pattern, view))
        return sorted(found, key=lambda m: (m.start, -m.end, m.word))

    def contains(self, text: str) -> bool:
        return bool(self.find(text))

    def redact(self, text: str, mask: str = "***") -> str:
        """The text with each hit (and the noise inside it) replaced by ``mask``."""
        pieces: list[str] = []
        position = 0
        for start, end in _merge((m.start, m.end) for m in self.find(text)):
            pieces += [text[position:start], mask]
            position = end
        pieces.append(text[position:])
        return "".join(pieces)

    def _find_words(self, view: _View) -> Iterable[Match]:
        text, words, lengths = view.text, self._words, self._lengths
        for index, char in enumerate(text):
            for length in lengths.get(char, ()):
                candidate = text[index : index + length]
                # Near the end the slice is shorter than asked, and may equal a shorter entry.
                word = words.get(candidate) if len(candidate) == length else None
                if word is not None:
                    # The longest entry at a position covers the shorter ones there.
                    yield Match(word, *view.span(index, index + length))
                    break


def _find_pattern(word: str, pattern: re.Pattern[str], view: _View) -> Iterable[Match]:
    for hit in pattern.finditer(view.text):
        if hit.end() > hit.start():
            yield Match(word, *view.span(hit.start(), hit.end()))


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _compile(pattern: str) -> re.Pattern[str]:
    # IGNORECASE because the text is casefolded and the pattern may hold capitals.
    compiled = re.compile(pattern, re.IGNORECASE)
    if compiled.search("") is not None:
        # A pattern that matches nothing-at-all would "find" a hit everywhere.
        raise ValueError("it matches empty text; make at least one character required")
    return compiled


def parse_sensitive_words(lines: Iterable[str], source: str) -> SensitiveWords:
    """Parse the list format; ``source`` names the file in error messages."""
    words: list[str] = []
    patterns: list[str] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            if line.startswith(REGEX_PREFIX):
                pattern = line[len(REGEX_PREFIX) :].strip()
                _compile(pattern)
                patterns.append(pattern)
            else:
                if not normalise(line):
                    raise ValueError("it has no letters or digits left to match")
                words.append(line)
        except (re.error, ValueError) as exc:
            raise ConfigError(
                f"{source}, line {number}: {line!r} is not a usable entry ({exc}). Fix or"
                " remove the line."
            ) from exc
    return SensitiveWords(words, patterns)


def load_sensitive_words(policies_dir: Path) -> SensitiveWords:
    """The list from ``policies_dir/sensitive_words.txt``; no file means no sensitive words."""
    path = policies_dir / FILE_NAME
    if not path.is_file():
        return SensitiveWords()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path} ({exc}); save it as UTF-8 text") from exc
    return parse_sensitive_words(text.splitlines(), str(path))
