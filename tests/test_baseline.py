"""The llama-index baseline: builds offline over real manuals and answers with our seams."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any, NoReturn

import pytest
from llm_doubles import ScriptedLLM

from assistant.evaluation.baseline import BaselinePipeline
from pagewise.embedder import Embedder
from pagewise.policies import load_policies

REPO = Path(__file__).resolve().parent.parent


def test_baseline_retrieves_pages_and_cites_them(
    monkeypatch: pytest.MonkeyPatch, embedder: Embedder, fixtures: Path, shared_manual: Path
) -> None:
    def no_network(*args: Any, **kwargs: Any) -> NoReturn:
        raise AssertionError(f"the baseline tried to reach the network: {args}")

    # llama-index fetches NLTK data and tiktoken files when its bundled copies are not found.
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    llm = ScriptedLLM("不允许，应使用 java.time 的类。")
    pipeline = BaselinePipeline([fixtures / "manual.pdf", shared_manual], embedder, llm)

    passages = pipeline.retrieve("不允许使用 java.sql.Date 吗？")
    assert len(passages) == 3
    assert all(p.doc == "java-manual-huangshan.pdf" for p in passages)
    assert any(12 <= p.page <= 13 for p in passages), [p.page for p in passages]

    answer = pipeline.ask("不允许使用 java.sql.Date 吗？")
    assert [c.n for c in answer.citations] == [1, 2, 3]
    assert not answer.refused
    assert answer.model == "scripted"
    [prompt] = llm.calls
    assert [m.role for m in prompt] == ["user"]
    assert "Query: 不允许使用 java.sql.Date 吗？" in prompt[0].content


@pytest.mark.parametrize(
    "reply",
    [
        "This question is not covered yet. Please contact technical support.",
        "该问题暂未收录，请联系技术支持",
    ],
)
def test_baseline_counts_every_languages_configured_refusal_as_a_refusal(
    embedder: Embedder, fixtures: Path, reply: str
) -> None:
    # The baseline is scored like the assistant: an English question may get the English
    # refusal, and a small model told one language's refusal may still reply with the other.
    pipeline = BaselinePipeline(
        [fixtures / "notes.txt"],
        embedder,
        ScriptedLLM(reply),
        policies=load_policies(REPO / "policies"),
    )
    assert pipeline.ask("Who handles night alerts?").refused
    assert (
        not BaselinePipeline([fixtures / "notes.txt"], embedder, ScriptedLLM("值班工程师负责。"))
        .ask("谁处理夜间告警？")
        .refused
    )
