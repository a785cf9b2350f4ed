"""Masking personal data (phone and ID numbers, custom patterns) before a record is written."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pagewise.errors import ConfigError
from pagewise.policies import BUNDLED_DIR

Mask = tuple[re.Pattern[str], str]
"""A pattern and its replacement (``re.sub`` syntax: ``\\1`` keeps group 1)."""

BUILTIN_MASKS: dict[str, Mask] = {
    # Mainland mobile numbers: keep the carrier prefix and the last four digits.
    "phone": (re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)"), r"\1****\2"),
    # 18-character resident ID numbers: keep the region code and the last four characters.
    "cn_id": (
        re.compile(
            r"(?<![0-9A-Za-z])(\d{6})(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
            r"(\d{3}[0-9Xx])(?![0-9A-Za-z])"
        ),
        r"\1********\2",
    ),
    "email": (
        re.compile(r"(?<![\w.%+-])([\w%+-])[\w.%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"),
        r"\1***@\2",
    ),
}
DEFAULT_MASKS = ("phone", "cn_id")


@dataclass(frozen=True)
class AuditPolicy:
    masks: tuple[Mask, ...]


def load_audit_policy(folder: Path) -> AuditPolicy:
    """Read ``audit.toml`` from the policies folder; no file means the default masks."""
    path = folder / "audit.toml"
    if not path.is_file() and not folder.is_absolute():
        path = BUNDLED_DIR / "audit.toml"
    if not path.is_file():
        return AuditPolicy(tuple(BUILTIN_MASKS[name] for name in DEFAULT_MASKS))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}. Fix the file and retry.") from exc
    return AuditPolicy(_builtin_masks(path, data) + _custom_masks(path, data))


def _builtin_masks(path: Path, data: dict[str, Any]) -> tuple[Mask, ...]:
    names = data.get("mask", list(DEFAULT_MASKS))
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f'{path}: mask must be a list of names, e.g. mask = ["phone"]')
    unknown = [n for n in names if n not in BUILTIN_MASKS]
    if unknown:
        raise ConfigError(
            f"{path}: unknown mask {', '.join(unknown)}; use {', '.join(BUILTIN_MASKS)}"
            " or a [[custom]] pattern"
        )
    return tuple(BUILTIN_MASKS[n] for n in names)


def _custom_masks(path: Path, data: dict[str, Any]) -> tuple[Mask, ...]:
    entries = data.get("custom", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: write custom masks as [[custom]] tables")
    masks = []
    for number, entry in enumerate(entries, start=1):
        pattern = entry.get("pattern") if isinstance(entry, dict) else None
        replacement = entry.get("replacement", "***") if isinstance(entry, dict) else None
        if not isinstance(pattern, str) or not isinstance(replacement, str) or not pattern:
            raise ConfigError(
                f"{path}: custom mask {number} needs pattern = '...' and replacement = '...'"
            )
        try:
            compiled = re.compile(pattern)
            # A bad group reference in the replacement would otherwise fail at the first match,
            # inside a user's request: expand it once against an empty match now.
            probe = re.compile(pattern + "|").match("")
            if probe is not None:
                probe.expand(replacement)
        except re.error as exc:
            raise ConfigError(f"{path}: custom mask {number} is not valid: {exc}") from exc
        masks.append((compiled, replacement))
    return tuple(masks)


def mask_value(value: Any, masks: Sequence[Mask]) -> Any:
    if isinstance(value, str):
        for pattern, replacement in masks:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, list):
        return [mask_value(v, masks) for v in value]
    if isinstance(value, dict):
        return {k: mask_value(v, masks) for k, v in value.items()}
    return value
