"""The portal's words in Chinese (简体) and English: one catalog per language, one switch.

The catalogs are ``locales/zh.toml`` and ``locales/en.toml``: tables of keys (``[login]
username = "…"`` is ``login.username``) whose texts take ``str.format`` fields by name. Both
hold the same keys with the same fields (tests/test_portal_i18n.py). Pagewise wrote every
catalog text, so it is shown as Markdown; a field filled with a document's, the model's or
the directory's text is escaped by the caller (ui/portal/display.py), as before.

The language of a session: the one picked in the sidebar, else ``ui_language`` when it names
one, else the browser's (``navigator.language``: any ``zh-*`` is Chinese, anything else, or no
browser locale at all, is English).
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")
# Each name in its own language: whoever cannot read the current one still finds theirs.
LANGUAGE_NAMES: Mapping[Language, str] = {"zh": "中文", "en": "English"}
LOCALES = Path(__file__).with_name("locales")


@cache
def catalog(language: Language) -> Mapping[str, str]:
    """Every text of ``language`` by its dotted key."""
    with (LOCALES / f"{language}.toml").open("rb") as file:
        return dict(_flatten(tomllib.load(file)))


def _flatten(table: Mapping[str, object], prefix: str = "") -> list[tuple[str, str]]:
    entries: list[tuple[str, str]] = []
    for name, value in table.items():
        if isinstance(value, Mapping):
            entries += _flatten(value, f"{prefix}{name}.")
        elif isinstance(value, str):
            entries.append((f"{prefix}{name}", value))
        else:
            raise TypeError(f"{prefix}{name}: a catalog holds texts, not {type(value).__name__}")
    return entries


def fields(text: str) -> set[str]:
    """The names of the format fields in ``text``."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def pick_language(chosen: object, setting: str, browser_locale: str | None) -> Language:
    """The session's language: its choice, else the configured one, else the browser's."""
    if chosen in LANGUAGES:
        return chosen
    if setting in LANGUAGES:
        return setting
    if browser_locale and browser_locale.strip().lower().startswith("zh"):
        return "zh"
    return "en"  # "auto" and a browser that says nothing, or a language the portal lacks


@dataclass(frozen=True)
class Messages:
    """The texts of one language: ``msg("login.username")``, ``msg("x.y", seconds=3)``."""

    language: Language

    def __call__(self, key: str, **values: object) -> str:
        return catalog(self.language)[key].format(**values)
