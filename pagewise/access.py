"""Which collections a user may search, from their directory groups (policies/access.toml)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pagewise.errors import ConfigError
from pagewise.policies import BUNDLED_DIR


@dataclass(frozen=True)
class AccessPolicy:
    groups: dict[str, tuple[str, ...]]

    def collections_for(self, groups: Iterable[str], is_admin: bool) -> tuple[str, ...] | None:
        """The user's collections; None means all of them (administrators)."""
        if is_admin:
            return None
        allowed: list[str] = []
        for group in groups:
            for collection in self.groups.get(group, ()):
                if collection not in allowed:
                    allowed.append(collection)
        return tuple(allowed)


def load_access(folder: Path) -> AccessPolicy:
    path = folder / "access.toml"
    if not path.is_file() and not folder.is_absolute():
        path = BUNDLED_DIR / "access.toml"
    if not path.is_file():
        return AccessPolicy({})
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    table = data.get("groups", {})
    if not isinstance(table, dict) or not all(
        isinstance(v, list) and all(isinstance(c, str) for c in v) for v in table.values()
    ):
        raise ConfigError(f"{path}: [groups] must map group names to lists of collections")
    return AccessPolicy({str(k): tuple(v) for k, v in table.items()})
