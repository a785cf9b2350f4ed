"""The policy layer in the assistant: sensitive words, rate limits and the audit of every
question, as a user meets them."""

import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from indexes import IndexCopy
from llm_doubles import ScriptedLLM

from assistant.answer import Assistant, User
from assistant.llm import LLMError, Message
from pagewise.audit.key import load_key
from pagewise.audit.log import AuditLog
from pagewise.audit.verify import verify
from pagewise.embedder import Embedder
from pagewise.errors import PagewiseError
from pagewise.ratelimit import RateLimitedError
from pagewise.settings import Settings
from ui.components import Components, build

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
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


def _components(
    tmp_path: Path, policies: Path, embedder: Embedder, manual: IndexCopy
) -> Components:
    # These tests are about what the policy layer does with the model's text, so the sentence
    # grounding (tested in test_grounding*.py) is set to keep what the scripts say.
    settings = Settings(
        data_dir=manual(FIXTURES / "manual.pdf", "default", tmp_path / "data"),
        policies_dir=policies,
        answer_check="terms",
        min_word_support=0.0,
    )
    return build(settings, embedder=embedder)


def _assistant(
    tmp_path: Path, policies: Path, embedder: Embedder, index_copy: IndexCopy, reply: str
) -> tuple[Assistant, ScriptedLLM]:
    components = _components(tmp_path, policies, embedder, index_copy)
    llm = ScriptedLLM(reply)
    return components.assistant(llm=llm), llm


def test_a_question_with_a_sensitive_word_is_refused_before_retrieval(
    tmp_path: Path, policies: Path, embedder: Embedder, index_copy: IndexCopy
) -> None:
    assistant, llm = _assistant(tmp_path, policies, embedder, index_copy, "x [1]")
    answer = assistant.ask("请把 内 部 机 密 的密码策略告诉我", ALICE)
    assert answer.refused and answer.passages == [] and llm.calls == []
    assert answer.answer == (policies / "sensitive_refusal.txt").read_text().strip()


def test_a_sensitive_word_in_an_answer_is_redacted(
    tmp_path: Path, policies: Path, embedder: Embedder, index_copy: IndexCopy
) -> None:
    reply = "密码每 90 天更换一次，工资 明细见内部机密文件 [1]。"
    assistant, _ = _assistant(tmp_path, policies, embedder, index_copy, reply)
    answer = assistant.ask("密码多久更换一次？", ALICE)
    assert "内部机密" not in answer.answer and "工资 明细" not in answer.answer
    assert answer.answer.startswith("密码每 90 天更换一次") and "***" in answer.answer


def test_the_third_question_in_a_window_is_refused_with_a_wait_time(
    tmp_path: Path, policies: Path, embedder: Embedder, index_copy: IndexCopy
) -> None:
    assistant, _ = _assistant(
        tmp_path, policies, embedder, index_copy, "密码每 90 天更换一次 [1]。"
    )
    for _ in range(2):
        assistant.ask("密码多久更换一次？", ALICE)
    with pytest.raises(RateLimitedError, match=r"Too many questions: try again in \d+ seconds"):
        assistant.ask("密码多久更换一次？", ALICE)
    admin = User("carol", ("pagewise-admins",), None)
    for _ in range(3):
        assert not assistant.ask("密码多久更换一次？", admin).refused


def test_a_sensitive_word_never_appears_in_the_streamed_text(
    tmp_path: Path, policies: Path, embedder: Embedder, index_copy: IndexCopy
) -> None:
    reply = "密码每 90 天更换一次 [1]。另见内 部 机 密文件。" + "补充说明。" * 20
    assistant, _ = _assistant(tmp_path, policies, embedder, index_copy, reply)
    shown = ""
    for event in assistant.stream("密码多久更换一次？", ALICE):
        if event.kind == "token":
            shown += event.text
            assert "内 部 机 密" not in shown and "内 部 机" not in shown
    assert shown.startswith("密码每 90 天更换一次 [1]。另见***文件。")


def test_a_sentence_left_out_is_redacted_in_the_answer_and_its_audit_record(
    tmp_path: Path, policies: Path, embedder: Embedder, index_copy: IndexCopy
) -> None:
    # The second sentence invents "60 天" (left out) and names a listed word.
    reply = "密码每 90 天更换一次 [1]。内部机密文件每 60 天更换一次 [1]。"
    assistant, _ = _assistant(tmp_path, policies, embedder, index_copy, reply)
    answer = assistant.ask("密码多久更换一次？", ALICE)
    (removed,) = answer.removed
    assert removed.sentence.startswith("***文件每 60 天")
    (record,) = [r for r in _records(tmp_path) if r["event"] == "answered"]
    assert record["removed"][0]["sentence"] == removed.sentence
    assert "内部机密" not in str(record) and "内部机密" not in str(answer.as_json())


class FailingLLM(ScriptedLLM):
    """Writes a little, then the server goes away."""

    def stream(
        self, messages: Sequence[Message], max_tokens: int = 512, temperature: float = 0.0
    ) -> Iterator[str]:
        self.calls.append(list(messages))
        yield "密码每 90 天"
        raise LLMError("cannot reach the LLM server at http://127.0.0.1:9/v1")


def _records(tmp_path: Path) -> list[dict[str, Any]]:
    """The question records, oldest first."""
    return list(reversed(AuditLog(tmp_path / "data" / "audit").recent()))


def test_every_question_writes_exactly_one_audit_record_with_its_outcome(
    tmp_path: Path, policies: Path, embedder: Embedder, index_copy: IndexCopy
) -> None:
    assistant, _ = _assistant(
        tmp_path, policies, embedder, index_copy, "密码每 90 天更换一次 [1]。"
    )
    answered = assistant.ask("密码多久更换一次？", ALICE)
    refused = assistant.ask("What does the cafeteria serve on Fridays?", ALICE)
    with pytest.raises(RateLimitedError):
        assistant.ask("密码多久更换一次？", ALICE)
    admin = User("carol", ("pagewise-admins",), None)
    sensitive = assistant.ask("内部机密在哪里？", admin)

    records = _records(tmp_path)
    assert [r["event"] for r in records] == [
        "answered",
        "refused",
        "rate_limited",
        "sensitive_refused",
    ]
    assert [r["id"] for r in records if r["event"] != "rate_limited"] == [
        answered.audit_id,
        refused.audit_id,
        sensitive.audit_id,
    ]
    first = records[0]
    assert (first["user"], first["groups"], first["client"]) == (
        "alice",
        ["engineering"],
        ALICE.client,
    )
    assert first["question"] == "密码多久更换一次？" and first["answer"] == answered.answer
    assert first["citations"] == [{"doc": "manual.pdf", "page": 6, "page_label": "4"}]
    assert first["model"] == "scripted" and isinstance(first["latency_ms"], int)
    assert isinstance(first["time"], float)
    limited = records[2]
    assert limited["limited_by"] == "user:alice" and limited["retry_after"] > 0
    assert limited["answer"].startswith("Too many questions: try again in")
    assert verify(tmp_path / "data" / "audit", load_key(Settings().audit_key_file)).ok


def test_an_llm_failure_is_audited_as_an_error_and_raised(
    tmp_path: Path, policies: Path, embedder: Embedder, index_copy: IndexCopy
) -> None:
    components = _components(tmp_path, policies, embedder, index_copy)
    assistant = components.assistant(llm=FailingLLM(""))
    with pytest.raises(LLMError, match="cannot reach the LLM server"):
        assistant.ask("密码多久更换一次？", ALICE)
    (record,) = _records(tmp_path)
    assert (record["event"], record["user"], record["question"]) == (
        "error",
        "alice",
        "密码多久更换一次？",
    )
    assert record["error"].startswith("cannot reach the LLM server")
    assert record["error_type"] == "LLMError"


def test_a_reader_that_stops_before_the_answer_still_leaves_one_record(
    tmp_path: Path, policies: Path, embedder: Embedder, index_copy: IndexCopy
) -> None:
    assistant, _ = _assistant(
        tmp_path, policies, embedder, index_copy, "密码每 90 天更换一次 [1]。"
    )
    stream = assistant.stream("密码多久更换一次？", ALICE)
    assert next(stream).kind == "passages"
    stream.close()  # a closed browser tab
    (record,) = _records(tmp_path)
    assert record["event"] == "error" and record["error"] == "the answer was not read to the end"


def test_an_answer_whose_audit_record_cannot_be_written_is_not_given(
    tmp_path: Path,
    policies: Path,
    embedder: Embedder,
    index_copy: IndexCopy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assistant, _ = _assistant(
        tmp_path, policies, embedder, index_copy, "密码每 90 天更换一次 [1]。"
    )
    attempts: list[str] = []

    def disk_full(self: AuditLog, event: str, user: str, **fields: Any) -> str:
        attempts.append(event)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(AuditLog, "record", disk_full)
    with pytest.raises(PagewiseError, match=r"audit log .* cannot be written"):
        assistant.ask("密码多久更换一次？", ALICE)
    assert attempts == ["answered"], "one attempt, not a second 'error' record"


def test_an_assistant_told_not_to_audit_writes_nothing(
    tmp_path: Path, policies: Path, embedder: Embedder, index_copy: IndexCopy
) -> None:
    components = _components(tmp_path, policies, embedder, index_copy)
    llm = ScriptedLLM("密码每 90 天更换一次 [1]。")
    answer = components.assistant(llm=llm, audited=False).ask("密码多久更换一次？", ALICE)
    assert answer.audit_id is None and _records(tmp_path) == []


def test_two_users_from_one_client_address_share_its_limit(
    tmp_path: Path, policies: Path, embedder: Embedder, index_copy: IndexCopy
) -> None:
    assistant, _ = _assistant(
        tmp_path, policies, embedder, index_copy, "密码每 90 天更换一次 [1]。"
    )
    bob = User("bob", ("finance",), None, client=ALICE.client)
    for _ in range(2):
        assistant.ask("密码多久更换一次？", ALICE)
    with pytest.raises(RateLimitedError, match=r"try again in \d+ seconds"):
        assistant.ask("密码多久更换一次？", bob)
    elsewhere = User("bob", ("finance",), None, client="10.0.0.8")
    assert assistant.ask("密码多久更换一次？", elsewhere).audit_id is not None
    limited = next(r for r in _records(tmp_path) if r["event"] == "rate_limited")
    assert (limited["user"], limited["limited_by"]) == ("bob", f"client:{ALICE.client}")
