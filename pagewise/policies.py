"""The editable policy files under ``policies/``.

The refusals come per language: ``refusal.txt`` and ``sensitive_refusal.txt`` are Chinese (and
stand in for any language without a file of its own), ``refusal.en.txt`` and
``sensitive_refusal.en.txt`` English. The question's language picks one (see
:func:`pagewise.keywords.question_language`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pagewise.errors import ConfigError
from pagewise.keywords import question_language

DEFAULT_REFUSAL = "该问题暂未收录，请联系技术支持"
DEFAULT_SENSITIVE_REFUSAL = "该问题涉及受限内容，无法回答。如有需要，请联系管理员。"
# The languages a question is told apart in; the first is that of the files without a suffix.
LANGUAGES = ("zh", "en")
# The copies that ship with Pagewise, used when the configured folder does not exist.
BUNDLED_DIR = Path(__file__).resolve().parent.parent / "policies"


@dataclass(frozen=True)
class Policies:
    """``system_prompt``, ``refusal`` and ``sensitive_refusal`` are the Chinese (default) ones;
    the mappings hold every language's, with the system prompt naming that language's
    refusal."""

    system_prompt: str
    refusal: str
    sensitive_refusal: str = DEFAULT_SENSITIVE_REFUSAL
    refusals: Mapping[str, str] = field(default_factory=dict)
    sensitive_refusals: Mapping[str, str] = field(default_factory=dict)
    system_prompts: Mapping[str, str] = field(default_factory=dict)

    def refusal_for(self, question: str) -> str:
        return self.refusals.get(question_language(question), self.refusal)

    def sensitive_refusal_for(self, question: str) -> str:
        return self.sensitive_refusals.get(question_language(question), self.sensitive_refusal)

    def system_prompt_for(self, question: str) -> str:
        return self.system_prompts.get(question_language(question), self.system_prompt)

    def all_refusals(self) -> tuple[str, ...]:
        """Every language's refusal: a model's reply that is any of them is a refusal."""
        return tuple(dict.fromkeys([self.refusal, *self.refusals.values()]))

    def all_system_prompts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([self.system_prompt, *self.system_prompts.values()]))


def load_policies(folder: Path) -> Policies:
    if not folder.is_dir():
        if folder.is_absolute() or not BUNDLED_DIR.is_dir():
            raise ConfigError(f"the policies folder {folder} does not exist; set policies_dir")
        folder = BUNDLED_DIR
    prompt_file = folder / "system_prompt.md"
    if not prompt_file.is_file():
        raise ConfigError(f"{prompt_file} is missing: it holds the assistant's rules")
    template = prompt_file.read_text(encoding="utf-8")
    if "{refusal}" not in template:
        raise ConfigError(
            f"{prompt_file} must contain {{refusal}} where the refusal text goes, so the model"
            " answers uncovered questions with exactly that text"
        )
    refusals = _per_language(folder, "refusal", DEFAULT_REFUSAL)
    sensitive_refusals = _per_language(folder, "sensitive_refusal", DEFAULT_SENSITIVE_REFUSAL)
    # One refusal per prompt: a small model shown two refusal texts mixes them up.
    prompts = {
        language: template.replace("{refusal}", refusal).strip()
        for language, refusal in refusals.items()
    }
    default = LANGUAGES[0]
    return Policies(
        system_prompt=prompts[default],
        refusal=refusals[default],
        sensitive_refusal=sensitive_refusals[default],
        refusals=refusals,
        sensitive_refusals=sensitive_refusals,
        system_prompts=prompts,
    )


def _per_language(folder: Path, stem: str, default: str) -> dict[str, str]:
    """``stem.txt`` for the first language and ``stem.LANG.txt`` for the others; a language
    without its file (or with an empty one) gets the first language's text, so a site whose
    own refusal.txt predates the English file never shows the shipped English wording."""
    texts: dict[str, str] = {}
    for language in LANGUAGES:
        suffix = "" if language == LANGUAGES[0] else f".{language}"
        path = folder / f"{stem}{suffix}.txt"
        text = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
        texts[language] = text or texts.get(LANGUAGES[0], default)
    return texts
