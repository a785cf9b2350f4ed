"""The LLM seam: chat messages in, a stream of text out."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from pagewise.errors import PagewiseError


class LLMError(PagewiseError):
    """The language model is unreachable, too slow, or answered with an error."""


@dataclass(frozen=True)
class Message:
    role: Literal["system", "user", "assistant"]
    content: str


class LLM(Protocol):
    """A chat model. Implementations raise LLMError with a message a user can act on."""

    name: str

    def stream(
        self, messages: Sequence[Message], max_tokens: int = 512, temperature: float = 0.0
    ) -> Iterator[str]:
        """Yield the answer in pieces as the model produces them."""
        ...

    def count_tokens(self, text: str) -> int:
        """An estimate of ``text``'s length in this model's tokens (for the history budget)."""
        ...


def complete(
    llm: LLM, messages: Sequence[Message], max_tokens: int = 512, temperature: float = 0.0
) -> str:
    return "".join(llm.stream(messages, max_tokens=max_tokens, temperature=temperature))


def estimate_tokens(text: str) -> int:
    """Roughly one token per Chinese character and per short English word piece."""
    cjk = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff")
    return cjk + (len(text) - cjk + 3) // 4
