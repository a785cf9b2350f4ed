"""A scripted LLM for unit tests of prompt assembly and citation checking (never the only proof
that answering works: the embedded model is tested for real in test_answering.py)."""

from collections.abc import Iterator, Sequence

from assistant.llm import Message, estimate_tokens


class ScriptedLLM:
    name = "scripted"

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.calls: list[list[Message]] = []

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    def stream(
        self, messages: Sequence[Message], max_tokens: int = 512, temperature: float = 0.0
    ) -> Iterator[str]:
        self.calls.append(list(messages))
        for i in range(0, len(self.reply), 5):
            yield self.reply[i : i + 5]


class RoutedLLM(ScriptedLLM):
    """Replies by the call: the first of ``routes`` whose key is in the system message (the
    rewriting, translating or judging instructions) gives the reply, else ``reply`` (the
    answer)."""

    def __init__(self, reply: str, routes: dict[str, str]) -> None:
        super().__init__(reply)
        self.routes = routes

    def stream(
        self, messages: Sequence[Message], max_tokens: int = 512, temperature: float = 0.0
    ) -> Iterator[str]:
        self.calls.append(list(messages))
        system = messages[0].content if messages and messages[0].role == "system" else ""
        yield next((r for key, r in self.routes.items() if key in system), self.reply)
