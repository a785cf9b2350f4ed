"""A scripted LLM for unit tests of prompt assembly and citation checking (never the only proof
that answering works: the embedded model is tested for real in test_answering.py)."""

from collections.abc import Iterator, Sequence

from assistant.judge import SYSTEM as JUDGE_SYSTEM
from assistant.llm import Message, estimate_tokens
from assistant.on_question import SYSTEM as QUESTION_CHECK

# The translation step's two instructions; an empty reply means no translation, so a test of
# another step sees only that step's calls.
NO_TRANSLATION = {"Translate the user's question": "", "把用户的问题翻译成": ""}


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


def checked_answer(
    answer: str, routes: dict[str, str], judge: str = "1: NO", on_question: str = "YES"
) -> RoutedLLM:
    """``answer`` with fixed replies from the judge and the question check, no translation, and
    ``routes`` for the step under test (its key first, so it wins)."""
    return RoutedLLM(
        answer,
        {**routes, JUDGE_SYSTEM[:40]: judge, QUESTION_CHECK[:40]: on_question, **NO_TRANSLATION},
    )
