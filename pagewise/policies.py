"""The editable policy files under ``policies/``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pagewise.errors import ConfigError

DEFAULT_REFUSAL = "该问题暂未收录，请联系技术支持"
# The copies that ship with Pagewise, used when the configured folder does not exist.
BUNDLED_DIR = Path(__file__).resolve().parent.parent / "policies"


@dataclass(frozen=True)
class Policies:
    system_prompt: str
    refusal: str


def load_policies(folder: Path) -> Policies:
    if not folder.is_dir():
        if folder.is_absolute() or not BUNDLED_DIR.is_dir():
            raise ConfigError(f"the policies folder {folder} does not exist; set policies_dir")
        folder = BUNDLED_DIR
    refusal_file = folder / "refusal.txt"
    refusal = (
        refusal_file.read_text(encoding="utf-8").strip() if refusal_file.is_file() else ""
    ) or DEFAULT_REFUSAL
    prompt_file = folder / "system_prompt.md"
    if not prompt_file.is_file():
        raise ConfigError(f"{prompt_file} is missing: it holds the assistant's rules")
    template = prompt_file.read_text(encoding="utf-8")
    if "{refusal}" not in template:
        raise ConfigError(
            f"{prompt_file} must contain {{refusal}} where the refusal text goes, so the model"
            " answers uncovered questions with exactly that text"
        )
    return Policies(system_prompt=template.replace("{refusal}", refusal).strip(), refusal=refusal)
