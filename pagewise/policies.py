"""The editable policy files under ``policies/``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pagewise.errors import ConfigError

DEFAULT_REFUSAL = "该问题暂未收录，请联系技术支持"
DEFAULT_SENSITIVE_REFUSAL = "该问题涉及受限内容，无法回答。如有需要，请联系管理员。"
# The copies that ship with Pagewise, used when the configured folder does not exist.
BUNDLED_DIR = Path(__file__).resolve().parent.parent / "policies"


@dataclass(frozen=True)
class Policies:
    system_prompt: str
    refusal: str
    sensitive_refusal: str = DEFAULT_SENSITIVE_REFUSAL


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
    sensitive_file = folder / "sensitive_refusal.txt"
    sensitive_refusal = (
        sensitive_file.read_text(encoding="utf-8").strip() if sensitive_file.is_file() else ""
    ) or DEFAULT_SENSITIVE_REFUSAL
    return Policies(
        system_prompt=template.replace("{refusal}", refusal).strip(),
        refusal=refusal,
        sensitive_refusal=sensitive_refusal,
    )
