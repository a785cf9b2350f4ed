"""Grounded answers with the embedded CPU model on the real shared manual: no invented figure
is shown, a question the manual does not answer is refused, and the model's own judgment keeps
what its passages state."""

import functools
from collections.abc import Callable, Iterator, Sequence

import pytest

from assistant.answer import Answer, Assistant, User
from assistant.citations import key_terms
from assistant.claims import claims_of
from assistant.llm import LLM, Message
from pagewise.policies import load_policies
from pagewise.text import squeeze
from ui.components import Components

USER = User("tester")
HASHMAP = "HashMap 初始化时容量应该设置成多少？"


class ScriptedAnswer:
    """The embedded model for every call but the answer itself, which is scripted: the real
    model then translates the question and judges a known answer."""

    def __init__(self, real: LLM, system_prompt: str, answer: str) -> None:
        self.real, self.system_prompt, self.answer = real, system_prompt, answer
        self.name = real.name
        self.judged: list[str] = []

    def count_tokens(self, text: str) -> int:
        return self.real.count_tokens(text)

    def stream(
        self, messages: Sequence[Message], max_tokens: int = 512, temperature: float = 0.0
    ) -> Iterator[str]:
        if messages[0].content == self.system_prompt and messages[-1].role == "user":
            if len(messages) == 2:  # the answering call
                yield self.answer
                return
            pieces = list(self.real.stream(messages, max_tokens, temperature))
            self.judged.append("".join(pieces))
            yield from pieces
            return
        yield from self.real.stream(messages, max_tokens, temperature)


@pytest.fixture(scope="module")
def assistant(java_index: Components, embedded_llm: LLM) -> Assistant:
    return java_index.assistant(llm=embedded_llm, rate_limited=False, audited=False)


@pytest.fixture(scope="module")
def answer_to(assistant: Assistant) -> Callable[[str], Answer]:
    """The model's answer to a question, written once for the module (the CPU model: slow): the
    model answers at temperature 0 and this assistant keeps nothing between questions (no
    audit, no rate limit), so tests that ask the same question read the same answer."""
    return functools.cache(lambda question: assistant.ask(question, USER))


def _scripted(java_index: Components, embedded_llm: LLM, answer: str) -> Assistant:
    system_prompt = load_policies(java_index.settings.policies_dir).system_prompt
    llm = ScriptedAnswer(embedded_llm, system_prompt, answer)
    return java_index.assistant(llm=llm, rate_limited=False, audited=False)


def _unsupported_terms(answer: Answer) -> list[str]:
    """Numbers and names in shown sentences that neither the cited passages nor the question
    contain."""
    passages = {
        c.n: next(p for p in answer.passages if p.chunk_id == c.chunk_id) for c in answer.citations
    }
    asked = squeeze(answer.question)
    missing = []
    for claim in claims_of(answer.answer):
        support = squeeze(" ".join(passages[n].text for n in claim.cited if n in passages))
        missing += [t for t in key_terms(claim.text) if squeeze(t) not in support + asked]
    return missing


@pytest.mark.parametrize(
    "question",
    [
        "Java 开发手册规定一个类最多可以写多少行代码？",
        "How many days does the manual allow before a FIXME marker must be resolved?",
        "代码的圈复杂度最多允许是多少？",
    ],
)
def test_an_invented_figure_is_never_shown(
    answer_to: Callable[[str], Answer], question: str
) -> None:
    answer = answer_to(question)
    assert answer.refused or _unsupported_terms(answer) == [], answer.answer


def test_a_near_domain_question_is_refused(answer_to: Callable[[str], Answer]) -> None:
    answer = answer_to("Java 开发手册规定一个类最多可以写多少行代码？")
    assert answer.refused, answer.answer
    assert answer.citations == []


def test_a_supported_multi_sentence_answer_keeps_all_its_sentences(
    java_index: Components, embedded_llm: LLM
) -> None:
    reply = "如果暂时无法确定集合大小，那么指定默认值（16）即可 [1]。负载因子默认为 0.75 [2]。"
    answer = _scripted(java_index, embedded_llm, reply).ask(HASHMAP, USER)
    assert not answer.refused and answer.removed == [], answer.removed
    assert answer.answer == reply
    assert [c.n for c in answer.citations] == [1, 2]


def test_a_mixed_answer_keeps_its_supported_sentences_and_renumbers_citations(
    java_index: Components, embedded_llm: LLM
) -> None:
    reply = (
        "负载因子默认为 0.75 [2]。HashMap 的最大容量是 4096 [1]。"
        "如果暂时无法确定集合大小，那么指定默认值（16）即可 [1]。"
    )
    answer = _scripted(java_index, embedded_llm, reply).ask(HASHMAP, USER)
    assert "4096" not in answer.answer
    assert [r.sentence for r in answer.removed if "4096" in r.sentence]
    assert answer.answer == (
        "负载因子默认为 0.75 [1]。如果暂时无法确定集合大小，那么指定默认值（16）即可 [2]。"
    )
    first, second = answer.citations
    assert "0.75" in next(p.text for p in answer.passages if p.chunk_id == first.chunk_id)
    assert "默认值（16）" in next(p.text for p in answer.passages if p.chunk_id == second.chunk_id)
