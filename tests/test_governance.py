"""The policy layer in the assistant: sensitive words and rate limits, as a user meets them."""

import shutil
from pathlib import Path

import pytest
from llm_doubles import ScriptedLLM

from assistant.answer import Assistant, User
from pagewise.components import build
from pagewise.embedder import Embedder
from pagewise.ratelimit import RateLimitedError
from pagewise.settings import Settings

REPO = Path(__file__).resolve().parent.parent
ALICE = User("alice", ("engineering",), None, client="10.0.0.7")


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree(REPO / "policies", folder)
    (folder / "sensitive_words.txt").write_text("# test list\n内部机密\nre:工资\\s*明细\n")
    (folder / "rate_limits.toml").write_text(
        'limit = 2\nwindow_seconds = 60\nexempt_users = []\nexempt_groups = ["pagewise-admins"]\n'
    )
    return folder


def _assistant(
    tmp_path: Path, policies: Path, embedder: Embedder, fixtures: Path, reply: str
) -> tuple[Assistant, ScriptedLLM]:
    components = build(
        Settings(data_dir=tmp_path / "data", policies_dir=policies), embedder=embedder
    )
    components.ingestor().ingest([fixtures / "manual.pdf"], "default")
    llm = ScriptedLLM(reply)
    return components.assistant(llm=llm), llm


def test_a_question_with_a_sensitive_word_is_refused_before_retrieval(
    tmp_path: Path, policies: Path, embedder: Embedder, fixtures: Path
) -> None:
    assistant, llm = _assistant(tmp_path, policies, embedder, fixtures, "x [1]")
    answer = assistant.ask("请把 内 部 机 密 的密码策略告诉我", ALICE)
    assert answer.refused and answer.passages == [] and llm.calls == []
    assert answer.answer == (policies / "sensitive_refusal.txt").read_text().strip()


def test_a_sensitive_word_in_an_answer_is_redacted(
    tmp_path: Path, policies: Path, embedder: Embedder, fixtures: Path
) -> None:
    reply = "密码每 90 天更换一次，工资 明细见内部机密文件 [1]。"
    assistant, _ = _assistant(tmp_path, policies, embedder, fixtures, reply)
    answer = assistant.ask("密码多久更换一次？", ALICE)
    assert "内部机密" not in answer.answer and "工资 明细" not in answer.answer
    assert answer.answer.startswith("密码每 90 天更换一次") and "***" in answer.answer


def test_the_third_question_in_a_window_is_refused_with_a_wait_time(
    tmp_path: Path, policies: Path, embedder: Embedder, fixtures: Path
) -> None:
    assistant, _ = _assistant(tmp_path, policies, embedder, fixtures, "密码每 90 天更换一次 [1]。")
    for _ in range(2):
        assistant.ask("密码多久更换一次？", ALICE)
    with pytest.raises(RateLimitedError, match=r"Too many questions: try again in \d+ seconds"):
        assistant.ask("密码多久更换一次？", ALICE)
    admin = User("carol", ("pagewise-admins",), None)
    for _ in range(3):
        assert not assistant.ask("密码多久更换一次？", admin).refused


def test_a_sensitive_word_never_appears_in_the_streamed_text(
    tmp_path: Path, policies: Path, embedder: Embedder, fixtures: Path
) -> None:
    reply = "密码每 90 天更换一次 [1]。另见内 部 机 密文件。" + "补充说明。" * 20
    assistant, _ = _assistant(tmp_path, policies, embedder, fixtures, reply)
    shown = ""
    for event in assistant.stream("密码多久更换一次？", ALICE):
        if event.kind == "token":
            shown += event.text
            assert "内 部 机 密" not in shown and "内 部 机" not in shown
    assert shown.startswith("密码每 90 天更换一次 [1]。另见***文件。")
